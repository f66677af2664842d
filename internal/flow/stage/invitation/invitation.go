// Package invitation is the invitation stage (authentik's stages/invitation/stage.py, with usher's single
// use done right): it finds the invitation from itoken, token or
// prompt_data.token, checks it, and puts invitation_in_effect, invitation
// and the merged prompt_data in the plan. It consumes nothing: the user
// write stage does, in the transaction that creates the account.
package invitation

import (
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
)

type view struct{}

func init() { flow.RegisterStage(store.StageInvitation, view{}) }

// Get runs the stage: it has no UI, so any method does the work.
func (view) Get(ex *flow.Execution) flow.Response { return run(ex) }

// Post runs the stage like Get.
func (view) Post(ex *flow.Execution, _ map[string]any) flow.Response { return run(ex) }

// Rebuilt makes the stage flow.Rebuildable: it decides from the link
// (itoken) and the invitation row, which the next request reads again, so
// a visit that only opened the link stores no session. One pass is not
// rebuilt that way: an invitation put in effect on a flow that continues
// without one. Were it used up or withdrawn before the answer, passing
// again would go on silently without it, where the plan holding it refuses
// at the user write with the invitation's message.
func (view) Rebuilt(ex *flow.Execution) bool {
	s := ex.Stage.Invitation
	return s == nil || !s.ContinueFlowWithoutInvitation || !ex.InvitationInEffect()
}

// Headless: the stage shows nothing.
func (view) Headless(store.Stage) bool { return true }

func run(ex *flow.Execution) flow.Response {
	settings := ex.Stage.Invitation
	if settings == nil {
		settings = &store.InvitationStageSettings{}
	}
	inv, ierr, err := ex.LookupInvitation(token(ex))
	if err != nil {
		return flow.Fail(err)
	}
	if ierr != nil {
		if settings.ContinueFlowWithoutInvitation {
			// The invitee is not told; an administrator still sees a bad
			// or used link.
			if ierr.Cause != flow.CauseMissing {
				ex.RecordInvitationFailure(ierr)
			}
			return flow.Passed()
		}
		ex.RecordInvitationFailure(ierr)
		return flow.Invalid(ierr.Message())
	}
	ex.SetInvitation(inv)
	pd := DeepMerge(ex.PromptData(), inv.FixedData)
	if inv.Email != "" {
		pd["email"] = inv.Email
		if settings.TrustInvitationEmail {
			ex.Context()[flow.CtxInvitationEmailVerified] = inv.Email
		}
	}
	ex.SetPromptData(pd)
	return flow.Passed()
}

// token reads the invitation token: itoken, then token in the saved query,
// then prompt_data.token (an earlier prompt or a policy may set it).
func token(ex *flow.Execution) string {
	if t := ex.Query.Get("itoken"); t != "" {
		return t
	}
	if t := ex.Query.Get("token"); t != "" {
		return t
	}
	if ex.HasPromptData() {
		if t, ok := ex.PromptData()["token"].(string); ok {
			return t
		}
	}
	return ""
}

// DeepMerge returns base with over merged on top (deepmerge's "always"
// strategy): nested objects merge recursively, lists are concatenated,
// other values from over win. Neither input is modified.
func DeepMerge(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		switch ov := v.(type) {
		case map[string]any:
			if bv, ok := out[k].(map[string]any); ok {
				out[k] = DeepMerge(bv, ov)
				continue
			}
			out[k] = DeepMerge(nil, ov)
		case []any:
			if bv, ok := out[k].([]any); ok {
				merged := make([]any, 0, len(bv)+len(ov))
				out[k] = append(append(merged, bv...), ov...)
				continue
			}
			out[k] = append([]any(nil), ov...)
		default:
			out[k] = v
		}
	}
	return out
}
