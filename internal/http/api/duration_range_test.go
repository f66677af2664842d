package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// A session length that overflows a duration (about 292 years) is refused
// naming the field, instead of being stored and wrapping to a short or
// negative session when added to now.
func TestSessionDurationOverflowRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		for i, d := range []string{"weeks=1e20", "days=100000;days=100000", "hours=inf", "hours=nan"} {
			status, body, raw := e.do("POST", "/api/v3/stages/user_login/", map[string]any{"name": fmt.Sprint("long-", i), "session_duration": d}, e.adminKey)
			if status != 400 || body["session_duration"] == nil {
				t.Errorf("session_duration %s: %d %s", d, status, raw)
			}
		}
		status, _, raw := e.do("POST", "/api/v3/stages/user_login/", map[string]any{"name": "ok", "session_duration": "weeks=4"}, e.adminKey)
		if status != 201 || !strings.Contains(string(raw), `"session_duration":"weeks=4"`) {
			t.Errorf("weeks=4: %d %s", status, raw)
		}
	})
}
