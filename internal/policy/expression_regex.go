package policy

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"
	"sync"

	"go.starlark.net/starlark"
)

// Regex helpers run in Go, where one call cannot be interrupted. Go's
// regexp is linear in the input, but the constant is the size of the
// compiled pattern (about 10 ns per instruction and input byte), so a
// long pattern over a 1 MiB string takes many seconds, and re.sub can
// build a result far beyond the string limit ("" replaced by a long
// text between every byte). Each call is therefore bounded before it
// runs: instructions times input bytes within maxRegexWork, charged to
// the step budget, and the replacement's length computed first.
const (
	maxRegexWork      = 1 << 26 // about half a second
	regexWorkPerStep  = 1 << 8
	regexCacheMax     = 1024 // compiled patterns kept
	regexCacheMaxSize = 1024 // longest pattern kept
)

type compiledRegex struct {
	re    *regexp.Regexp
	insts int
}

var regexCache = struct {
	sync.Mutex
	m map[string]compiledRegex
}{m: map[string]compiledRegex{}}

func compileRegex(pattern string) (compiledRegex, error) {
	regexCache.Lock()
	c, ok := regexCache.m[pattern]
	regexCache.Unlock()
	if ok {
		return c, nil
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return compiledRegex{}, err
	}
	parsed, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return compiledRegex{}, err
	}
	prog, err := syntax.Compile(parsed.Simplify())
	if err != nil {
		return compiledRegex{}, err
	}
	c = compiledRegex{re: re, insts: len(prog.Inst)}
	if len(pattern) <= regexCacheMaxSize {
		regexCache.Lock()
		if len(regexCache.m) >= regexCacheMax {
			regexCache.m = map[string]compiledRegex{} // policies use few patterns
		}
		regexCache.m[pattern] = c
		regexCache.Unlock()
	}
	return c, nil
}

// regexFor compiles pattern and charges matching it against value.
func regexFor(thread *starlark.Thread, name, pattern, value string) (*regexp.Regexp, error) {
	c, err := compileRegex(pattern)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	work := uint64(c.insts) * uint64(len(value)+1)
	if work > maxRegexWork {
		return nil, fmt.Errorf("%s: the pattern (%d instructions) is too complex for a value of %d bytes: the limit for policy expressions is %d instructions times bytes",
			name, c.insts, len(value), maxRegexWork)
	}
	if err := runOf(thread).charge(work / regexWorkPerStep); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return c.re, nil
}

// regexMatch: regex_match(value, regex) is Python's bool(re.search(...)).
func regexMatch(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var value, pattern string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "value", &value, "regex", &pattern); err != nil {
		return nil, err
	}
	re, err := regexFor(thread, b.Name(), pattern, value)
	if err != nil {
		return nil, err
	}
	return starlark.Bool(re.MatchString(value)), nil
}

// replSegment is a literal piece of a replacement or a group reference.
type replSegment struct {
	lit   string
	group int // -1 for a literal
}

var pyGroupRef = regexp.MustCompile(`\\(\d+)|\\g<(\w+)>`)

// parseRepl splits Python's repl into literals and \1 / \g<name> group
// references (an unknown group is empty, as Go's Expand has it).
func parseRepl(re *regexp.Regexp, repl string) []replSegment {
	var out []replSegment
	last := 0
	for _, m := range pyGroupRef.FindAllStringSubmatchIndex(repl, -1) {
		if m[0] > last {
			out = append(out, replSegment{lit: repl[last:m[0]], group: -1})
		}
		g := -1
		if m[2] >= 0 {
			if n, err := strconv.Atoi(repl[m[2]:m[3]]); err == nil && n <= re.NumSubexp() {
				g = n
			}
		} else if i := re.SubexpIndex(repl[m[4]:m[5]]); i >= 0 {
			g = i
		}
		if g >= 0 {
			out = append(out, replSegment{group: g})
		}
		last = m[1]
	}
	if last < len(repl) {
		out = append(out, replSegment{lit: repl[last:], group: -1})
	}
	return out
}

// regexReplace: regex_replace(value, regex, repl) is Python's re.sub; \1
// and \g<name> in repl refer to groups. The result's length is computed
// before it is built.
func regexReplace(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var value, pattern, repl string
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "value", &value, "regex", &pattern, "repl", &repl); err != nil {
		return nil, err
	}
	re, err := regexFor(thread, b.Name(), pattern, value)
	if err != nil {
		return nil, err
	}
	segs := parseRepl(re, repl)
	matches := re.FindAllStringSubmatchIndex(value, -1)
	if work := uint64(len(matches)) * uint64(len(segs)+1); work > maxRegexWork {
		return nil, fmt.Errorf("%s: %d matches of a replacement with %d parts is more than the limit of %d for policy expressions",
			b.Name(), len(matches), len(segs), maxRegexWork)
	} else if err := runOf(thread).charge(work / regexWorkPerStep); err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	size := len(value)
	for _, m := range matches {
		size -= m[1] - m[0]
		for _, s := range segs {
			if s.group < 0 {
				size += len(s.lit)
			} else if m[2*s.group] >= 0 {
				size += m[2*s.group+1] - m[2*s.group]
			}
			if size > MaxStringBytes {
				return nil, fmt.Errorf("%s: %w", b.Name(), tooLarge("the string", MaxStringBytes))
			}
		}
	}
	var out strings.Builder
	out.Grow(size)
	last := 0
	for _, m := range matches {
		out.WriteString(value[last:m[0]])
		for _, s := range segs {
			if s.group < 0 {
				out.WriteString(s.lit)
			} else if m[2*s.group] >= 0 {
				out.WriteString(value[m[2*s.group]:m[2*s.group+1]])
			}
		}
		last = m[1]
	}
	out.WriteString(value[last:])
	return starlark.String(out.String()), nil
}
