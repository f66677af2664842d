package flow_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// TestPromptChoices: choice fields always answer a list (empty without
// choices; other types null); boolean choices read True and False, as
// Python's str() gives them in authentik; a required dropdown whose first
// choice is its default still refuses an explicit "".
func TestPromptChoices(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		fx := e.Fixture
		slug := "choices-flow"
		fx.Flow(slug, "Choices", "Choices", store.DesignationEnrollment, "require_unauthenticated")
		fx.Prompt("ch-bool", "attributes.agree", "Agree", "dropdown", 0, func(p *store.Prompt) {
			p.PlaceholderExpression, p.Placeholder, p.Required = true, "return [True, False]", true
		})
		fx.Prompt("ch-empty", "attributes.empty", "Empty", "dropdown", 1, func(p *store.Prompt) { p.Required, p.Placeholder = false, "" })
		fx.Prompt("ch-text", "attributes.note", "Note", "text", 2, func(p *store.Prompt) { p.Required = false })
		fx.PromptStage("ch-prompt", "ch-bool", "ch-empty", "ch-text")
		fx.Bind(slug, "ch-prompt", 10, false)

		cl := e.Client()
		u := cl.ExecutorURL(slug, "")
		_, ch, err := cl.Do(http.MethodGet, u, nil)
		if err != nil || ch["component"] != "ak-stage-prompt" {
			t.Fatalf("challenge: %v %v", ch, err)
		}
		steps := []testapp.Step{{Component: "ak-stage-prompt", Challenge: ch}}
		agree := promptField(steps, "attributes.agree")
		if got := fmt.Sprint(agree["choices"]); got != "[map[label:True value:True] map[label:False value:False]]" || agree["initial_value"] != "True" {
			t.Errorf("boolean choices = %s, initial %v", got, agree["initial_value"])
		}
		if empty := promptField(steps, "attributes.empty"); fmt.Sprint(empty["choices"]) != "[]" || empty["choices"] == nil {
			t.Errorf("empty dropdown choices = %#v, want []", empty["choices"])
		}
		if note := promptField(steps, "attributes.note"); note["choices"] != nil {
			t.Errorf("text field choices = %#v, want null", note["choices"])
		}

		_, ch, err = cl.Do(http.MethodPost, u, map[string]any{"attributes.agree": ""})
		errs, _ := ch["response_errors"].(map[string]any)
		if err != nil || errs["attributes.agree"] == nil {
			t.Fatalf("explicit blank on a required dropdown: %v %v", ch, err)
		}
		if got := fmt.Sprint(errs["attributes.agree"]); got != `[map[code:invalid_choice string:"" is not a valid choice.]]` {
			t.Errorf("error = %s", got)
		}
	})
}
