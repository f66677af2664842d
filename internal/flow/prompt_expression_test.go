package flow_test

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// TestPromptExpressions: placeholder_expression and initial_value_expression
// are evaluated (authentik's Prompt.get_initial_value and get_choices) with prompt_context and user; a value already in
// prompt_data is used as-is and never evaluated; a placeholder_expression
// field is not pre-filled from the invitation (authentik's invitations guide's
// troubleshooting); choices come from an expression; a failing expression
// shows its raw text and records property_mapping_exception.
func TestPromptExpressions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		fx := e.Fixture
		slug := "expr-flow"
		fx.Flow(slug, "Expr", "Expr", store.DesignationEnrollment, "require_unauthenticated")
		fx.Stage(store.StageInvitation, "expr-invitation", func(s *store.Stage) { s.Invitation.ContinueFlowWithoutInvitation = true })
		expr := func(placeholder, initial bool, ph, iv string) func(*store.Prompt) {
			return func(p *store.Prompt) {
				p.PlaceholderExpression, p.InitialValueExpression, p.Placeholder, p.InitialValue = placeholder, initial, ph, iv
				p.Required = false
			}
		}
		fx.Prompt("expr-username", "username", "Username", "username", 0, nil)
		fx.Prompt("expr-hint", "hint", "Hint", "text", 1,
			expr(true, false, "return 'e.g. ' + prompt_context.get('department', 'none')", ""))
		fx.Prompt("expr-nick", "attributes.nick", "Nickname", "text", 2,
			expr(false, true, "Nickname", "return prompt_context.get('email', '@').split('@')[0]"))
		// In prompt_data from the invitation: used as-is, never evaluated
		// (evaluating would record a custom_evaluated event).
		fx.Prompt("expr-email", "email", "Email", "email", 3,
			expr(false, true, "Email", "ak_create_event('evaluated')\nreturn 'never@example.com'"))
		// placeholder_expression: not pre-filled from the invitation's department.
		fx.Prompt("expr-department", "department", "Department", "text", 4,
			expr(true, false, "return 'Department'", "literal default"))
		fx.Prompt("expr-team", "attributes.team", "Team", "dropdown", 5,
			expr(true, false, "return [{'label': 'Backend', 'value': 'backend'}, 'frontend', user.username]", "frontend"))
		fx.Prompt("expr-broken", "broken", "Broken", "text", 6, expr(true, true, "return 1 // 0", "return nope"))
		fx.Prompt("expr-code", "attributes.code", "Code", "hidden", 7,
			expr(false, true, "", "return 'code-' + prompt_context.get('department', 'x').lower()"))
		fx.PromptStage("expr-prompt", "expr-username", "expr-hint", "expr-nick", "expr-email", "expr-department",
			"expr-team", "expr-broken", "expr-code")
		fx.Bind(slug, "expr-invitation", 5, true)
		fx.Bind(slug, "expr-prompt", 10, false)
		fx.Bind(slug, "invitation-enrollment-user-write-external", 20, false)
		inv := fx.Invitation("expr-inv", slug, false, nil, map[string]any{"email": "jane.doe@example.com", "department": "Engineering"})

		cl := e.Client()
		u := cl.ExecutorURL(slug, "itoken="+inv.UUID)
		_, ch, err := cl.Do(http.MethodGet, u, nil)
		if err != nil || ch["component"] != "ak-stage-prompt" {
			t.Fatalf("first challenge: %v %v", ch, err)
		}
		steps := []testapp.Step{{Component: "ak-stage-prompt", Challenge: ch}}
		for _, c := range []struct {
			key, placeholder, initial string
		}{
			{"hint", "e.g. Engineering", ""},
			{"attributes.nick", "Nickname", "jane.doe"},
			{"email", "Email", "jane.doe@example.com"},
			{"department", "Department", "literal default"},
			{"attributes.team", "", "frontend"},
			{"broken", "return 1 // 0", "return nope"},
			{"attributes.code", "", "code-engineering"},
		} {
			f := promptField(steps, c.key)
			if f == nil || f["placeholder"] != c.placeholder || f["initial_value"] != c.initial {
				t.Errorf("%s: placeholder %q initial %q, want %q %q", c.key, f["placeholder"], f["initial_value"], c.placeholder, c.initial)
			}
		}
		team := promptField(steps, "attributes.team")
		choices, _ := team["choices"].([]any)
		want := []string{"backend:Backend", "frontend:frontend", "AnonymousUser:AnonymousUser"}
		if len(choices) != len(want) {
			t.Fatalf("team choices = %v", team["choices"])
		}
		for i, c := range choices {
			m := c.(map[string]any)
			if m["value"].(string)+":"+m["label"].(string) != want[i] {
				t.Errorf("choice %d = %v, want %s", i, m, want[i])
			}
		}
		if n := len(e.events("custom_evaluated")); n != 0 {
			t.Errorf("the email expression was evaluated although prompt_data had the email (%d events)", n)
		}
		pme := e.events("property_mapping_exception")
		if len(pme) != 2 {
			t.Fatalf("%d property_mapping_exception events, want 2 (placeholder and initial value of broken)", len(pme))
		}
		for _, ev := range pme {
			m, _ := ev.Context["prompt"].(map[string]any)
			if m["name"] != "expr-broken" || ev.Context["message"] == "" || ev.Context["expression"] == nil {
				t.Errorf("event context %v", ev.Context)
			}
		}

		// The browser page shows the same values.
		page := e.Client().Get(e.Client().PageURL(slug, "itoken="+inv.UUID))
		body := html.UnescapeString(page.Body)
		for _, s := range []string{`placeholder="e.g. Engineering"`, `value="jane.doe"`, `value="code-engineering"`, "Backend"} {
			if !strings.Contains(body, s) {
				t.Errorf("page lacks %s", s)
			}
		}

		// Submitting: the hidden field gets its evaluated default, the
		// chosen value is accepted.
		_, ch, err = cl.Do(http.MethodPost, u, map[string]any{"component": "ak-stage-prompt", "username": "exprjane",
			"attributes.team": "backend", "attributes.code": "forged"})
		if err != nil || ch["component"] != "xak-flow-redirect" {
			t.Fatalf("submit: %v %v", ch, err)
		}
		usr, ok := e.user("exprjane")
		if !ok {
			t.Fatal("no user")
		}
		if usr.Attributes["code"] != "code-engineering" || usr.Attributes["team"] != "backend" || usr.Attributes["nick"] != "jane.doe" ||
			usr.Email != "jane.doe@example.com" {
			t.Errorf("user = email %q attributes %v", usr.Email, usr.Attributes)
		}
	})
}
