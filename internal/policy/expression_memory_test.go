package policy_test

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// Expressions that would take gigabytes in a few steps are stopped with a
// clear message, quickly, without the process growing; ordinary uses of
// the guarded operators keep working.
func TestExpressionMemoryBounds(t *testing.T) {
	e := newEnv(t)
	e.eng.MaxMemory = 64 << 20
	run := func(t *testing.T, expr string) (bool, string, uint64) {
		t.Helper()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start := time.Now()
		res := e.eng.Test(e.ctx, e.st, store.Policy{Name: "mem", Kind: "expression", Expression: expr}, nil, nil, nil)
		runtime.ReadMemStats(&after)
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
		return res.Passing, strings.Join(res.Messages, " "), after.TotalAlloc - before.TotalAlloc
	}
	refused := []struct{ name, expr, msg string }{
		{"string repetition", `return len("x" * 1000000000) > 0`, "the string would be larger than the limit of 1048576"},
		{"repetition the other way round", `return len(1000000000 * "x") > 0`, "larger than the limit"},
		{"list of a huge range", `return len(list(range(1000000000))) > 0`, "range would be larger than the limit of 1048576"},
		{"list repetition", `return len([0] * 1000000000) > 0`, "the list would be larger than the limit"},
		{"doubling by +", "s = 'x'\nfor i in range(40):\n    s = s + s\nreturn True", "the string would be larger"},
		{"doubling by +=", "s = 'xy'\nfor i in range(40):\n    s += s\nreturn True", "the string would be larger"},
		{"list doubling by extend", "l = [1]\nfor i in range(40):\n    l.extend(l)\nreturn True", "extend: the list would be larger"},
		{"list doubling by +=", "l = [1]\nfor i in range(40):\n    l += l\nreturn True", "the list would be larger"},
		{"join of many copies", `return len("".join(["x" * 1000] * 100000)) > 0`, "join: the string would be larger"},
		{"replace blow-up", `s = "a" * 100000` + "\n" + `return len(s.replace("a", "b" * 1000)) > 0`, "replace: the string would be larger"},
		{"str of shared big values", `s = "x" * 1000000` + "\n" + `return len(str([s] * 1000)) > 0`, "the string would be larger"},
		{"format of many copies", `s = "x" * 1000000` + "\n" + `return len("{0}{0}{0}".format(s)) > 0`, "format: the string would be larger"},
		{"percent format", `s = "x" * 1000000` + "\n" + `return len("%s%s" % (s, s)) > 0`, "the string would be larger"},
		{"many medium values kept", "keep = []\nfor i in range(1000):\n    keep.append(('y' * 1000000) + str(i))\nreturn True",
			"memory limit of 64 MiB exceeded"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			passing, msg, alloc := run(t, tt.expr)
			if passing || !strings.Contains(msg, tt.msg) {
				t.Errorf("passing=%v message %q, want refusal containing %q", passing, msg, tt.msg)
			}
			if alloc > 512<<20 {
				t.Errorf("allocated %d MiB before stopping", alloc>>20)
			}
		})
	}
	allowed := []struct{ name, expr string }{
		{"numbers", `return 1 + 2 * 3 % 4 == 3 and 2.5 * 2 == 5.0`},
		{"string ops", `return "ab" * 3 == "ababab" and "a" + "b" == "ab" and "%s-%d" % ("x", 3) == "x-3"`},
		{"methods", `return ",".join(["a", "b"]) == "a,b" and "{} {}".format(1, 2) == "1 2" and "aaa".replace("a", "bb") == "bbbbbb"`},
		{"list += extends in place", "a = [1]\nb = a\nb += [2]\nreturn a == [1, 2]"},
		{"extend", "a = [1]\na.extend([2, 3])\nreturn a == [1, 2, 3]"},
		{"index +=", "d = {'n': 1}\nd['n'] += 2\nreturn d['n'] == 3"},
		{"str and range", `return str([1, 2]) == "[1, 2]" and repr("a") == '"a"' and len(range(10)) == 10 and str("x") == "x"`},
		{"list concat and repeat", `return [1] + [2] == [1, 2] and [0] * 3 == [0, 0, 0] and (1,) * 2 == (1, 1)`},
		{"a megabyte is fine", `return len("x" * 1000000) == 1000000`},
		{"nested function", "def f(x):\n    return x * 2\nreturn f(3) == 6 and (lambda y: y + 'z')('a') == 'az'"},
	}
	for _, tt := range allowed {
		t.Run(tt.name, func(t *testing.T) {
			if passing, msg, _ := run(t, tt.expr); !passing {
				t.Errorf("refused: %s", msg)
			}
		})
	}
}
