package policy_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testkit"
)

// FuzzExpression compiles and runs arbitrary expressions under a small
// step, time and memory budget: a syntax error is a *SyntaxError, anything
// else a failed result with a message; never a panic or a hang. Seeds live
// in testdata/fuzz/FuzzExpression.
func FuzzExpression(f *testing.F) {
	for _, s := range []string{testkit.SeedInvited, testkit.SeedDepartment, testkit.SeedEmail, testkit.SeedAsPrinted,
		"return ak_is_group_member(request.user, name='x')", "ak_message('hi')\nreturn False",
		"while True:\n    pass", "return regex_replace('a'*100, 'a*', 'b')", "return ak_user_by(username='akadmin') is None",
		"return list_flatten([[1], [2]])", "return ip_address(ak_client_ip) in ip_network('10.0.0.0/8')",
		"return context['prompt_data']['x']", "x = [1]\nx += x\nreturn str(x)", "def f(n):\n  return f(n)\nreturn f(1)",
	} {
		f.Add(s)
	}
	ctx := context.Background()
	st := storetest.OpenSQLite(f)
	eng := policy.NewEngine(&app.App{Store: st, Events: &event.Recorder{}})
	eng.MaxSteps, eng.MaxRunTime, eng.MaxMemory = 20_000, 200*time.Millisecond, 64<<20
	f.Fuzz(func(t *testing.T, expr string) {
		if err := policy.Compile(expr); err != nil {
			var se *policy.SyntaxError
			if !errors.As(err, &se) || se.Error() == "" {
				t.Fatalf("compile error %T %q is not a SyntaxError", err, err)
			}
			return
		}
		start := time.Now()
		res := eng.Test(ctx, st, store.Policy{Name: "fuzz", Kind: "expression", Expression: expr}, nil,
			map[string]any{"prompt_data": map[string]any{"email": "a@example.com"}}, nil)
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("evaluation took %v", d)
		}
		_ = res
	})
}
