package flow

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// Why RecoveryLink cannot make a link (authentik's messages, core/api/users.py).
var (
	ErrNoRecoveryFlow = errors.New("No recovery flow set.")
	ErrNotApplicable  = errors.New("Recovery flow not applicable to user")
)

// RecoveryLink makes the link an administrator hands to u (authentik's
// UserViewSet._create_recovery_link): the brand's recovery flow planned as
// an anonymous visitor with u as the pending user, stored as a flow token
// valid until expires. Like every flow token it is used up when the flow
// it resumes does its work. The token is written through q. It returns the
// link and the flow.
func (e *Executor) RecoveryLink(r *http.Request, q store.Queries, u store.User, expires time.Time) (string, store.Flow, error) {
	ctx := r.Context()
	b, err := brand.ForRequest(ctx, e.App.Store, r)
	if err != nil {
		return "", store.Flow{}, err
	}
	if b.FlowRecovery == nil {
		return "", store.Flow{}, ErrNoRecoveryFlow
	}
	f, err := e.App.Store.GetFlow(ctx, *b.FlowRecovery)
	if errors.Is(err, store.ErrNotFound) {
		return "", store.Flow{}, ErrNoRecoveryFlow
	}
	if err != nil {
		return "", store.Flow{}, err
	}
	// Planned as the person who will open the link: nobody signed in.
	ex := &Execution{R: r, App: e.App, Policies: e.Policies, Session: &auth.Session{Values: map[string]json.RawMessage{}},
		Flow: f, Query: url.Values{}, limiter: e.Limiter}
	p, err := e.plan(ex, map[string]any{CtxPendingUser: u.PK})
	var na *notApplicable
	if errors.As(err, &na) {
		return "", store.Flow{}, ErrNotApplicable
	}
	if err != nil {
		return "", store.Flow{}, err
	}
	key, err := CreateFlowToken(ctx, q, f, p, &u, "", "", u.Username+"-password-reset", expires)
	if err != nil {
		return "", store.Flow{}, err
	}
	return TokenLink(httpx.BaseURL(r), f.Slug, key, nil), f, nil
}
