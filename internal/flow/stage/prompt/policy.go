package prompt

import (
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/store"
)

func policyRequest(ex *flow.Execution, user *store.User, promptData map[string]any) policy.Request {
	return policy.Request{User: user, HTTP: ex.R, Obj: ex.Stage, Context: map[string]any{"prompt_data": promptData}}
}
