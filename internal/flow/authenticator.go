package flow

import (
	"time"

	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

// Plan-context keys of the authenticator stages.
const (
	// CtxAuthMethodArgs: authentik's stages/password/stage.py PLAN_CONTEXT_METHOD_ARGS.
	CtxAuthMethodArgs = "auth_method_args"
	// CtxPendingUserUUID is the UUID the account being enrolled will get,
	// fixed when a passkey is registered before the account exists.
	CtxPendingUserUUID = "pending_user_uuid"
	// CtxPendingDevices are devices registered before the account exists
	// (see mfa.PendingDevice); the user write stage saves them.
	CtxPendingDevices = "pending_devices"
)

// FlowUser is who an authenticator stage works for: the pending user, else
// the signed-in user (authentik's ChallengeStageView.get_pending_user).
func (ex *Execution) FlowUser() (*store.User, error) {
	u, err := ex.PendingUser()
	if err != nil || u != nil {
		return u, err
	}
	return ex.RequestUser()
}

// InsertStage runs the stage with stageUUID right after the current one
// (authentik's FlowPlan.insert_stage): the validation stage inserts the
// setup stage a user without a device must go through.
func (ex *Execution) InsertStage(stageUUID string) {
	cur := PlanBinding{}
	if len(ex.Plan.Bindings) > 0 {
		cur = ex.Plan.Bindings[0]
	}
	b := PlanBinding{Stage: stageUUID, Order: cur.Order, PolicyEngineMode: "any", InvalidResponseAction: "retry"}
	at := min(1, len(ex.Plan.Bindings))
	ex.Plan.Bindings = append(ex.Plan.Bindings[:at], append([]PlanBinding{b}, ex.Plan.Bindings[at:]...)...)
	ex.Plan.Markers = append(ex.Plan.Markers[:at], append([]string{markerDefault}, ex.Plan.Markers[at:]...)...)
}

// authenticatorLimitKeys guard the second-factor stages: wrong codes count
// per address and per user, so neither many addresses against one account
// nor one address against many accounts gets far.
func (ex *Execution) authenticatorLimitKeys() []string {
	switch ex.Stage.Kind {
	case store.StageAuthenticatorValidate, store.StageAuthenticatorTOTP, store.StageAuthenticatorStatic,
		store.StageAuthenticatorWebAuthn, store.StageAuthenticatorEmail:
	default:
		return nil
	}
	keys := []string{ratelimit.IPKey(ratelimit.MFAFail, httpx.ClientIP(ex.R))}
	if u, err := ex.FlowUser(); err == nil && u != nil {
		keys = append(keys, ratelimit.TargetKey(ratelimit.MFAFail, "user", u.Username))
	}
	return keys
}

// MFALimited reports whether wrong second-factor answers for the current
// stage are over the limit (checked before a stage sends anything, such as
// an email code).
func (ex *Execution) MFALimited() (time.Duration, bool) {
	return ex.limiter.Check(ex.Ctx(), ex.authenticatorLimitKeys()...)
}
