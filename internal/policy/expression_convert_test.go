package policy_test

import (
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// Writes into the flow plan are copies within bounds: a plan made to hold
// itself (plan['me'] = plan) used to alias the Go map, which the next
// rendering of the plan recursed into until the process died.
func TestPlanWritesBounded(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ name, expr, want string }{
		{"self", "plan = context['flow_plan'].context\nplan['me'] = plan\nreturn str(plan) != ''", ""},
		{"cyclic list", "l = []\nl.append(l)\ncontext['flow_plan'].context['l'] = l\nreturn True", "contains itself"},
		{"deep", "l = []\nfor i in range(100):\n    l = [l]\ncontext['flow_plan'].context['l'] = l\nreturn True", "nested more than 64"},
	} {
		pl := &plan{ctx: map[string]any{"prompt_data": map[string]any{"a": "b"}}}
		res := e.eng.Test(e.ctx, e.st, store.Policy{Name: c.name, Expression: c.expr}, nil, map[string]any{"flow_plan": pl}, nil)
		msg := strings.Join(res.Messages, " ")
		if c.want == "" {
			if !res.Passing {
				t.Errorf("%s: %+v", c.name, res)
			}
			me, _ := pl.ctx["me"].(map[string]any)
			if me == nil || me["prompt_data"] == nil {
				t.Errorf("%s: plan['me'] = %#v, want a copy of the plan", c.name, pl.ctx["me"])
			}
			continue
		}
		if res.Passing || !strings.Contains(msg, c.want) {
			t.Errorf("%s: passing %v %q, want an error containing %q", c.name, res.Passing, msg, c.want)
		}
	}
}

// str() of a list holding itself prints [...] as Python does; the value
// returned to a property mapping is refused with a clear error.
func TestCyclicTextAndReturnValue(t *testing.T) {
	e := newEnv(t)
	res := e.eng.Test(e.ctx, e.st, store.Policy{Name: "s", Expression: "l = [1]\nl.append(l)\nak_message(str(l))\nak_message(l)\nreturn True"}, nil, nil, nil)
	if !res.Passing || len(res.Messages) != 2 || res.Messages[0] != "[1, [...]]" || res.Messages[1] != "[1, [...]]" {
		t.Errorf("result %+v", res)
	}
	_, err := e.eng.EvalValue(e.ctx, e.st, "l = []\nl.append({'x': l})\nreturn l", nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "contains itself") {
		t.Errorf("EvalValue of a cyclic list: %v", err)
	}
	v, err := e.eng.EvalValue(e.ctx, e.st, "return {'a': [1, (2, 'x')]}", nil, nil, nil)
	if m, _ := v.(map[string]any); err != nil || len(m["a"].([]any)) != 2 {
		t.Errorf("EvalValue: %#v %v", v, err)
	}
}

// Regex helpers run in Go and cannot be interrupted: a pattern too costly
// for its input, and a replacement that would build a huge string, are
// refused before they run.
func TestRegexHelpersBounded(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct{ name, expr, want string }{
		{"costly match", "s = 'ab' * 500000\nreturn regex_match(s, '" + strings.Repeat("[ab]{1,10}", 100) + "c')", "too complex"},
		{"huge replace", "s = 'x' * 100000\nreturn regex_replace(s, '', s) == ''", "larger than the limit"},
		{"many parts", "s = 'x' * 1000\nreturn regex_replace(s, 'x()', '\\\\1' * 100000) == ''", "more than the limit"},
	} {
		start := time.Now()
		res := e.eng.Test(e.ctx, e.st, store.Policy{Name: c.name, Expression: c.expr}, nil, nil, nil)
		if msg := strings.Join(res.Messages, " "); res.Passing || !strings.Contains(msg, c.want) {
			t.Errorf("%s: passing %v %q, want an error containing %q", c.name, res.Passing, msg, c.want)
		}
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("%s took %s", c.name, took)
		}
	}
	// Ordinary use still works, groups included.
	res := e.eng.Test(e.ctx, e.st, store.Policy{Name: "ok", Expression: `return regex_replace('a-b c', r'(\w)-(?P<x>\w)', r'\2\g<x>\1$') == 'bba$ c' and regex_match('abc', 'b')`}, nil, nil, nil)
	if !res.Passing {
		t.Errorf("ordinary regex use: %+v", res)
	}
}
