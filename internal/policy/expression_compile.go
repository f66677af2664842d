package policy

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// The expression is the body of a function receiving these parameters, as
// in authentik. Free names that are neither parameters nor helpers are
// read from the policy context at run time (authentik turns context keys
// into variables).
var params = []string{"request", "context", "ak_client_ip", "http_request", "ak_is_sso_flow"}

// fileOptions allows the Python constructs Starlark leaves out by default.
var fileOptions = &syntax.FileOptions{Set: true, While: true, TopLevelControl: true, GlobalReassign: true}

// program is a compiled expression: fn takes params followed by one
// argument per context variable.
type program struct {
	fn          *starlark.Function
	contextVars []string
}

// SyntaxError is a compile failure with the position in the expression as
// the user wrote it.
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return "Expression Syntax Error: " + e.Msg
	}
	return fmt.Sprintf("Expression Syntax Error: line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

// Compile checks an expression the way saving a policy does. The error is
// a *SyntaxError naming line and column.
func Compile(expression string) error {
	_, err := compile(expression)
	return err
}

// Compiled programs are cached by expression hash: policies are compiled
// once, not per evaluation. The cache is bounded by dropping everything when
// full (expressions change rarely; test requests may bring arbitrary ones).
var cache = struct {
	sync.RWMutex
	m map[[32]byte]cached
}{m: map[[32]byte]cached{}}

const cacheMax = 2048

type cached struct {
	prog *program
	err  error
}

func compile(src string) (*program, error) {
	key := sha256.Sum256([]byte(src))
	cache.RLock()
	c, ok := cache.m[key]
	cache.RUnlock()
	if ok {
		return c.prog, c.err
	}
	prog, err := compileUncached(src)
	cache.Lock()
	if len(cache.m) >= cacheMax {
		cache.m = map[[32]byte]cached{}
	}
	cache.m[key] = cached{prog, err}
	cache.Unlock()
	return prog, err
}

func compileUncached(src string) (*program, error) {
	src = pythonCompat(src)
	if _, err := fileOptions.Parse("expression", src, 0); err != nil {
		// Pasted from a page that lost its indentation? Retry once with
		// the bodies of block headers indented; keep the first error if
		// that does not parse either.
		fixed, lines := reindent(src)
		if len(lines) == 0 {
			return nil, pythonError(src, syntaxError(err))
		}
		if _, err2 := fileOptions.Parse("expression", fixed, 0); err2 != nil {
			return nil, pythonError(src, syntaxError(err))
		}
		src = fixed
	}
	if line, col := ormLine(src); line > 0 {
		return nil, &SyntaxError{Line: line, Col: col, Msg: msgORM}
	}
	// First pass: find the free names (context variables).
	var vars []string
	seen := map[string]bool{}
	prog, err := build(src, nil, func(name string) bool {
		if builtins.Has(name) {
			return true
		}
		if starlark.Universe.Has(name) {
			return false
		}
		if !seen[name] {
			seen[name] = true
			vars = append(vars, name)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if len(vars) == 0 {
		return prog, nil
	}
	return build(src, vars, builtins.Has)
}

// build parses src, wraps its statements in `def result(params...)` without
// moving any position (so errors point into the text as written), and
// compiles it.
func build(src string, vars []string, isPredeclared func(string) bool) (*program, error) {
	f, err := fileOptions.Parse("expression", src, 0)
	if err != nil {
		return nil, syntaxError(err)
	}
	for _, s := range f.Stmts {
		if l, ok := s.(*syntax.LoadStmt); ok {
			start, _ := l.Span()
			return nil, &SyntaxError{Line: int(start.Line), Col: int(start.Col), Msg: "load statements are not allowed"}
		}
	}
	body := f.Stmts
	if len(body) == 0 {
		body = []syntax.Stmt{&syntax.BranchStmt{Token: syntax.PASS}}
	}
	var ps []syntax.Expr
	for _, name := range params {
		ps = append(ps, &syntax.Ident{Name: name})
	}
	for _, name := range vars {
		ps = append(ps, &syntax.Ident{Name: name})
	}
	guardStmts(body) // memory bounds, see expression_memory.go
	f.Stmts = []syntax.Stmt{&syntax.DefStmt{Name: &syntax.Ident{Name: "result"}, Params: ps, Body: body}}
	prog, err := starlark.FileProgram(f, isPredeclared)
	if err != nil {
		return nil, syntaxError(err)
	}
	globals, err := prog.Init(&starlark.Thread{Name: "compile"}, builtins)
	if err != nil {
		return nil, &SyntaxError{Msg: err.Error()}
	}
	globals.Freeze() // the function is shared by concurrent evaluations
	fn, ok := globals["result"].(*starlark.Function)
	if !ok {
		return nil, &SyntaxError{Msg: "internal error: no function"}
	}
	return &program{fn: fn, contextVars: vars}, nil
}

// pythonError replaces a parse error on a line that starts with a Python
// construct Starlark lacks by a message naming the construct.
func pythonError(src string, err error) error {
	var se *SyntaxError
	if errors.As(err, &se) && se.Line > 0 {
		if msg := pythonConstruct(src, se.Line); msg != "" {
			return &SyntaxError{Line: se.Line, Col: 1, Msg: msg}
		}
	}
	return err
}

func syntaxError(err error) error {
	var se syntax.Error
	if errors.As(err, &se) {
		return &SyntaxError{Line: int(se.Pos.Line), Col: int(se.Pos.Col), Msg: se.Msg}
	}
	var re resolve.ErrorList
	if errors.As(err, &re) && len(re) > 0 {
		return &SyntaxError{Line: int(re[0].Pos.Line), Col: int(re[0].Pos.Col), Msg: re[0].Msg}
	}
	var ce *SyntaxError
	if errors.As(err, &ce) {
		return ce
	}
	return &SyntaxError{Msg: err.Error()}
}

// pythonCompat rewrites the Python operators Starlark lacks, keeping every
// column in place: `is not` becomes `!=` and `is` becomes `==` (identity
// and equality agree for None, True and False, which is what policies
// compare). Strings and comments are left alone.
func pythonCompat(src string) string {
	if !strings.Contains(src, "is") {
		return src
	}
	b := []byte(src)
	isWordByte := func(c byte) bool {
		return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
	}
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '#':
			for i < len(b) && b[i] != '\n' {
				i++
			}
		case c == '\'' || c == '"':
			i = skipString(b, i)
		case isWordByte(c):
			j := i
			for j < len(b) && isWordByte(b[j]) {
				j++
			}
			if j-i == 2 && b[i] == 'i' && b[i+1] == 's' {
				// "is" followed by optional "not"
				k := j
				for k < len(b) && (b[k] == ' ' || b[k] == '\t') {
					k++
				}
				if k+3 <= len(b) && string(b[k:k+3]) == "not" && (k+3 == len(b) || !isWordByte(b[k+3])) {
					b[i], b[i+1] = '!', '='
					for m := j; m < k+3; m++ {
						b[m] = ' '
					}
					j = k + 3
				} else {
					b[i], b[i+1] = '=', '='
				}
			}
			i = j
		default:
			i++
		}
	}
	return string(b)
}

// skipString returns the index after the string literal starting at i
// (single, double or triple quoted; backslash escapes).
func skipString(b []byte, i int) int {
	q := b[i]
	triple := i+2 < len(b) && b[i+1] == q && b[i+2] == q
	if triple {
		i += 3
		for i < len(b) {
			if b[i] == '\\' {
				i += 2
				continue
			}
			if i+2 < len(b) && b[i] == q && b[i+1] == q && b[i+2] == q {
				return i + 3
			}
			i++
		}
		return len(b)
	}
	i++
	for i < len(b) && b[i] != '\n' {
		if b[i] == '\\' {
			i += 2
			continue
		}
		if b[i] == q {
			return i + 1
		}
		i++
	}
	return i
}

// Reindented reports whether expression parses only once usher indents
// the bodies of unindented block headers (see reindent), with the lines it
// indents (1-based) and the text that then runs. Saving such an expression
// is allowed, with a warning showing both, so the change is never silent.
func Reindented(expression string) (lines []int, runs string, ok bool) {
	src := pythonCompat(expression)
	if _, err := fileOptions.Parse("expression", src, 0); err == nil {
		return nil, "", false
	}
	fixed, lines := reindent(src)
	if len(lines) == 0 {
		return nil, "", false
	}
	if _, err := fileOptions.Parse("expression", fixed, 0); err != nil {
		return nil, "", false
	}
	// Show the expression as written, re-indented (not the is/is not
	// rewrite, which is an implementation detail).
	shown, _ := reindent(expression)
	return lines, shown, true
}

// reindent repairs code whose indentation was lost (authentik's invitations guide's snippets
// as some renderers copy them): the lines after a block header (`if x:`,
// `for ...:`, `else:`, ...) that are not indented deeper are indented up to
// the next blank line, comment line, `elif`/`else`/`except` line or the end.
// It is tried only when the expression does not parse as written.
func reindent(src string) (string, []int) {
	lines := strings.Split(src, "\n")
	var changed []int
	for i := 0; i < len(lines); i++ {
		header := strings.TrimSpace(stripComment(lines[i]))
		if !strings.HasSuffix(header, ":") || !isBlockHeader(header) {
			continue
		}
		ind := indentOf(lines[i])
		j := i + 1
		if j >= len(lines) || strings.TrimSpace(lines[j]) == "" || indentOf(lines[j]) > ind {
			continue
		}
		for ; j < len(lines); j++ {
			t := strings.TrimSpace(lines[j])
			if t == "" || strings.HasPrefix(t, "#") || indentOf(lines[j]) != ind ||
				strings.HasPrefix(t, "elif ") || strings.HasPrefix(t, "else:") || strings.HasPrefix(t, "else :") {
				break
			}
			lines[j] = lines[j][:ind] + "    " + lines[j][ind:]
			changed = append(changed, j+1)
			if strings.HasSuffix(strings.TrimSpace(stripComment(t)), ":") {
				break // a nested header: its body is ambiguous, let the next round see it
			}
		}
	}
	return strings.Join(lines, "\n"), changed
}

func isBlockHeader(s string) bool {
	for _, kw := range []string{"if ", "elif ", "else", "for ", "while ", "def "} {
		if strings.HasPrefix(s, kw) {
			return true
		}
	}
	return false
}

func indentOf(s string) int { return len(s) - len(strings.TrimLeft(s, " \t")) }

func stripComment(s string) string {
	if i := strings.Index(s, "#"); i >= 0 && !strings.ContainsAny(s[:i], `'"`) {
		return s[:i]
	}
	return s
}
