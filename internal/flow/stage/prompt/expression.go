package prompt

import (
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/store"
)

// ActionPropertyMappingException is recorded when a prompt expression fails.
const ActionPropertyMappingException = "property_mapping_exception"

// evaluator computes placeholder and initial value expressions for one
// request (authentik's Prompt.get_initial_value and get_choices).
type evaluator struct {
	ex            *flow.Execution
	promptContext map[string]any
	engine        *policy.Engine
}

// value evaluates src for prompt p; on failure it records
// property_mapping_exception and returns the raw text, as authentik does.
func (ev *evaluator) value(p store.Prompt, what, src string) any {
	ex := ev.ex
	if ev.engine == nil {
		ev.engine = ex.Policies
		if ev.engine == nil { // an executor without policies still runs expressions
			ev.engine = policy.NewEngine(ex.App)
		}
	}
	pc := ev.promptContext
	if pc == nil {
		pc = map[string]any{}
	}
	user := ex.EventUser() // the pending user, else the logged-in user
	v, err := ev.engine.EvalValue(ex.Ctx(), ex.Store(), src, user, ex.R, map[string]any{"prompt_context": pc})
	if err == nil {
		return v
	}
	ex.Log().WarnContext(ex.Ctx(), "prompt: expression failed", "prompt", p.Name, "field", what, "error", err)
	if rerr := ex.Record(ex.Store(), user, ActionPropertyMappingException, map[string]any{
		"message": err.Error(), "expression": src, "field": what,
		"prompt": event.Model(store.ModelPrompt, p.UUID, p.Name),
	}); rerr != nil {
		ex.Log().ErrorContext(ex.Ctx(), "prompt: recording property_mapping_exception failed", "error", rerr)
	}
	return src
}
