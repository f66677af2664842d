package flow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

// Flow tokens: a link that resumes a flow where it stopped (authentik's
// FlowToken and the executor's ?flow_token=). The email stage mails one;
// an administrator hands one over (core/users/<pk>/recovery/).
//
// Unlike authentik, which deletes the token as soon as the link is opened
// (so a mail scanner or a link preview burns it), opening a link uses
// nothing: the plan is read from the token row, on any instance, as many
// times as the link is opened. The token is consumed by ConsumeFlowToken,
// in the transaction of the work the resumed flow does (the user write
// stage setting the new password, the login stage, or the end of the
// flow), with one conditional UPDATE: of two browsers finishing the same
// link, on any instances, exactly one succeeds and the other writes
// nothing.
const (
	// QueryFlowToken is the link's query parameter (authentik's QS_KEY_TOKEN).
	QueryFlowToken = "flow_token"
	// CtxIsRestored is set in a plan resumed from a token (authentik's
	// PLAN_CONTEXT_IS_RESTORED); policies may read it.
	CtxIsRestored = "is_restored"
	// ctxFlowToken is the id of the token the plan was resumed from.
	ctxFlowToken = "flow_token_id"
	// FlowTokenFail counts links with an unknown token, per address.
	FlowTokenFail = "flow_token_fail"
)

// Why a link cannot be used, and what its visitor is told.
const (
	MsgTokenUnknown = "This link is not valid. Copy the whole link from the email, or start again."
	MsgTokenExpired = "This link has expired. Start again to get a new one."
	MsgTokenUsed    = "This link has already been used. Start again to get a new one."
)

// TokenError is a flow token that cannot be used; Error is its message.
type TokenError struct{ Message string }

func (e *TokenError) Error() string { return e.Message }

// NewFlowToken stores plan p of flow f as a token for u and returns the key
// for the link. stage and email name the email stage and address that mail
// it ("" for an administrator's link).
func NewFlowToken(ex *Execution, q store.Queries, f store.Flow, p *Plan, u *store.User, stage, email, identifier string, expires time.Time) (string, error) {
	return CreateFlowToken(ex.Ctx(), q, f, p, u, stage, email, identifier, expires)
}

// CreateFlowToken is NewFlowToken for callers outside a running flow.
func CreateFlowToken(ctx context.Context, q store.Queries, f store.Flow, p *Plan, u *store.User, stage, email, identifier string, expires time.Time) (string, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("flow token: encode plan: %w", err)
	}
	key := auth.NewTokenKey()
	t := store.FlowToken{KeyHash: auth.HashToken(key), Identifier: identifier, FlowUUID: f.UUID, Stage: stage,
		Email: email, Plan: raw, Expires: expires}
	if u != nil {
		pk := u.PK
		t.UserPK = &pk
	}
	if err := q.CreateFlowToken(ctx, &t); err != nil {
		return "", err
	}
	return key, nil
}

// TokenLink is the URL that resumes flow f with key: <base>/if/flow/<slug>/?flow_token=<key>,
// keeping the other parameters of query (next=, ...).
func TokenLink(base, slug, key string, query url.Values) string {
	v := url.Values{}
	for k, vs := range query {
		if k != QueryFlowToken && k != "query" {
			v[k] = vs
		}
	}
	v.Set(QueryFlowToken, key)
	return strings.TrimRight(base, "/") + "/if/flow/" + url.PathEscape(slug) + "/?" + v.Encode()
}

// restoreKey returns the flow token key of the request, when a plan is to
// be resumed from it: the link carries one and the session's plan is not
// already the one resumed from that token.
func (ex *Execution) restoreKey(plan *Plan) string {
	key := strings.TrimSpace(ex.Query.Get(QueryFlowToken))
	if key == "" {
		return ""
	}
	if plan != nil {
		if h, _ := plan.Context[ctxFlowTokenHash].(string); h == auth.HashToken(key) {
			return ""
		}
	}
	return key
}

// ctxFlowTokenUser is the user the token was made for.
const ctxFlowTokenUser = "flow_token_user"

// RestoredFor reports whether the plan was resumed from a token made for
// the user with pk.
func (ex *Execution) RestoredFor(pk int64) bool {
	id, ok := toInt64(ex.Plan.Context[ctxFlowTokenUser])
	return ok && id == pk
}

// Throttle checks keys against the limits, target replacing the per-target
// rule (the email stage's recovery_max_attempts per recovery_cache_timeout),
// and counts one attempt on each when none is over. It reports how long to
// wait when one is.
func (ex *Execution) Throttle(target ratelimit.Rule, keys ...string) (time.Duration, bool) {
	if ex.limiter == nil {
		return 0, false
	}
	l := *ex.limiter
	l.Config.Target = target
	if retry, over := l.Check(ex.Ctx(), keys...); over {
		return retry, true
	}
	l.Fail(ex.Ctx(), keys...)
	return 0, false
}

// ctxFlowTokenHash identifies the link a plan was resumed from.
const ctxFlowTokenHash = "flow_token_hash"

// restore reads the plan stored for key. A token that is unknown, for
// another flow, used or expired is a *TokenError.
func (e *Executor) restore(ex *Execution, key string) (*Plan, error) {
	t, err := ex.App.Store.GetFlowTokenByHash(ex.Ctx(), auth.HashToken(key))
	if errors.Is(err, store.ErrNotFound) || err == nil && t.FlowUUID != ex.Flow.UUID {
		e.Limiter.Fail(ex.Ctx(), ratelimit.IPKey(FlowTokenFail, httpx.ClientIP(ex.R)))
		return nil, &TokenError{Message: MsgTokenUnknown}
	}
	if err != nil {
		return nil, err
	}
	if t.ConsumedAt != nil {
		return nil, &TokenError{Message: MsgTokenUsed}
	}
	if !t.Expires.After(ex.Now()) {
		return nil, &TokenError{Message: MsgTokenExpired}
	}
	var p Plan
	if err := json.Unmarshal(t.Plan, &p); err != nil || p.FlowPK != ex.Flow.UUID || len(p.Bindings) != len(p.Markers) {
		return nil, &TokenError{Message: MsgTokenUnknown}
	}
	if p.Context == nil {
		p.Context = map[string]any{}
	}
	p.Context[CtxIsRestored] = true
	p.Context[ctxFlowToken] = t.ID
	p.Context[ctxFlowTokenHash] = t.KeyHash
	if t.UserPK != nil {
		p.Context[CtxPendingUser] = *t.UserPK
		p.Context[ctxFlowTokenUser] = *t.UserPK
	}
	return &p, nil
}

// Restored reports whether the plan was resumed from a flow token.
func (ex *Execution) Restored() bool {
	_, ok := toInt64(ex.Plan.Context[ctxFlowToken])
	return ok
}

// restoredToken is the id of the token the plan was resumed from.
func (ex *Execution) restoredToken() (int64, bool) {
	return toInt64(ex.Plan.Context[ctxFlowToken])
}

// HoldsFlowToken reports whether the plan was resumed from a token not
// consumed yet (callers skip the transaction otherwise).
func (ex *Execution) HoldsFlowToken() bool {
	_, ok := ex.restoredToken()
	return ok && !ex.Plan.TokenConsumed
}

// ConsumeFlowToken uses the token the plan was resumed from, through q
// (call it in the transaction of the work the link allows, so both commit
// or neither). It does nothing for a plan not resumed from a token, or
// once consumed. The token's email stage applies here: with
// activate_user_on_success an inactive user is activated, and the address
// the link was mailed to is marked verified. A token used meanwhile (by
// another browser, on any instance) or expired is a *TokenError: roll back
// and deny.
func (ex *Execution) ConsumeFlowToken(q store.Queries) error {
	id, ok := ex.restoredToken()
	if !ok || ex.Plan.TokenConsumed {
		return nil
	}
	now := ex.Now()
	done, err := q.ConsumeFlowToken(ex.Ctx(), id, now)
	if err != nil {
		return err
	}
	h, _ := ex.Plan.Context[ctxFlowTokenHash].(string)
	t, err := q.GetFlowTokenByHash(ex.Ctx(), h)
	if err != nil {
		return err
	}
	if !done {
		if t.ConsumedAt != nil {
			return &TokenError{Message: MsgTokenUsed}
		}
		return &TokenError{Message: MsgTokenExpired}
	}
	if t.UserPK != nil {
		u, err := q.GetUser(ex.Ctx(), *t.UserPK)
		if err != nil {
			return err
		}
		changed := false
		if t.Stage != "" {
			if st, err := q.GetStage(ex.Ctx(), t.Stage); err == nil && st.Email != nil && st.Email.ActivateUserOnSuccess && !u.IsActive {
				if err := user.SetActive(ex.Ctx(), q, &u, true); err != nil {
					return err
				}
				changed = true
			} else if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		verified, err := user.MarkEmailVerified(ex.Ctx(), q, &u, t.Email)
		if err != nil {
			return err
		}
		if changed || verified {
			if err := ex.Record(q, &u, event.ModelUpdated, map[string]any{"model": event.Model(store.ModelUser, u.PK, u.Username)}); err != nil {
				return err
			}
			if ex.pendingUser != nil && ex.pendingUser.PK == u.PK {
				cp := u
				ex.pendingUser = &cp
			}
		}
	}
	ex.Plan.TokenConsumed = true
	return nil
}
