package policy

import (
	"fmt"
	"math/bits"
	"runtime/metrics"
	"time"

	"go.starlark.net/starlark"
	"go.starlark.net/syntax"
)

// Memory bounds. Starlark counts steps, not bytes: `"x" * 10**9`,
// `list(range(10**9))` or `s = s + s` in a short loop take a handful of
// steps and gigabytes. The compiler therefore routes every operator and
// builtin that can make a value much larger than its inputs through the
// guards below, which refuse results over these sizes, and a watchdog
// stops an evaluation whose heap growth passes Engine.MaxMemory (values
// built in many small steps and kept).
const (
	MaxStringBytes       = 1 << 20 // one string or bytes value
	MaxElements          = 1 << 20 // one list, tuple or range
	DefaultMaxMemory     = 256 << 20
	memoryCheckInterval  = 2 * time.Millisecond
	guardOp, guardAugOp  = "_usher_op", "_usher_augop"
	guardMethod          = "_usher_method"
	memoryLimitMsgPrefix = "Policy evaluation stopped: memory limit"
)

// guardedMethods are the methods whose result can outgrow their receiver
// and arguments by more than a constant factor.
var guardedMethods = map[string]bool{"join": true, "replace": true, "format": true, "extend": true}

// guardBuiltins are added to the predeclared names.
func guardBuiltins() starlark.StringDict {
	return starlark.StringDict{
		guardOp:     starlark.NewBuiltin(guardOp, builtinOp),
		guardAugOp:  starlark.NewBuiltin(guardAugOp, builtinAugOp),
		guardMethod: starlark.NewBuiltin(guardMethod, builtinMethod),
		"range":     starlark.NewBuiltin("range", safeRange),
		"str":       starlark.NewBuiltin("str", safeStringer("str")),
		"repr":      starlark.NewBuiltin("repr", safeStringer("repr")),
		"print":     starlark.NewBuiltin("print", safePrinter("print")),
		"fail":      starlark.NewBuiltin("fail", safePrinter("fail")),
	}
}

// guardStmts rewrites ss in place: a + b, a * b and a % b become
// _usher_op("+", a, b); x += y becomes x = _usher_augop("+", x, y) (the
// target expression is evaluated twice, harmless for the names, indexes and
// attributes policies assign to); s.join(...) and the other guarded methods
// become _usher_method(s, "join", ...). Positions are kept, so errors still
// point into the expression as written.
func guardStmts(ss []syntax.Stmt) {
	for _, s := range ss {
		guardStmt(s)
	}
}

func guardStmt(s syntax.Stmt) {
	switch s := s.(type) {
	case *syntax.AssignStmt:
		s.LHS = guardExpr(s.LHS)
		s.RHS = guardExpr(s.RHS)
		if op, ok := augOps[s.Op]; ok {
			s.RHS = guardCall(guardAugOp, s.OpPos, op, s.LHS, s.RHS)
			s.Op = syntax.EQ
		}
	case *syntax.DefStmt:
		guardList(s.Params)
		guardStmts(s.Body)
	case *syntax.ExprStmt:
		s.X = guardExpr(s.X)
	case *syntax.IfStmt:
		s.Cond = guardExpr(s.Cond)
		guardStmts(s.True)
		guardStmts(s.False)
	case *syntax.ForStmt:
		s.X = guardExpr(s.X)
		guardStmts(s.Body)
	case *syntax.WhileStmt:
		s.Cond = guardExpr(s.Cond)
		guardStmts(s.Body)
	case *syntax.ReturnStmt:
		if s.Result != nil {
			s.Result = guardExpr(s.Result)
		}
	}
}

var (
	binOps = map[syntax.Token]string{syntax.PLUS: "+", syntax.STAR: "*", syntax.PERCENT: "%"}
	augOps = map[syntax.Token]string{syntax.PLUS_EQ: "+", syntax.STAR_EQ: "*", syntax.PERCENT_EQ: "%"}
)

func guardCall(fn string, pos syntax.Position, op string, args ...syntax.Expr) *syntax.CallExpr {
	lit := &syntax.Literal{Token: syntax.STRING, TokenPos: pos, Raw: fmt.Sprintf("%q", op), Value: op}
	return &syntax.CallExpr{Fn: &syntax.Ident{NamePos: pos, Name: fn}, Lparen: pos,
		Args: append([]syntax.Expr{lit}, args...), Rparen: pos}
}

func guardList(es []syntax.Expr) {
	for i := range es {
		es[i] = guardExpr(es[i])
	}
}

func guardExpr(e syntax.Expr) syntax.Expr {
	switch e := e.(type) {
	case *syntax.BinaryExpr:
		e.X, e.Y = guardExpr(e.X), guardExpr(e.Y)
		if op, ok := binOps[e.Op]; ok {
			return guardCall(guardOp, e.OpPos, op, e.X, e.Y)
		}
	case *syntax.CallExpr:
		e.Fn = guardExpr(e.Fn)
		guardList(e.Args)
		if dot, ok := e.Fn.(*syntax.DotExpr); ok && guardedMethods[dot.Name.Name] {
			c := guardCall(guardMethod, dot.Dot, dot.Name.Name, e.Args...)
			c.Args = append([]syntax.Expr{dot.X}, c.Args...)
			c.Lparen, c.Rparen = e.Lparen, e.Rparen
			return c
		}
	case *syntax.Comprehension:
		e.Body = guardExpr(e.Body)
		for _, c := range e.Clauses {
			switch c := c.(type) {
			case *syntax.ForClause:
				c.X = guardExpr(c.X)
			case *syntax.IfClause:
				c.Cond = guardExpr(c.Cond)
			}
		}
	case *syntax.CondExpr:
		e.Cond, e.True, e.False = guardExpr(e.Cond), guardExpr(e.True), guardExpr(e.False)
	case *syntax.DictEntry:
		e.Key, e.Value = guardExpr(e.Key), guardExpr(e.Value)
	case *syntax.DictExpr:
		guardList(e.List)
	case *syntax.DotExpr:
		e.X = guardExpr(e.X)
	case *syntax.IndexExpr:
		e.X, e.Y = guardExpr(e.X), guardExpr(e.Y)
	case *syntax.LambdaExpr:
		guardList(e.Params)
		e.Body = guardExpr(e.Body)
	case *syntax.ListExpr:
		guardList(e.List)
	case *syntax.TupleExpr:
		guardList(e.List)
	case *syntax.ParenExpr:
		e.X = guardExpr(e.X)
	case *syntax.SliceExpr:
		e.X = guardExpr(e.X)
		for _, p := range []*syntax.Expr{&e.Lo, &e.Hi, &e.Step} {
			if *p != nil {
				*p = guardExpr(*p)
			}
		}
	case *syntax.UnaryExpr:
		if e.X != nil {
			e.X = guardExpr(e.X)
		}
	}
	return e
}

func tooLarge(what string, limit int) error {
	return fmt.Errorf("%s would be larger than the limit of %d for policy expressions", what, limit)
}

// sized reports the length of strings, bytes, lists and tuples.
func sized(v starlark.Value) (n int, isString, ok bool) {
	switch v := v.(type) {
	case starlark.String:
		return len(v), true, true
	case starlark.Bytes:
		return len(v), true, true
	case *starlark.List:
		return v.Len(), false, true
	case starlark.Tuple:
		return len(v), false, true
	}
	return 0, false, false
}

// checkBinary refuses a + b or a * b whose result would be too large.
func checkBinary(op string, x, y starlark.Value) error {
	switch op {
	case "+":
		nx, sx, okx := sized(x)
		ny, _, oky := sized(y)
		if okx && oky {
			return checkSize(sx, nx+ny)
		}
	case "*":
		for _, p := range [][2]starlark.Value{{x, y}, {y, x}} {
			n, s, ok := sized(p[0])
			k, isInt := p[1].(starlark.Int)
			if !ok || !isInt {
				continue
			}
			times, exact := k.Int64()
			if !exact || times > int64(MaxStringBytes)*int64(MaxElements) {
				return checkSize(s, MaxStringBytes+MaxElements+1)
			}
			if times > 0 {
				hi, lo := bits.Mul64(uint64(n), uint64(times))
				if hi != 0 || lo > uint64(MaxStringBytes+MaxElements) {
					return checkSize(s, MaxStringBytes+MaxElements+1)
				}
				return checkSize(s, int(lo))
			}
		}
	case "%":
		if f, ok := x.(starlark.String); ok {
			return checkSize(true, len(f)+strSize(y, MaxStringBytes))
		}
	}
	return nil
}

func checkSize(isString bool, n int) error {
	if isString && n > MaxStringBytes {
		return tooLarge("the string", MaxStringBytes)
	}
	if !isString && n > MaxElements {
		return tooLarge("the list", MaxElements)
	}
	return nil
}

var opTokens = map[string]syntax.Token{"+": syntax.PLUS, "*": syntax.STAR, "%": syntax.PERCENT}

func builtinOp(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	op, x, y := string(args[0].(starlark.String)), args[1], args[2]
	if err := checkBinary(op, x, y); err != nil {
		return nil, err
	}
	return starlark.Binary(opTokens[op], x, y)
}

// builtinAugOp is x op= y: lists grow in place (x += y extends x, as in
// Python), everything else is x = x op y.
func builtinAugOp(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	op, x, y := string(args[0].(starlark.String)), args[1], args[2]
	if err := checkBinary(op, x, y); err != nil {
		return nil, err
	}
	if l, ok := x.(*starlark.List); ok && op == "+" {
		if _, isIter := y.(starlark.Iterable); isIter {
			extend, _ := l.Attr("extend")
			if _, err := starlark.Call(t, extend, starlark.Tuple{y}, nil); err != nil {
				return nil, err
			}
			return l, nil
		}
	}
	return starlark.Binary(opTokens[op], x, y)
}

// builtinMethod calls recv.name(args...) after checking the result size.
func builtinMethod(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	name, recv, rest := string(args[1].(starlark.String)), args[0], args[2:]
	if err := checkMethod(recv, name, rest, kwargs); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m, err := getAttr(recv, name)
	if err != nil {
		return nil, err
	}
	return starlark.Call(t, m, rest, kwargs)
}

func getAttr(v starlark.Value, name string) (starlark.Value, error) {
	if h, ok := v.(starlark.HasAttrs); ok {
		m, err := h.Attr(name)
		if err != nil {
			return nil, err
		}
		if m != nil {
			return m, nil
		}
	}
	return nil, fmt.Errorf("%s has no .%s field or method", v.Type(), name)
}

func checkMethod(recv starlark.Value, name string, args starlark.Tuple, kwargs []starlark.Tuple) error {
	switch name {
	case "join":
		sep, ok := recv.(starlark.String)
		if !ok || len(args) != 1 {
			return nil
		}
		total, count := 0, 0
		if it, ok := args[0].(starlark.Iterable); ok {
			iter := it.Iterate()
			defer iter.Done()
			var x starlark.Value
			for iter.Next(&x) {
				if s, ok := x.(starlark.String); ok {
					total += len(s)
				}
				count++
				if total+count*len(sep) > MaxStringBytes {
					return tooLarge("the string", MaxStringBytes)
				}
			}
		}
	case "replace":
		s, ok := recv.(starlark.String)
		if !ok || len(args) < 2 {
			return nil
		}
		old, ok1 := args[0].(starlark.String)
		nw, ok2 := args[1].(starlark.String)
		if !ok1 || !ok2 || len(nw) <= len(old) {
			return nil
		}
		n := len(s) + 1 // "" matches between every byte
		if old != "" {
			n = countSubstr(string(s), string(old))
		}
		if len(s)+n*(len(nw)-len(old)) > MaxStringBytes {
			return tooLarge("the string", MaxStringBytes)
		}
	case "format":
		f, ok := recv.(starlark.String)
		if !ok {
			return nil
		}
		total := len(f)
		for _, a := range args {
			total += strSize(a, MaxStringBytes)
		}
		for _, kv := range kwargs {
			total += strSize(kv[1], MaxStringBytes)
		}
		// Each argument may be used many times ("{0}{0}{0}"): count uses.
		if uses := countSubstr(string(f), "{"); uses > 1 && total > 0 {
			total *= uses
		}
		if total > MaxStringBytes {
			return tooLarge("the string", MaxStringBytes)
		}
	case "extend":
		l, ok := recv.(*starlark.List)
		if !ok || len(args) != 1 {
			return nil
		}
		if n := starlark.Len(args[0]); n >= 0 && l.Len()+n > MaxElements {
			return tooLarge("the list", MaxElements)
		}
	}
	return nil
}

func countSubstr(s, sub string) int {
	n := 0
	for i := 0; i+len(sub) <= len(s); {
		j := indexFrom(s, sub, i)
		if j < 0 {
			break
		}
		n++
		i = j + len(sub)
	}
	return n
}

func indexFrom(s, sub string, from int) int {
	for i := from; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

// strSize estimates len(str(v)), or a number over limit when the text
// would pass MaxStringBytes or the value is too deep to print.
func strSize(v starlark.Value, limit int) int {
	total := 0
	if err := (*run)(nil).converter().measure(v, 0, &total); err != nil {
		return max(limit, MaxStringBytes) + 1
	}
	return total
}

// safeRange is range() refusing more than MaxElements numbers (a range is
// lazy, but list(range(n)) and loops over it are not).
func safeRange(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	r, err := starlark.Call(t, starlark.Universe["range"], args, kwargs)
	if err != nil {
		return nil, err
	}
	if n := starlark.Len(r); n > MaxElements {
		return nil, tooLarge("range", MaxElements)
	}
	return r, nil
}

// safeStringer is str()/repr() refusing values whose text would be too
// large (a list holding the same large string a million times).
func safeStringer(name string) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if len(args) == 1 {
			if _, isString := args[0].(starlark.String); !isString {
				if err := checkText(t, args[0]); err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
			}
		}
		return starlark.Call(t, starlark.Universe[name], args, kwargs)
	}
}

// safePrinter is print()/fail() refusing arguments whose text would be too
// large or too deep (both render every argument).
func safePrinter(name string) func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
	return func(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		vals := append(starlark.Tuple{}, args...)
		for _, kv := range kwargs {
			vals = append(vals, kv[1])
		}
		if err := checkText(t, vals...); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return starlark.Call(t, starlark.Universe[name], args, kwargs)
	}
}

// heapBytes is the Go heap in use (live and not yet swept objects).
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// watchMemory calls cancel("memory limit") when the heap grows by
// more than limit while it runs; call stop when the thread is done. The heap is
// the whole process's, so the limit is generous: it stops runaway
// expressions, not ordinary ones.
func watchMemory(cancel func(reason string), limit uint64) (stop func()) {
	base := heapBytes()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(memoryCheckInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if h := heapBytes(); h > base && h-base > limit {
					cancel("memory limit")
					return
				}
			}
		}
	}()
	return func() { close(done) }
}
