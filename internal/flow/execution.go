package flow

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

// Execution is one request's view of a running flow, handed to the stage.
type Execution struct {
	W        http.ResponseWriter
	R        *http.Request
	App      *app.App
	Policies *policy.Engine
	Session  *auth.Session
	Flow     store.Flow
	Binding  PlanBinding
	Stage    store.Stage
	Plan     *Plan
	// Query is the saved wrapped query (itoken, token, next ...).
	Query url.Values

	pendingUser *store.User
	requestUser *store.User
	invitation  *store.Invitation
	limiter     *ratelimit.Limiter
	// later are writes that commit with the session (Later), refusals
	// their refusable errors' messages (LaterRefusable).
	later    []func(q store.Queries) error
	refusals []func(err error) (string, bool)
	// finishing: this request runs every remaining stage, each without a
	// UI (Finishing); consumingLater: the invitation is consumed by a
	// write left for the end of the request (ConsumeLater).
	finishing, consumingLater bool
	// unrebuilt: a Rebuildable stage passed leaving state the next request
	// cannot rebuild; progressed: any other stage passed (see run).
	unrebuilt, progressed bool
}

// Ctx is the request's context.
func (ex *Execution) Ctx() context.Context { return ex.R.Context() }

// Store is the database.
func (ex *Execution) Store() store.Store { return ex.App.Store }

// Now is the app clock.
func (ex *Execution) Now() time.Time { return ex.App.Clock() }

// Log is the app logger (never log secrets or prompt values).
func (ex *Execution) Log() *slog.Logger {
	if ex.App.Log != nil {
		return ex.App.Log
	}
	return slog.Default()
}

// Context is the live plan context.
func (ex *Execution) Context() map[string]any { return ex.Plan.Context }

// PromptData returns the plan's prompt_data, creating it when missing.
func (ex *Execution) PromptData() map[string]any {
	m, ok := ex.Plan.Context[CtxPromptData].(map[string]any)
	if !ok {
		m = map[string]any{}
		ex.Plan.Context[CtxPromptData] = m
	}
	return m
}

// HasPromptData reports whether any stage put prompt_data in the plan.
func (ex *Execution) HasPromptData() bool {
	_, ok := ex.Plan.Context[CtxPromptData].(map[string]any)
	return ok
}

// Later queues a write that commits in the transaction that saves the
// session at the end of the request (Executor.Save), so a stage whose
// writes cannot be refused by the invitee (a login's last_login and event)
// takes the database's writer once with the session instead of once per
// row. A stage whose write may fail for a reason the invitee must be told
// (a used-up invitation, a taken username) writes itself.
func (ex *Execution) Later(fn func(q store.Queries) error) { ex.later = append(ex.later, fn) }

// LaterRefusable is Later for a write the invitee may be refused by (an
// invitation used up meanwhile, a username taken meanwhile): when the
// transaction fails, refuse names the message for the invitee (ok), and
// the request ends with the flow denied with it instead of the result the
// stages computed; errors refuse does not claim are internal.
func (ex *Execution) LaterRefusable(fn func(q store.Queries) error, refuse func(err error) (msg string, ok bool)) {
	ex.later = append(ex.later, fn)
	ex.refusals = append(ex.refusals, refuse)
}

// Finishing reports whether this request runs the flow to its end through
// stages without a UI only (the user write and login at the end of an
// enrollment): their writes can then commit together, with the session,
// in one transaction at the end of the request (Later).
func (ex *Execution) Finishing() bool { return ex.finishing }

// ConsumeLater records that a write left for the end of the request
// consumes the invitation in effect, so the flow's end does not consume it
// on its own.
func (ex *Execution) ConsumeLater() { ex.consumingLater = true }

// SetPromptData replaces prompt_data.
func (ex *Execution) SetPromptData(m map[string]any) { ex.Plan.Context[CtxPromptData] = m }

// RequestUser is the logged-in user of the session, or nil.
func (ex *Execution) RequestUser() (*store.User, error) {
	if ex.requestUser != nil || ex.Session.UserPK == nil {
		return ex.requestUser, nil
	}
	if pu := ex.pendingUser; pu != nil && pu.PK == *ex.Session.UserPK {
		// Logged in as the pending user by this very request (user login).
		ex.requestUser = pu
		return pu, nil
	}
	u, err := ex.App.Store.GetUser(ex.Ctx(), *ex.Session.UserPK)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ex.requestUser = &u
	return ex.requestUser, nil
}

// PendingUser is the user the flow acts on (context pending_user), or nil.
func (ex *Execution) PendingUser() (*store.User, error) {
	pk, ok := toInt64(ex.Plan.Context[CtxPendingUser])
	if !ok {
		return nil, nil
	}
	if ex.pendingUser != nil && ex.pendingUser.PK == pk {
		return ex.pendingUser, nil
	}
	u, err := ex.App.Store.GetUser(ex.Ctx(), pk)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ex.pendingUser = &u
	return ex.pendingUser, nil
}

// SetPendingUser sets (nil clears) the pending user.
func (ex *Execution) SetPendingUser(u *store.User) {
	if u == nil {
		delete(ex.Plan.Context, CtxPendingUser)
		ex.pendingUser = nil
		return
	}
	ex.Plan.Context[CtxPendingUser] = u.PK
	cp := *u
	ex.pendingUser = &cp
}

// EventUser is who events of this request are about: the pending user,
// else the logged-in user, else nil (anonymous).
func (ex *Execution) EventUser() *store.User {
	if u, err := ex.PendingUser(); err == nil && u != nil {
		return u
	}
	u, _ := ex.RequestUser()
	return u
}

// InvitationInEffect reports whether a valid invitation is in the plan.
func (ex *Execution) InvitationInEffect() bool {
	b, _ := ex.Plan.Context[CtxInvitationInEffect].(bool)
	return b
}

// Invitation returns the invitation in effect, or nil.
func (ex *Execution) Invitation() (*store.Invitation, error) {
	if !ex.InvitationInEffect() {
		return nil, nil
	}
	id, _ := ex.Plan.Context[CtxInvitation].(string)
	if id == "" {
		return nil, nil
	}
	if ex.invitation != nil && ex.invitation.UUID == id {
		return ex.invitation, nil
	}
	if ex.Plan.Invite != nil && ex.Plan.Invite.UUID == id {
		ex.invitation = ex.Plan.Invite
		return ex.invitation, nil
	}
	inv, err := ex.App.Store.GetInvitation(ex.Ctx(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ex.invitation = &inv
	return ex.invitation, nil
}

// SetInvitation puts inv in effect.
func (ex *Execution) SetInvitation(inv *store.Invitation) {
	ex.Plan.Context[CtxInvitationInEffect] = true
	ex.Plan.Context[CtxInvitation] = inv.UUID
	cp := *inv
	ex.invitation = &cp
	ex.Plan.Invite = &cp
}

// PolicyRequest builds what policies see: user = pending user or the
// logged-in user, the plan context with pending_user and invitation as
// store values, and flow_plan as the live plan.
func (ex *Execution) PolicyRequest(obj any) (policy.Request, error) {
	c := make(map[string]any, len(ex.Plan.Context)+1)
	for k, v := range ex.Plan.Context {
		c[k] = v
	}
	pu, err := ex.PendingUser()
	if err != nil {
		return policy.Request{}, err
	}
	if pu != nil {
		c[CtxPendingUser] = pu
	} else {
		delete(c, CtxPendingUser)
	}
	inv, err := ex.Invitation()
	if err != nil {
		return policy.Request{}, err
	}
	if inv != nil {
		c[CtxInvitation] = inv
	}
	c["flow_plan"] = ex.Plan
	user := pu
	if user == nil {
		if user, err = ex.RequestUser(); err != nil {
			return policy.Request{}, err
		}
	}
	return policy.Request{User: user, HTTP: ex.R, Obj: obj, Context: c}, nil
}

// Record writes an event through q (the Store or a transaction) with the
// request's path and the wrapped query as its http_request, as authentik
// does for executor requests.
func (ex *Execution) Record(q store.Queries, user *store.User, action string, data map[string]any) error {
	if ex.App.Events == nil {
		return nil
	}
	d := make(map[string]any, len(data)+1)
	for k, v := range data {
		d[k] = v
	}
	args := map[string]any{}
	for k, vs := range ex.Query {
		if len(vs) > 0 {
			args[k] = vs[0]
		}
	}
	d["http_request"] = map[string]any{"path": ex.R.URL.Path, "method": ex.R.Method, "args": args,
		"user_agent": ex.R.UserAgent(), "request_id": httpx.RequestID(ex.Ctx())}
	requester, err := ex.RequestUser()
	if err != nil {
		return err
	}
	return ex.App.Events.RecordFor(ex.Ctx(), q, ex.R, user, requester, action, d)
}

// toInt64 reads a JSON number (float64 after a round trip) or an integer.
func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n == float64(int64(n)) {
			return int64(n), true
		}
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}
