// Package consent is the consent stage (authentik's
// stages/consent/stage.py): it asks the user to let the flow's application
// have the permissions in the plan context, and depending on the mode
// remembers the answer so the next authorization passes without asking.
package consent

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// ctxToken holds the token of the prompt last shown. authentik keeps it
// in the session (SESSION_KEY_CONSENT_TOKEN); the plan lives there too, and
// is dropped with the flow.
const ctxToken = "consent_token"

const msgBadToken = "This consent prompt is out of date. Please review it and continue again."

type view struct{}

func init() { flow.RegisterStage(store.StageConsent, view{}) }

func settings(ex *flow.Execution) *store.ConsentStageSettings {
	if ex.Stage.Consent != nil {
		return ex.Stage.Consent
	}
	d, _ := store.NewStage(store.StageConsent, "")
	return d.Consent
}

// application is the plan's application: a map with "pk", "name" and
// "slug". Anything without a pk is no application.
type application struct {
	PK   string `json:"pk"`
	Name string `json:"name"`
	Slug string `json:"slug"`
}

// fromContext reads a context value into dst through JSON: values seeded
// in Go (typed maps, slices of structs) and values after the session round
// trip (map[string]any, []any) read the same way.
func fromContext(ex *flow.Execution, key string, dst any) bool {
	v, ok := ex.Context()[key]
	if !ok || v == nil {
		return false
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return false
	}
	return json.Unmarshal(raw, dst) == nil
}

func appOf(ex *flow.Execution) (application, bool) {
	var a application
	if !fromContext(ex, flow.CtxApplication, &a) || a.PK == "" {
		return application{}, false
	}
	return a, true
}

// requested is the plan's consent_permissions, with duplicates and
// entries without an id dropped.
func requested(ex *flow.Execution) []flow.ConsentPermission {
	var in []flow.ConsentPermission
	fromContext(ex, flow.CtxConsentPermissions, &in)
	out := []flow.ConsentPermission{}
	seen := map[string]bool{}
	for _, p := range in {
		if p.ID == "" || seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		out = append(out, p)
	}
	return out
}

// permissionString is how consent rows store permissions: the scope ids,
// sorted and space-joined, so one set always gives one string.
func permissionString(perms []flow.ConsentPermission) string {
	ids := make([]string, len(perms))
	for i, p := range perms {
		ids[i] = p.ID
	}
	slices.Sort(ids)
	return strings.Join(ids, " ")
}

// user is whose consent counts: the pending user, else the signed-in
// user (authentik's get: PLAN_CONTEXT_PENDING_USER, else request.user).
func user(ex *flow.Execution) (*store.User, error) {
	u, err := ex.PendingUser()
	if err != nil || u != nil {
		return u, err
	}
	return ex.RequestUser()
}

// remembers reports whether the stage checks and saves consent: authentik
// always prompts, and saves nothing, in always_require mode or when the
// plan names no application (should_always_prompt).
func remembers(ex *flow.Execution) (application, bool) {
	a, ok := appOf(ex)
	if !ok || settings(ex).Mode == store.ConsentAlwaysRequire {
		return application{}, false
	}
	return a, true
}

// given is the set of permissions u consented to for app and that has not
// expired, with the rows it comes from.
func given(ex *flow.Execution, u *store.User, appPK string) (map[string]bool, []store.UserConsent, error) {
	all, err := ex.Store().ListUserConsents(ex.Ctx(), u.PK)
	if err != nil {
		return nil, nil, err
	}
	now := ex.Now()
	set := map[string]bool{}
	var rows []store.UserConsent
	for _, c := range all {
		if c.Application != appPK || (c.Expires != nil && !c.Expires.After(now)) {
			continue
		}
		rows = append(rows, c)
		for _, id := range strings.Fields(c.Permissions) {
			set[id] = true
		}
	}
	return set, rows, nil
}

// Get passes when remembered consent covers every requested permission;
// otherwise it asks, listing what was consented before apart from what is
// new (authentik's additional_permissions).
func (view) Get(ex *flow.Execution) flow.Response {
	perms := requested(ex)
	app, remember := remembers(ex)
	if !remember {
		return ask(ex, perms, []flow.ConsentPermission{})
	}
	u, err := user(ex)
	if err != nil {
		return flow.Fail(err)
	}
	if u == nil {
		// The authorization flows require authentication, so this is a
		// flow bound without it: there is no one to remember consent for.
		return ask(ex, perms, []flow.ConsentPermission{})
	}
	allowed, rows, err := given(ex, u, app.PK)
	if err != nil {
		return flow.Fail(err)
	}
	if len(rows) == 0 {
		return ask(ex, perms, []flow.ConsentPermission{})
	}
	had, extra := []flow.ConsentPermission{}, []flow.ConsentPermission{}
	for _, p := range perms {
		if allowed[p.ID] {
			had = append(had, p)
		} else {
			extra = append(extra, p)
		}
	}
	if len(extra) == 0 {
		return flow.Passed()
	}
	return ask(ex, had, extra)
}

// Post takes the answer: the token of the prompt shown must come back; a
// stale or wrong one shows the prompt again and saves nothing.
func (v view) Post(ex *flow.Execution, data map[string]any) flow.Response {
	want, _ := ex.Context()[ctxToken].(string)
	got, _ := data["token"].(string)
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		res := v.Get(ex)
		if c, ok := res.Challenge().(*flow.ConsentChallenge); ok {
			errs := flow.Errors{}
			errs.Add("token", msgBadToken, "invalid")
			return flow.AskAgain(c, errs)
		}
		return res
	}
	delete(ex.Context(), ctxToken)
	app, remember := remembers(ex)
	if !remember {
		return flow.Passed()
	}
	u, err := user(ex)
	if err != nil {
		return flow.Fail(err)
	}
	if u == nil {
		return flow.Passed()
	}
	if err := save(ex, settings(ex), u, app.PK, requested(ex)); err != nil {
		return flow.Fail(err)
	}
	return flow.Passed()
}

// save records consent to perms. Rows for a subset of perms are replaced,
// as authentik updates the consent it found instead of adding one.
func save(ex *flow.Execution, s *store.ConsentStageSettings, u *store.User, appPK string, perms []flow.ConsentPermission) error {
	c := store.UserConsent{UserPK: u.PK, Application: appPK, Permissions: permissionString(perms)}
	if s.Mode == store.ConsentExpiring {
		d, err := resource.ParseTimedelta(s.ConsentExpireIn)
		if err != nil {
			// The API refuses such a value; a stored one (an older row)
			// must not make consent last forever.
			return errors.New("consent stage " + ex.Stage.Name + ": consent_expire_in: " + err.Error())
		}
		t := ex.Now().Add(d)
		c.Expires = &t
	}
	newSet := map[string]bool{}
	for _, p := range perms {
		newSet[p.ID] = true
	}
	return ex.Store().Tx(ex.Ctx(), func(q store.Queries) error {
		all, err := q.ListUserConsents(ex.Ctx(), u.PK)
		if err != nil {
			return err
		}
		if err := q.SaveUserConsent(ex.Ctx(), &c); err != nil {
			return err
		}
		for _, old := range all {
			if old.Application != appPK || old.Permissions == c.Permissions || !subset(old.Permissions, newSet) {
				continue
			}
			if err := q.DeleteUserConsent(ex.Ctx(), old.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
		return nil
	})
}

func subset(perms string, of map[string]bool) bool {
	for _, id := range strings.Fields(perms) {
		if !of[id] {
			return false
		}
	}
	return true
}

// ask shows the prompt with a new token, kept in the plan for Post.
func ask(ex *flow.Execution, perms, extra []flow.ConsentPermission) flow.Response {
	token := auth.NewTokenKey()
	ex.Context()[ctxToken] = token
	c := &flow.ConsentChallenge{Common: flow.Common{Component: flow.ComponentConsent},
		Permissions: perms, AdditionalPermissions: extra, Token: token}
	if h, ok := ex.Context()[flow.CtxConsentHeader].(string); ok {
		c.HeaderText = h
	}
	if a, ok := appOf(ex); ok {
		c.Application = a.Name
	}
	u, err := user(ex)
	if err != nil {
		return flow.Fail(err)
	}
	c.UserInfo = flow.UserInfo{PendingUserAvatar: flow.DefaultAvatar}
	if u != nil {
		c.PendingUser = u.Username
	}
	return flow.Ask(c)
}
