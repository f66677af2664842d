package policy_test

import (
	"errors"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/policy"
)

// TestEvalValue: prompt expressions compute values with the variables of
// the prompt stage's expressions, return plain data, and fail safely.
func TestEvalValue(t *testing.T) {
	e := newEnv(t)
	e.eng.MaxSteps = 10_000
	jane := e.user("jane")
	r := httptest.NewRequest("GET", "/if/flow/enroll/?itoken=x", nil)
	pc := map[string]any{"email": "jane@example.com", "choices": []any{"a", "b"}}
	cases := []struct {
		name    string
		expr    string
		anon    bool
		want    any
		wantErr string
	}{
		{"prompt_context", "return prompt_context.get('email', '').split('@')[1]", false, "example.com", ""},
		{"user", "return user.username + ' <' + user.email + '>'", false, "jane <jane@example.com>", ""},
		{"anonymous user", "return user.username", true, "AnonymousUser", ""},
		{"request and http_request", "return [request.user.username, http_request.method, request.context['prompt_context']['email']]",
			false, []any{"jane", "GET", "jane@example.com"}, ""},
		{"choices", "return [{'label': 'A', 'value': 1}, 'b', None, True, 2.5]", false,
			[]any{map[string]any{"label": "A", "value": int64(1)}, "b", nil, true, 2.5}, ""},
		{"object becomes its text", "return user", false, "jane", ""},
		{"list from context", "return prompt_context['choices'] + ['c']", false, []any{"a", "b", "c"}, ""},
		{"helper", "return regex_replace(user.email, '@.*', '')", false, "jane", ""},
		{"no return", "x = 1", false, nil, ""},
		{"exception", "return 1 // 0", false, nil, "division by zero"},
		{"unknown variable", "return nope", false, nil, "name 'nope' is not defined"},
		{"syntax error", "return (", false, nil, "Expression Syntax Error"},
		{"step budget", "while True:\n    pass", false, nil, "step budget"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := jane
			if c.anon {
				u = nil
			}
			got, err := e.eng.EvalValue(e.ctx, e.st, c.expr, u, r, map[string]any{"prompt_context": pc})
			if c.wantErr != "" {
				var ve *policy.ValueError
				if !errors.As(err, &ve) || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want a ValueError containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %#v, want %#v", got, c.want)
			}
		})
	}
	// Evaluating a value records no policy event (the caller records).
	if n := len(e.events("policy_exception")); n != 0 {
		t.Errorf("%d policy_exception events, want 0", n)
	}
}
