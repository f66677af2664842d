package flow

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/usher-id/usher/internal/auth"
)

// ErrFlowNotApplicable is StartWith's answer when the flow's
// authentication requirement or its policies refuse the request (a
// signed-out user and a flow that requires authentication, say).
var ErrFlowNotApplicable = errors.New("flow: not applicable to this request")

// StartWith plans the flow slug for the request with seed in the plan
// context and keeps the plan in sess, replacing any flow in progress: the
// client's next visit to the flow (its page /if/flow/<slug>/ or the
// executor API) runs that plan. This is how a protocol endpoint hands a
// flow what it is about, as authentik's OAuth authorize view plans the
// authorization flow with PLAN_CONTEXT_APPLICATION and the consent keys
// (providers/oauth2/views/authorize.py) before redirecting to it.
//
// Seed values must be JSON values (maps, lists, strings, numbers): the
// plan is stored as JSON. Keys stages read: CtxApplication,
// CtxConsentPermissions, CtxConsentHeader, CtxRedirect. The caller saves
// the session (App.Sessions.Save) before redirecting. A missing flow is
// store.ErrNotFound; a refused one ErrFlowNotApplicable.
func (e *Executor) StartWith(w http.ResponseWriter, r *http.Request, sess *auth.Session, slug string, seed map[string]any) error {
	cfg, err := e.config.view(r.Context(), e.App.Store, 0, false)
	if err != nil {
		return err
	}
	f, err := cfg.GetFlowBySlug(r.Context(), slug)
	if err != nil {
		return err
	}
	a := *e.App
	a.Store = cfg
	ex := &Execution{W: w, R: r, App: &a, Policies: e.Policies, Session: sess, Flow: f, Query: url.Values{},
		limiter: e.Limiter}
	p, err := e.plan(ex, seed)
	var na *notApplicable
	if errors.As(err, &na) {
		return ErrFlowNotApplicable
	}
	if err != nil {
		return err
	}
	clearFlow(sess)
	return savePlan(sess, p, "")
}
