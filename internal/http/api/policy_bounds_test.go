package api_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// testPolicy creates an expression policy and runs it through the test
// endpoint as the admin, returning the answer.
func testPolicy(t *testing.T, e *env, name, expression string) (int, map[string]any) {
	t.Helper()
	status, p := e.adminJSON("POST", "/api/v3/policies/expression/", map[string]any{"name": name, "expression": expression})
	if status != 201 {
		t.Fatalf("create %s: %d %v", name, status, p)
	}
	return e.adminJSON("POST", "/api/v3/policies/all/"+p["pk"].(string)+"/test/", map[string]any{"user": e.admin.PK})
}

func messagesOf(body map[string]any) string {
	var out []string
	l, _ := body["messages"].([]any)
	for _, m := range l {
		out = append(out, fmt.Sprint(m))
	}
	return strings.Join(out, " | ")
}

// A policy handing a value that contains itself to a helper used to
// crash the process (fatal stack overflow converting it to Go); it must
// fail with a policy error that says why, and the server keep serving.
func TestPolicyTestCyclicValuesFailCleanly(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		status, _ := e.adminJSON("POST", "/api/v3/policies/expression/", map[string]any{"name": "callee", "expression": "return True"})
		if status != 201 {
			t.Fatalf("create callee: %d", status)
		}
		const cyclicList = "l = []\nl.append(l)\n"
		const cyclicDict = "d = {}\nd['self'] = d\n"
		for i, c := range []struct{ name, expr string }{
			{"event-list", cyclicList + "ak_create_event('cyc', x=l)\nreturn True"},
			{"event-dict", cyclicDict + "ak_create_event('cyc', x=d)\nreturn True"},
			{"logger-list", cyclicList + "ak_logger.info('x', v=l)\nreturn True"},
			{"logger-dict", cyclicDict + "ak_logger.warning('x', v=d)\nreturn True"},
			{"call-policy", cyclicList + "return ak_call_policy('callee', v=l)"},
			{"nested", cyclicList + "ak_create_event('cyc', x={'a': [1, {'b': l}]})\nreturn True"},
		} {
			status, body := testPolicy(t, e, fmt.Sprintf("cyc-%d", i), c.expr)
			if status != 200 || body["passing"] != false || !strings.Contains(messagesOf(body), "contains itself") {
				t.Errorf("%s: %d %v, want 200, not passing, a message saying the value contains itself", c.name, status, body)
			}
		}
		if status, body := e.adminJSON("GET", "/api/v3/policies/all/", nil); status != 200 {
			t.Fatalf("server no longer serving: %d %v", status, body)
		}
		// Nothing was recorded for the refused events.
		events, _, err := e.store.ListEvents(context.Background(), store.EventFilter{Action: "custom_cyc"})
		if err != nil || len(events) != 0 {
			t.Errorf("custom_cyc events: %d, %v", len(events), err)
		}
	})
}

// A list nested 200,000 levels deep handed to ak_message took 17 s (a
// quadratic rendering) while reporting a 1 s timeout. It must be refused
// promptly; the bound on the time is only a hang guard.
func TestPolicyTestDeepValuesRefusedPromptly(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		const deepList = "l = []\nfor i in range(100000):\n    l = [l]\n"
		for i, c := range []struct{ name, expr string }{
			{"message", deepList + "ak_message(l)\nreturn True"},
			{"logger-arg", deepList + "ak_logger.info(l)\nreturn True"},
			{"event", deepList + "ak_create_event('deep', x=l)\nreturn True"},
			{"print", deepList + "print(l)\nreturn True"},
			{"slugify", deepList + "return slugify(l)"},
		} {
			start := time.Now()
			status, body := testPolicy(t, e, fmt.Sprintf("deep-%d", i), c.expr)
			took := time.Since(start)
			msg := messagesOf(body)
			if status != 200 || body["passing"] != false ||
				!(strings.Contains(msg, "nested more than") || strings.Contains(msg, "timeout") || strings.Contains(msg, "step budget")) {
				t.Errorf("%s: %d %v, want 200, not passing, a depth, timeout or step message", c.name, status, body)
			}
			t.Logf("%s: %s %.200s", c.name, took, msg)
			if took > 5*time.Second {
				t.Errorf("%s: took %s", c.name, took)
			}
		}
	})
}

// A value shared many times (a DAG) is small in memory but huge as text
// or as Go data; helpers must refuse it instead of exhausting memory.
func TestPolicyTestHugeSharedValuesRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		const shared = "s = 'x' * 1000000\nl = [s] * 1000\nm = [l] * 1000\n"
		for i, c := range []struct{ name, expr string }{
			{"message", shared + "ak_message(m)\nreturn True"},
			{"event", shared + "ak_create_event('big', x=m)\nreturn True"},
			{"logger", shared + "ak_logger.info('x', v=m)\nreturn True"},
			{"print", shared + "print(m)\nreturn True"},
			{"fail", shared + "fail(m)"},
			{"regex-replace", "s = 'x' * 1000000\nreturn regex_replace(s, '', s) == ''"},
		} {
			start := time.Now()
			status, body := testPolicy(t, e, fmt.Sprintf("big-%d", i), c.expr)
			if msg := messagesOf(body); status != 200 || body["passing"] != false || !(strings.Contains(msg, "limit") || strings.Contains(msg, "step budget") || strings.Contains(msg, "timeout")) {
				// On a busy machine the 1 s timeout may fire before the
				// size check is reached; either way the policy is stopped.
				t.Errorf("%s: %d %.300s, want 200, not passing, a limit, step budget or timeout message", c.name, status, msg)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("%s: took %s", c.name, took)
			}
		}
	})
}

// An event whose context is nested deeper than JSON readers accept used to
// break the events list, its retrieve and the console page for good. The
// recorder bounds what it writes, and reading a row that cannot be decoded
// (written before, or by hand) shows a placeholder instead of failing.
func TestEventsReadableAfterDeepContext(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		deep := map[string]any{}
		for i := 0; i < 50000; i++ {
			deep = map[string]any{"x": deep}
		}
		if err := e.app.Events.Record(ctx, e.store, nil, nil, "custom_deep", map[string]any{"x": deep}); err != nil {
			t.Fatalf("record: %v", err)
		}
		status, list := e.adminJSON("GET", "/api/v3/events/events/?action=custom_deep", nil)
		results, _ := list["results"].([]any)
		if status != 200 || len(results) != 1 {
			t.Fatalf("list: %d %v", status, list)
		}
		pk := results[0].(map[string]any)["pk"].(string)
		status, one := e.adminJSON("GET", "/api/v3/events/events/"+pk+"/", nil)
		if status != 200 {
			t.Fatalf("retrieve: %d %v", status, one)
		}
		// The context is cut with a marker below the depth bound.
		v, depth := one["context"].(map[string]any)["x"], 0
		for {
			m, ok := v.(map[string]any)
			if !ok {
				break
			}
			v, depth = m["x"], depth+1
		}
		if v != "…truncated" || depth > 100 {
			t.Errorf("deep context ends in %v after %d levels, want the truncation marker", v, depth)
		}

		// A row written around the recorder: too deep for the JSON decoder.
		if err := e.app.Events.Record(ctx, e.store, nil, nil, "custom_poison", nil); err != nil {
			t.Fatal(err)
		}
		poison := strings.Repeat(`{"x":`, 12000) + "1" + strings.Repeat("}", 12000)
		db := e.store.(interface{ Writer() *sql.DB }).Writer()
		if _, err := db.ExecContext(ctx, "UPDATE events SET context = $1 WHERE action = 'custom_poison'", poison); err != nil {
			t.Fatalf("poison the row: %v", err)
		}
		poisoned, _, err := e.store.ListEvents(ctx, store.EventFilter{Action: "custom_poison"})
		if err != nil || len(poisoned) != 1 {
			t.Fatalf("list poisoned: %v %v", poisoned, err)
		}
		status, list = e.adminJSON("GET", "/api/v3/events/events/", nil)
		if results, _ = list["results"].([]any); status != 200 || len(results) != 2 {
			t.Fatalf("list with a poisoned row: %d %v", status, list)
		}
		status, one = e.adminJSON("GET", "/api/v3/events/events/"+poisoned[0].UUID+"/", nil)
		if status != 200 || one["action"] != "custom_poison" {
			t.Fatalf("retrieve poisoned row: %d %v", status, one)
		}
		if c, _ := one["context"].(map[string]any); c["error"] == nil {
			t.Errorf("poisoned row context %v, want a placeholder", one["context"])
		}
	})
}
