// Package deny is the deny stage: it ends the flow with its message.
package deny

import (
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
)

type view struct{}

func init() { flow.RegisterStage(store.StageDeny, view{}) }

// Get denies.
func (view) Get(ex *flow.Execution) flow.Response { return run(ex) }

// Post denies.
func (view) Post(ex *flow.Execution, _ map[string]any) flow.Response { return run(ex) }

func run(ex *flow.Execution) flow.Response {
	msg := ""
	if ex.Stage.Deny != nil {
		msg = ex.Stage.Deny.DenyMessage
	}
	return flow.Invalid(msg)
}
