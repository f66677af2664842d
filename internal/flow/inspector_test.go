package flow_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// TestFlowInspector: a superuser running a flow in their browser session
// inspects it (authentik's flows/inspector/<slug>/): the current and next
// stage bindings and the plan's context with secrets masked; without a
// plan the answer is 400.
func TestFlowInspector(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		fx := e.Fixture
		fx.Flow("survey", "Survey", "Survey", store.DesignationStageConfiguration, "none")
		fx.Prompt("sv-secret", "token", "Token", "text", 0, nil)
		fx.PromptStage("sv-prompt", "sv-secret")
		fx.Stage(store.StageDeny, "sv-deny", nil)
		fx.Bind("survey", "sv-prompt", 10, false)
		fx.Bind("survey", "sv-deny", 20, false)

		cl := e.Client()
		cl.FollowJSON("default-authentication-flow", "", map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword})
		inspect := func() (int, map[string]any) {
			resp, err := cl.HTTP.Get(e.URL + "/api/v3/flows/inspector/survey/")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&body)
			return resp.StatusCode, body
		}
		if status, body := inspect(); status != 400 || fmt.Sprint(body["detail"]) == "" {
			t.Fatalf("before running: %d %v", status, body)
		}
		if _, ch, err := cl.Do(http.MethodGet, cl.ExecutorURL("survey", "token=s3cret"), nil); err != nil || ch["component"] != "ak-stage-prompt" {
			t.Fatalf("start: %v %v", ch, err)
		}
		status, body := inspect()
		cur, _ := body["current_plan"].(map[string]any)
		stage, _ := cur["current_stage"].(map[string]any)
		next, _ := cur["next_planned_stage"].(map[string]any)
		if status != 200 || stage["order"] != 10.0 || next["order"] != 20.0 || cur["session_id"] == "" {
			t.Fatalf("inspect: %d %v", status, body)
		}
		if s := fmt.Sprint(cur["plan_context"]); len(s) == 0 || strings.Contains(s, "s3cret") {
			t.Errorf("plan_context leaks the token: %s", s)
		}
	})
}
