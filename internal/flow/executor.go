package flow

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

// Executor runs flows for both front-ends. It keeps no state of its own.
type Executor struct {
	App      *app.App
	Policies *policy.Engine
	// Limiter throttles repeated failures (ratelimit.go); nil: none.
	Limiter *ratelimit.Limiter

	// config keeps the flow configuration across requests (config_cache.go);
	// nil keeps it for one request only.
	config *configCache
}

// NewExecutor returns an executor over a and the policy engine p (nil: no
// policies are evaluated, every binding passes).
func NewExecutor(a *app.App, p *policy.Engine) *Executor {
	return &Executor{App: a, Policies: p, Limiter: ratelimit.For(a.Limiter, a.Store, a.Events, a.Log), config: &configCache{}}
}

// Request is one executor call.
type Request struct {
	Slug string
	// Query is the wrapped query string (the API's ?query=, the page's own
	// query string).
	Query string
	// Data is the client's answer; nil for GET.
	Data map[string]any
	// Next is the next= of the request's own URL, used when a flow does
	// not apply and its denied_action allows continuing.
	Next string
	// RunThrough makes a GET run on through stages that pass at once (the
	// invitation, user write and login stages) instead of answering with a
	// redirect after each. The HTML pages set it (the browser sees one
	// redirect less per such stage); the API keeps authentik's 302 per stage.
	RunThrough bool
	// Ran is how many redirects the client has followed through a run of
	// stages without a UI (the API's ?ran=, see headlessRun).
	Ran int
}

// ResultKind says what the front-end should do.
type ResultKind int

const (
	// ResultChallenge: show Challenge (a stage's, or access denied).
	ResultChallenge ResultKind = iota
	// ResultNext: a stage passed; send the client back to the same URL.
	ResultNext
	// ResultRedirect: the flow is over; send the client to To.
	ResultRedirect
	// ResultNotFound: no flow with that slug.
	ResultNotFound
	// ResultLimited: too many failures; answer 429 after RetryAfter.
	ResultLimited
)

// Result is the outcome of one request.
type Result struct {
	Kind      ResultKind
	Challenge Challenge
	To        string
	Flow      store.Flow
	// RetryAfter is set for ResultLimited.
	RetryAfter time.Duration
	// Config is the store as this request saw it, with the flow
	// configuration from the executor's cache: read the brand and other
	// configuration for the response through it.
	Config store.Queries
	// Ran is the ?ran= of the redirect for ResultNext on the API (0: none).
	Ran int
	// ex and later are the request and its stages' writes that commit
	// with the session (Save).
	ex    *Execution
	later []func(q store.Queries) error
}

// Component names the executor itself produces.
const (
	ComponentAccessDenied = "ak-stage-access-denied"
	ComponentRedirect     = "xak-flow-redirect"
	ComponentFlowError    = "ak-stage-flow-error"
	// DefaultAvatar is shown for pending users (usher has no avatars).
	DefaultAvatar     = "/static/dist/assets/images/user_default.png"
	defaultBackground = "/static/dist/assets/images/flow_background.jpg"
	msgUnknownError   = "Unknown error"
)

// Session returns the request's session: the one the server middleware
// loaded, else one loaded here.
func (e *Executor) Session(r *http.Request) (*auth.Session, error) {
	s := auth.FromContext(r.Context())
	if s == nil {
		var err error
		if s, err = e.App.Sessions.Load(r); err != nil {
			return nil, err
		}
	}
	if s.ClientIP == "" {
		s.ClientIP = httpx.ClientIP(r)
	}
	return s, nil
}

// Execute runs one request of a flow. The caller saves the session
// afterwards and renders the result; an error is internal (the caller shows
// a flow error and logs it).
func (e *Executor) Execute(w http.ResponseWriter, r *http.Request, sess *auth.Session, req Request) (Result, error) {
	v, known := sess.ConfigVersion()
	cfg, err := e.config.view(r.Context(), e.App.Store, v, known)
	if req.Data != nil {
		// An answer may meet several limits of this client's address (a
		// rebuilt plan's invitation, then the answer's own): one read.
		ip := httpx.ClientIP(r)
		r = r.WithContext(ratelimit.WithMemo(r.Context(), ratelimit.IPKey(ratelimit.InvitationFail, ip),
			ratelimit.IPKey(ratelimit.PromptFail, ip), ratelimit.IPKey(ratelimit.LoginFail, ip),
			ratelimit.IPKey(ratelimit.MFAFail, ip), ratelimit.IPKey(FlowTokenFail, ip)))
	}
	if err != nil {
		return Result{}, err
	}
	res, err := e.execute(w, r, sess, req, cfg)
	res.Config = cfg
	return res, err
}

// Save stores the session after Execute, with the writes the stages left
// for the end of the request (Execution.Later) in the same transaction.
// When that transaction is refused for a reason the invitee must hear
// (LaterRefusable), *res becomes the denial and the session is saved
// without the flow.
func (e *Executor) Save(w http.ResponseWriter, r *http.Request, sess *auth.Session, res *Result) error {
	if len(res.later) == 0 {
		return e.App.Sessions.Save(w, r, sess)
	}
	err := e.App.Sessions.SaveWith(w, r, sess, func(q store.Queries) error {
		for _, fn := range res.later {
			if err := fn(q); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil || res.ex == nil {
		return err
	}
	for _, refuse := range res.ex.refusals {
		if msg, ok := refuse(err); ok {
			ex := res.ex
			ex.pendingUser, ex.requestUser = nil, nil
			delete(ex.Plan.Context, CtxPendingUser)
			clearFlow(sess)
			config := res.Config
			*res = e.denied(ex, msg)
			res.Config = config
			return e.App.Sessions.Save(w, r, sess)
		}
	}
	return err
}

func (e *Executor) execute(w http.ResponseWriter, r *http.Request, sess *auth.Session, req Request, cfg *configView) (Result, error) {
	ctx := r.Context()
	f, err := cfg.GetFlowBySlug(ctx, req.Slug)
	if errors.Is(err, store.ErrNotFound) {
		return Result{Kind: ResultNotFound}, nil
	}
	if err != nil {
		return Result{}, err
	}
	req.Query = cleanQuery(req.Query)
	query, _ := url.ParseQuery(req.Query) // a malformed pair is skipped, the rest kept
	// The stages see the app with the request's view of the store.
	a := *e.App
	a.Store = cfg
	ex := &Execution{W: w, R: r, App: &a, Policies: e.Policies, Session: sess, Flow: f, Query: query}

	ex.limiter = e.Limiter
	plan, loaded := loadPlan(sess)
	if plan != nil && plan.FlowPK != f.UUID {
		plan, loaded = nil, ""
		sess.Delete(sessionPlan)
	}
	// A link from an email (or an administrator) resumes its own plan.
	key := ex.restoreKey(plan)
	if key != "" {
		plan, loaded = nil, ""
	}
	data := req.Data
	rebuilding, fresh := false, plan == nil
	if plan == nil && key != "" {
		if retry, over := e.Limiter.Check(ctx, ratelimit.IPKey(FlowTokenFail, httpx.ClientIP(r))); over {
			return limited(ex, retry), nil
		}
	}
	if plan == nil && key == "" && ex.carriesToken() {
		if retry, over := e.Limiter.Check(ctx, ex.invitationLimitKey()); over {
			return limited(ex, retry), nil
		}
	}
	if plan == nil {
		var p *Plan
		if key != "" {
			ex.Plan = &Plan{Context: map[string]any{}}
			p, err = e.restore(ex, key)
		} else {
			p, err = e.plan(ex, nil)
		}
		var na *notApplicable
		var ierr *InvitationError
		var terr *TokenError
		switch {
		case errors.As(err, &terr):
			clearFlow(sess)
			return e.denied(ex, terr.Message), nil
		case errors.As(err, &na):
			return e.notApplicable(ex, na, req.Next)
		case errors.As(err, &ierr):
			ex.RecordInvitationFailure(ierr)
			clearFlow(sess)
			return e.denied(ex, ierr.Message()), nil
		case err != nil:
			return Result{}, err
		}
		plan = p
		rebuilding = !sess.Stored()
		if sess.Stored() {
			// An answer posted into a fresh plan answers no challenge we
			// showed (the plan ended or the flow changed): show the first one.
			data = nil
		} else {
			// No row: until the plan carries state it is rebuilt from the
			// request on every visit, so the first GET of a crawler stores
			// nothing (see unstoredPlan).
			if loaded, err = unstoredPlan(p); err != nil {
				return Result{}, err
			}
			if !sess.Unstored() {
				data = nil // the client never saw a challenge of this visit
			}
		}
	}
	ex.Plan = plan
	runThrough := req.RunThrough
	if data == nil && !rebuilding {
		n, toEnd, err := e.headlessRun(ex)
		if err != nil {
			return Result{}, err
		}
		if !runThrough && n > 0 && !fresh {
			// authentik's client is sent back with a 302 after each stage
			// without a UI. Those redirects are answered without running
			// anything (?ran= counts them), and the request after the last
			// one runs the whole stretch: so the stretch's writes commit
			// once, with the session, instead of a session write per stage.
			// A client that forges ?ran= only skips redirects, which the
			// HTML pages skip anyway (RunThrough).
			owed := n
			if toEnd {
				owed = n - 1 // the last one ends the flow: no redirect
			}
			if req.Ran < owed {
				return Result{Kind: ResultNext, Ran: req.Ran + 1, Flow: f}, nil
			}
			runThrough = true
		}
		ex.finishing = runThrough && toEnd && n > 0
	}
	res, err := e.run(ex, data, loaded, runThrough, rebuilding)
	res.ex, res.later = ex, ex.later
	if ex.unrebuilt && !ex.progressed {
		// Stored only for what a stage without an answer left behind.
		sess.KeepBriefly()
	}
	if _, running := sess.Values[sessionPlan]; running {
		var saved *string
		if !sess.Get(sessionQuery, &saved) || saved == nil || *saved != req.Query {
			sess.Set(sessionQuery, req.Query)
		}
	}
	return res, err
}

// run drives the plan from its first binding. rebuilding is set when the
// plan was just built for a session with no row: the leading stages that
// pass without an answer (Rebuildable) then pass again as on the GET that
// showed the client its challenge, and what they leave is not stored, since
// the next request rebuilds it the same way; data goes to the first stage
// that is not one of them.
func (e *Executor) run(ex *Execution, data map[string]any, loaded string, runThrough, rebuilding bool) (Result, error) {
	for {
		if len(ex.Plan.Bindings) == 0 {
			return e.finish(ex)
		}
		b := ex.Plan.Bindings[0]
		if ex.Plan.Markers[0] == markerReevaluate && e.Policies != nil {
			ok, err := e.bindingPasses(ex, b)
			if err != nil {
				return Result{}, err
			}
			if !ok {
				ex.Plan.pop()
			}
			if rebuilding && !ex.unrebuilt {
				// Re-evaluated again, with the same plan, on every request
				// until the plan is stored.
				if loaded, err = rebase(ex.Plan); err != nil {
					return Result{}, err
				}
			}
			if !ok {
				continue
			}
		}
		st, err := ex.App.Store.GetStage(ex.Ctx(), b.Stage)
		if errors.Is(err, store.ErrNotFound) { // deleted while the flow ran
			ex.Plan.pop()
			continue
		}
		if err != nil {
			return Result{}, err
		}
		view, ok := lookupStage(st.Kind)
		if !ok {
			return Result{}, errors.New("flow: no view registered for stage kind " + string(st.Kind))
		}
		ex.Binding, ex.Stage = b, st
		rb, replay := view.(Rebuildable)
		rebuilding = rebuilding && replay
		var resp Response
		if data == nil || rebuilding {
			resp = view.Get(ex)
		} else {
			keys := ex.limitKeys()
			if retry, over := e.Limiter.Check(ex.Ctx(), keys...); over {
				return limited(ex, retry), nil
			}
			if errs := badAnswerText(data); errs != nil {
				resp = refuseAnswer(view.Get(ex), errs)
			} else {
				resp = view.Post(ex, data)
			}
			if resp.kind == respInvalid || resp.kind == respChallenge && len(resp.errors) > 0 {
				e.Limiter.Fail(ex.Ctx(), keys...)
			}
		}
		switch resp.kind {
		case respError:
			return Result{}, resp.err
		case respLimited:
			return limited(ex, resp.retry), nil
		case respInvalid:
			if rebuilding {
				// No answer was for this stage (an invitation withdrawn or
				// used up since the GET): say why, never restart.
				clearFlow(ex.Session)
				return e.denied(ex, resp.message), nil
			}
			return e.invalid(ex, resp.message)
		case respPassed:
			ex.Plan.pop()
			if rebuilding {
				if !rb.Rebuilt(ex) {
					ex.unrebuilt = true // the plan is stored, briefly
				}
				if !ex.unrebuilt {
					if loaded, err = rebase(ex.Plan); err != nil {
						return Result{}, err
					}
				}
				continue
			}
			ex.progressed = true
			if len(ex.Plan.Bindings) == 0 {
				return e.finish(ex)
			}
			if runThrough && data == nil {
				continue
			}
			if err := savePlan(ex.Session, ex.Plan, loaded); err != nil {
				return Result{}, err
			}
			return Result{Kind: ResultNext, Flow: ex.Flow}, nil
		}
		if resp.errors != nil && data != nil && e.restarts(ex) {
			return e.restart(ex)
		}
		c := resp.challenge // built for this request: filled in here
		c.common().FlowInfo = e.flowInfo(ex)
		if len(resp.errors) > 0 {
			c.common().ResponseErrors = resp.errors
		}
		if err := savePlan(ex.Session, ex.Plan, loaded); err != nil {
			return Result{}, err
		}
		// The client needs the cookie even when nothing is stored: its
		// answer comes back with it (see unstoredPlan).
		ex.Session.KeepCookie()
		return Result{Kind: ResultChallenge, Challenge: c, Flow: ex.Flow}, nil
	}
}

// headlessRun counts the stages without a UI at the head of the plan and
// reports whether they are all that is left.
func (e *Executor) headlessRun(ex *Execution) (n int, toEnd bool, err error) {
	for _, b := range ex.Plan.Bindings {
		st, err := ex.App.Store.GetStage(ex.Ctx(), b.Stage)
		if errors.Is(err, store.ErrNotFound) {
			continue // passed over when the plan gets there
		}
		if err != nil {
			return 0, false, err
		}
		view, ok := lookupStage(st.Kind)
		h, isH := view.(Headless)
		if !ok || !isH || !h.Headless(st) {
			return n, false, nil
		}
		n++
	}
	return n, true, nil
}

// restarts reports whether the current binding restarts the flow on an
// invalid answer. Only answers (POST) restart: restarting on a GET could
// redirect forever.
func (e *Executor) restarts(ex *Execution) bool {
	a := ex.Binding.InvalidResponseAction
	return ex.R.Method == http.MethodPost && (a == "restart" || a == "restart_with_context")
}

func (e *Executor) restart(ex *Execution) (Result, error) {
	var seed map[string]any
	if ex.Binding.InvalidResponseAction == "restart_with_context" {
		seed = ex.Plan.Context
	}
	p, err := e.plan(ex, seed)
	var na *notApplicable
	var ierr *InvitationError
	switch {
	case errors.As(err, &na):
		return e.notApplicable(ex, na, "")
	case errors.As(err, &ierr):
		ex.RecordInvitationFailure(ierr)
		clearFlow(ex.Session)
		return e.denied(ex, ierr.Message()), nil
	case err != nil:
		return Result{}, err
	}
	if err := savePlan(ex.Session, p, ""); err != nil {
		return Result{}, err
	}
	return Result{Kind: ResultNext, Flow: ex.Flow}, nil
}

// invalid is stage_invalid.
func (e *Executor) invalid(ex *Execution, msg string) (Result, error) {
	if e.restarts(ex) {
		return e.restart(ex)
	}
	clearFlow(ex.Session)
	return e.denied(ex, msg), nil
}

// notApplicable handles a flow the planner refused (authentik's flows/views/executor.py, FlowNonApplicableException).
func (e *Executor) notApplicable(ex *Execution, na *notApplicable, ownNext string) (Result, error) {
	if ex.Flow.Designation == store.DesignationAuthentication && ex.Session.UserPK != nil {
		return e.finish(ex)
	}
	action := ex.Flow.DeniedAction
	if to, ok := httpx.LocalRedirect(ownNext); ok && (action == "" || action == "continue" || action == "message_continue") {
		clearFlow(ex.Session)
		return Result{Kind: ResultRedirect, To: to, Flow: ex.Flow}, nil
	}
	if action == "continue" {
		clearFlow(ex.Session)
		return Result{Kind: ResultRedirect, To: "/", Flow: ex.Flow}, nil
	}
	msg := strings.Join(na.messages, " ")
	if msg == "" {
		msg = MsgNotApplicable
	}
	clearFlow(ex.Session)
	return e.denied(ex, msg), nil
}

// finish ends the flow (authentik's FlowExecutorView._flow_done).
func (e *Executor) finish(ex *Execution) (Result, error) {
	// Like authentik's _flow_done: the plan's redirect, else the wrapped
	// next, else "/". A target that is not a path on this site (after the
	// cleaning it gets on the way out) falls back to "/": authentik denies
	// the whole flow with "Invalid next URL" instead, which would throw
	// away a finished login or enrollment over a bad link parameter.
	to := "/"
	target, _ := ex.Plan.Context[CtxRedirect].(string)
	if target == "" {
		// The invitation's redirect (issue 18), then the link's next=.
		if inv, err := ex.Invitation(); err == nil && inv != nil {
			if target, err = invitation.Redirect(ex.Ctx(), e.App.Store, inv.UUID); err != nil {
				return Result{}, err
			}
		}
	}
	if target == "" {
		target = ex.Query.Get("next")
	}
	if target == "" {
		// (The login of a new account may still be queued for the end of
		// this request: a flow that ends signed out is sent to sign in.)
		var pending string
		if ex.Session.Get(SessionPendingAuthorization, &pending) {
			ex.Session.Delete(SessionPendingAuthorization)
			target = pending
		}
	}
	if safe, ok := httpx.LocalRedirect(target); target != "" && ok {
		to = safe
	}
	// A link that resumed this flow is used up now, unless a stage
	// (user write, login) already used it with its own work.
	if ex.HoldsFlowToken() {
		if err := e.App.Store.Tx(ex.Ctx(), ex.ConsumeFlowToken); err != nil {
			ex.Plan.TokenConsumed = false
			var terr *TokenError
			if errors.As(err, &terr) {
				clearFlow(ex.Session)
				return e.denied(ex, terr.Message), nil
			}
			return Result{}, err
		}
	}
	if ex.InvitationInEffect() && !ex.Plan.Consumed && !ex.consumingLater {
		pu, err := ex.PendingUser()
		if err != nil {
			return Result{}, err
		}
		err = e.App.Store.Tx(ex.Ctx(), func(q store.Queries) error { return ex.ConsumeInvitation(q, pu) })
		var ierr *InvitationError
		if errors.As(err, &ierr) {
			ex.RecordInvitationFailure(ierr)
			clearFlow(ex.Session)
			return e.denied(ex, ierr.Message()), nil
		}
		if err != nil {
			return Result{}, err
		}
	}
	if next, err := ex.runFinishers(); err != nil {
		clearFlow(ex.Session)
		return e.denied(ex, err.Error()), nil
	} else if safe, ok := httpx.LocalRedirect(next); next != "" && ok {
		to = safe
	}
	clearFlow(ex.Session)
	return Result{Kind: ResultRedirect, To: to, Flow: ex.Flow}, nil
}

// denied is an ak-stage-access-denied challenge.
func (e *Executor) denied(ex *Execution, msg string) Result {
	if msg == "" {
		msg = msgUnknownError
	}
	name := ""
	if u := ex.EventUser(); u != nil {
		name = u.Username
	}
	c := &AccessDeniedChallenge{Common: Common{Component: ComponentAccessDenied, FlowInfo: e.flowInfo(ex)},
		UserInfo: UserInfo{PendingUser: name, PendingUserAvatar: DefaultAvatar}, ErrorMessage: msg}
	return Result{Kind: ResultChallenge, Challenge: c, Flow: ex.Flow}
}

// flowInfo is the challenge's flow_info (authentik's flows/challenge.py).
func (e *Executor) flowInfo(ex *Execution) *FlowInfo {
	user := ""
	if ex.Plan != nil {
		if u := ex.EventUser(); u != nil {
			user = u.Username
		}
	}
	appName := ""
	if ex.Plan != nil {
		switch a := ex.Plan.Context[CtxApplication].(type) {
		case string:
			appName = a
		case map[string]any:
			appName, _ = a["name"].(string)
		}
	}
	title := strings.NewReplacer("%(app)s", appName, "%(user)s", user).Replace(ex.Flow.Title)
	bg := ex.Flow.Background
	if bg == "" {
		bg = defaultBackground
	}
	cancel := "/flows/-/cancel/"
	if next := ex.Query.Get("next"); next != "" {
		cancel += "?next=" + url.QueryEscape(next)
	}
	layout := ex.Flow.Layout
	if layout == "" {
		layout = "stacked"
	}
	return &FlowInfo{Title: title, Background: bg, CancelURL: cancel, Layout: layout}
}
