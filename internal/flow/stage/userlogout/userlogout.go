// Package userlogout is the user logout stage: it ends the session.
package userlogout

import (
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
)

type view struct{}

func init() { flow.RegisterStage(store.StageUserLogout, view{}) }

// Get logs out (no UI).
func (view) Get(ex *flow.Execution) flow.Response { return run(ex) }

// Post logs out like Get.
func (view) Post(ex *flow.Execution, _ map[string]any) flow.Response { return run(ex) }

func run(ex *flow.Execution) flow.Response {
	u, err := ex.RequestUser()
	if err != nil {
		return flow.Fail(err)
	}
	if u != nil {
		if err := ex.Record(ex.Store(), u, event.Logout, map[string]any{}); err != nil {
			return flow.Fail(err)
		}
	}
	// Destroy replaces the session with a fresh anonymous one in place, so
	// the rest of the flow (if any) runs in that.
	if err := ex.App.Sessions.Destroy(ex.W, ex.R, ex.Session); err != nil {
		return flow.Fail(err)
	}
	return flow.Passed()
}
