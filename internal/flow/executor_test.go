package flow_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

var bg = context.Background()

// env is flowtest's shared setup with the lookups these tests assert on.
type env struct{ *testapp.Env }

// forEachBackend runs fn as a subtest per backend with a fresh env.
func forEachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) { fn(t, &env{e}) })
}

func (e *env) user(username string) (store.User, bool) {
	u, err := e.Store.GetUserByUsername(bg, username)
	return u, err == nil
}

func (e *env) userCount() int {
	_, n, err := e.Store.ListUsers(bg, store.UserFilter{})
	if err != nil {
		e.T.Fatal(err)
	}
	return n
}

func (e *env) events(action string) []store.Event {
	evs, _, err := e.Store.ListEvents(bg, store.EventFilter{Action: action})
	if err != nil {
		e.T.Fatal(err)
	}
	return evs
}

func (e *env) invitation(name string) store.Invitation {
	inv, err := e.Store.GetInvitation(bg, e.Fixture.Invitations[name].UUID)
	if err != nil {
		e.T.Fatal(err)
	}
	return inv
}

func enrollValues(username string) map[string]any {
	return map[string]any{"username": username, "password": "s3cret-Passw0rd", "password_repeat": "s3cret-Passw0rd",
		"name": "New Person", "email": username + "@example.org"}
}

func without(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for _, k := range keys {
		delete(out, k)
	}
	return out
}

func wantRedirect(t *testing.T, steps []testapp.Step, to string) {
	t.Helper()
	last := testapp.Last(steps)
	if last.Component != flow.ComponentRedirect || last.Challenge["to"] != to {
		t.Fatalf("want redirect to %q, got %s %v", to, last.Component, last.Challenge)
	}
}

func wantDenied(t *testing.T, steps []testapp.Step, msg string) {
	t.Helper()
	last := testapp.Last(steps)
	if last.Component != flow.ComponentAccessDenied || last.Challenge["error_message"] != msg {
		t.Fatalf("want access denied %q, got %s %v", msg, last.Component, last.Challenge)
	}
}

// prompt returns the field of the first prompt challenge with key.
func promptField(steps []testapp.Step, key string) map[string]any {
	for _, s := range steps {
		if s.Component != "ak-stage-prompt" {
			continue
		}
		for _, f := range s.Challenge["fields"].([]any) {
			if m := f.(map[string]any); m["field_key"] == key {
				return m
			}
		}
	}
	return nil
}

// TestEnrollmentJSON walks each example flow through the executor API as
// authentik's client does and checks the account it creates.
func TestEnrollmentJSON(t *testing.T) {
	cases := []struct {
		name, slug, invitation string
		values                 map[string]any
		wantType, wantPath     string
		wantName, wantEmail    string
		wantAttrs              map[string]any
		wantGroup              string
		wantUses               int
	}{
		{name: "external basic", slug: "invitation-enrollment-flow-external", invitation: "example-external-basic-invitation",
			values: enrollValues("ext1"), wantType: "external", wantPath: "users/external", wantName: "New Person",
			wantEmail: "ext1@example.org", wantUses: 1},
		{name: "external prefilled email", slug: "invitation-enrollment-flow-external", invitation: "example-external-prefilled-email-invitation",
			values: without(enrollValues("ext2"), "email"), wantType: "external", wantPath: "users/external", wantName: "New Person",
			wantEmail: "external@example.com", wantUses: 1},
		{name: "internal prefilled name and email", slug: "invitation-enrollment-flow-internal", invitation: "example-internal-prefilled-invitation",
			values: without(enrollValues("jane"), "name", "email"), wantType: "internal", wantPath: "users/internal",
			wantName: "Jane Smith", wantEmail: "jane.smith@company.com", wantUses: 1},
		{name: "internal department attributes", slug: "invitation-enrollment-flow-internal", invitation: "example-internal-department-invitation",
			values: enrollValues("int2"), wantType: "internal", wantPath: "users/internal", wantName: "New Person", wantEmail: "int2@example.org",
			wantAttrs: map[string]any{"department": "Engineering", "team": "Backend"}, wantUses: 1},
		{name: "engineering group", slug: "invitation-enrollment-flow-internal-engineering", invitation: "example-engineering-team-invitation",
			values: enrollValues("eng1"), wantType: "internal", wantPath: "users/internal/engineering", wantName: "New Person",
			wantEmail: "eng1@example.org", wantAttrs: map[string]any{"department": "Engineering"}, wantGroup: "engineering-team", wantUses: 1},
		{name: "two stage without invitation", slug: "default-enrollment-flow", values: enrollValues("plain"),
			wantType: "external", wantPath: "users", wantName: "New Person", wantEmail: "plain@example.org"},
	}
	forEachBackend(t, func(t *testing.T, e *env) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				query := ""
				if c.invitation != "" {
					query = e.IToken(c.invitation)
				}
				cl := e.Client()
				steps := cl.FollowJSON(c.slug, query, c.values)
				wantRedirect(t, steps, "/")
				if c.wantName == "Jane Smith" {
					if f := promptField(steps, "name"); f == nil || f["initial_value"] != "Jane Smith" {
						t.Errorf("name not pre-filled: %v", f)
					}
				}
				u, ok := e.user(c.values["username"].(string))
				if !ok {
					t.Fatal("no user created")
				}
				if u.Type != c.wantType || u.Path != c.wantPath || u.Name != c.wantName || u.Email != c.wantEmail || !u.IsActive {
					t.Errorf("user = type %q path %q name %q email %q active %v; want %q %q %q %q", u.Type, u.Path, u.Name, u.Email,
						u.IsActive, c.wantType, c.wantPath, c.wantName, c.wantEmail)
				}
				for k, v := range c.wantAttrs {
					if u.Attributes[k] != v {
						t.Errorf("attribute %s = %v, want %v (all: %v)", k, u.Attributes[k], v, u.Attributes)
					}
				}
				if ok, _ := testapp.NewApp(t, e.Store).Passwords.Verify(u.Password, "s3cret-Passw0rd"); !ok {
					t.Error("password not set")
				}
				if c.wantGroup != "" {
					gs, err := e.Store.UserGroups(bg, u.PK)
					if err != nil || len(gs) != 1 || gs[0].Name != c.wantGroup {
						t.Errorf("groups = %v, %v; want %s", gs, err, c.wantGroup)
					}
				}
				if got := e.LoggedIn(cl); got != u.PK {
					t.Errorf("session logged in as %d, want %d", got, u.PK)
				}
				if u.LastLogin == nil {
					t.Error("last_login not set")
				}
				if c.invitation != "" {
					inv := e.invitation(c.invitation)
					uses, _ := e.Store.ListInvitationUses(bg, inv.UUID)
					if inv.Uses != c.wantUses || len(uses) != c.wantUses || uses[0].UserPK == nil || *uses[0].UserPK != u.PK {
						t.Errorf("invitation uses = %d %v, want %d by %d", inv.Uses, uses, c.wantUses, u.PK)
					}
				}
			})
		}
		for _, action := range []string{"user_write", "model_created", "login", "invitation_used"} {
			if n := len(e.events(action)); n == 0 {
				t.Errorf("no %s event", action)
			}
		}
		for _, ev := range e.events("user_write") {
			if ev.Context["password"] != "********************" {
				t.Errorf("user_write event leaks the password: %v", ev.Context["password"])
			}
		}
		// The enrollment's events are about the new user, sent by an
		// anonymous visitor: authentik shows that under authenticated_as.
		for _, ev := range e.events("invitation_used") {
			as, _ := ev.User["authenticated_as"].(map[string]any)
			if ev.User["username"] == "AnonymousUser" || as["username"] != "AnonymousUser" || as["is_anonymous"] != true {
				t.Errorf("invitation_used user = %v", ev.User)
			}
		}
	})
}

// TestInvitationTroubleshooting covers each case of authentik's invitations guide's
// troubleshooting section and usher's distinct failure messages.
func TestInvitationTroubleshooting(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		fx := e.Fixture
		ext := "invitation-enrollment-flow-external"
		past := time.Now().Add(-time.Hour)
		fx.Invitation("expired", ext, false, &past, nil)
		fx.Invitation("wrong-key", ext, false, nil, map[string]any{"mail": "someone@example.com", "full_name": "X"})
		revoked := fx.Invitation("revoked", ext, false, nil, nil)
		now := time.Now()
		revoked.RevokedAt = &now
		if err := e.Store.UpdateInvitation(bg, &revoked); err != nil {
			t.Fatal(err)
		}
		fx.Invitation("any-flow", "", true, nil, map[string]any{"name": "Anyone"})

		// placeholder_expression: the email prompt of this flow is an expression.
		fx.Flow("pe-flow", "PE", "PE", store.DesignationEnrollment, "require_unauthenticated")
		fx.Stage(store.StageInvitation, "pe-invitation", nil)
		fx.Prompt("pe-email", "email", "Email", "email", 0, func(p *store.Prompt) { p.PlaceholderExpression = true })
		fx.PromptStage("pe-prompt", "pe-email")
		fx.Bind("pe-flow", "pe-invitation", 5, true)
		fx.Bind("pe-flow", "pe-prompt", 10, false)
		fx.Invitation("pe-inv", "pe-flow", false, nil, map[string]any{"email": "pe@example.com"})

		// The invitation stage after the prompt stage: nothing to pre-fill yet.
		fx.Flow("late-flow", "Late", "Late", store.DesignationEnrollment, "require_unauthenticated")
		fx.Stage(store.StageInvitation, "late-invitation", nil)
		fx.Bind("late-flow", "invitation-enrollment-prompt-details", 5, false)
		fx.Bind("late-flow", "late-invitation", 10, false)
		fx.Invitation("late-inv", "late-flow", false, nil, map[string]any{"name": "Late Name"})

		single := e.IToken("example-internal-prefilled-invitation")
		if steps := e.Client().FollowJSON("invitation-enrollment-flow-internal", single, enrollValues("first")); testapp.Last(steps).Component != flow.ComponentRedirect {
			t.Fatalf("first use failed: %v", testapp.Last(steps))
		}

		cases := []struct {
			name, slug, query string
			cause             string // denial cause; "" = no denial expected
			field, wantInit   string // prompt field checked for pre-fill
		}{
			{name: "expired", slug: ext, query: e.IToken("expired"), cause: flow.CauseExpired},
			{name: "single use already used", slug: "invitation-enrollment-flow-internal", query: single, cause: flow.CauseUsedUp},
			{name: "flow slug does not match", slug: ext, query: e.IToken("example-internal-department-invitation"), cause: flow.CauseWrongFlow},
			{name: "invitation stage not bound", slug: "default-enrollment-flow", query: e.IToken("example-external-basic-invitation"), cause: flow.CauseNoStage},
			{name: "revoked", slug: ext, query: e.IToken("revoked"), cause: flow.CauseRevoked},
			{name: "unknown token", slug: ext, query: "itoken=0b6f2e4a-3c0d-4d7e-9a51-123456789abc", cause: flow.CauseUnknown},
			{name: "malformed token", slug: ext, query: "itoken=not-a-uuid", cause: flow.CauseMalformed},
			{name: "no token", slug: ext, query: "", cause: flow.CauseMissing},
			{name: "token parameter", slug: ext, query: "token=" + fx.Invitations["example-external-basic-invitation"].UUID, field: "username", wantInit: ""},
			{name: "flow-less invitation works anywhere", slug: ext, query: e.IToken("any-flow"), field: "name", wantInit: "Anyone"},
			{name: "field keys do not match", slug: ext, query: e.IToken("wrong-key"), field: "email", wantInit: ""},
			{name: "placeholder_expression field", slug: "pe-flow", query: e.IToken("pe-inv"), field: "email", wantInit: ""},
			{name: "invitation after prompts", slug: "late-flow", query: e.IToken("late-inv"), field: "name", wantInit: ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := len(e.events(flow.ActionInvitationFailed))
				users := e.userCount()
				cl := e.Client()
				_, ch, err := cl.Do(http.MethodGet, cl.ExecutorURL(c.slug, c.query), nil)
				if err != nil {
					t.Fatal(err)
				}
				if c.cause != "" {
					want := (&flow.InvitationError{Cause: c.cause}).Message()
					wantDenied(t, []testapp.Step{{Component: ch["component"].(string), Challenge: ch}}, want)
					evs := e.events(flow.ActionInvitationFailed)
					if len(evs) != before+1 || evs[0].Context["cause"] != c.cause {
						t.Errorf("want one invitation_failed event with cause %s, got %d new, newest %v", c.cause, len(evs)-before, evs[0].Context)
					}
					if e.userCount() != users {
						t.Error("a user was written")
					}
					return
				}
				steps := cl.FollowJSON(c.slug, c.query, without(enrollValues("tr"), "name", "email"))
				f := promptField(steps, c.field)
				if f == nil || f["initial_value"] != c.wantInit {
					t.Errorf("field %s = %v, want initial_value %q", c.field, f, c.wantInit)
				}
			})
		}
		// Distinct messages for every cause.
		seen := map[string]string{}
		for _, cause := range []string{flow.CauseMissing, flow.CauseMalformed, flow.CauseUnknown, flow.CauseExpired,
			flow.CauseUsedUp, flow.CauseRevoked, flow.CauseWrongFlow, flow.CauseNoStage} {
			m := (&flow.InvitationError{Cause: cause}).Message()
			if m == "" || seen[m] != "" {
				t.Errorf("message for %s is empty or shared with %s: %q", cause, seen[m], m)
			}
			seen[m] = cause
		}
		if got := (&flow.InvitationError{Cause: flow.CauseUsedUp}).Message(); got != "This invitation has already been used." {
			t.Errorf("used-up message = %q", got)
		}
	})
}

// TestContinueWithoutInvitation: with the flag a flow works without (or
// with a bad) invitation; without it, it does not.
func TestContinueWithoutInvitation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		fx := e.Fixture
		fx.Flow("open-flow", "Open", "Open", store.DesignationEnrollment, "require_unauthenticated")
		fx.Stage(store.StageInvitation, "open-invitation", func(s *store.Stage) { s.Invitation.ContinueFlowWithoutInvitation = true })
		fx.Bind("open-flow", "open-invitation", 5, true)
		fx.Bind("open-flow", "invitation-enrollment-prompt-credentials", 10, false)
		fx.Bind("open-flow", "invitation-enrollment-prompt-details", 15, false)
		fx.Bind("open-flow", "invitation-enrollment-user-write-external", 20, false)
		fx.Bind("open-flow", "invitation-enrollment-user-login", 100, false)
		inv := fx.Invitation("open-inv", "open-flow", false, nil, map[string]any{"attributes": map[string]any{"invited": true}})

		cases := []struct {
			name, slug, query string
			wantUser, invited bool
		}{
			{"continue without token", "open-flow", "", true, false},
			{"continue with bad token", "open-flow", "itoken=0b6f2e4a-3c0d-4d7e-9a51-123456789abc", true, false},
			{"continue with invitation", "open-flow", "itoken=" + inv.UUID, true, true},
			{"required without token", "invitation-enrollment-flow-external", "", false, false},
		}
		for i, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				name := "open" + string(rune('a'+i))
				steps := e.Client().FollowJSON(c.slug, c.query, enrollValues(name))
				u, ok := e.user(name)
				if ok != c.wantUser {
					t.Fatalf("user created = %v, want %v (%v)", ok, c.wantUser, testapp.Last(steps))
				}
				if !c.wantUser {
					wantDenied(t, steps, (&flow.InvitationError{Cause: flow.CauseMissing}).Message())
					return
				}
				wantRedirect(t, steps, "/")
				if got := u.Attributes["invited"] == true; got != c.invited {
					t.Errorf("invitation data applied = %v, want %v", got, c.invited)
				}
			})
		}
		if n := e.invitation("open-inv").Uses; n != 1 {
			t.Errorf("open-inv uses = %d, want 1", n)
		}
	})
}

// TestOpeningLinkConsumesNothing: opening a single-use link (twice, in two
// browsers) uses nothing; only the enrollment does.
func TestOpeningLinkConsumesNothing(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		name := "example-external-prefilled-email-invitation"
		slug := "invitation-enrollment-flow-external"
		for i := 0; i < 2; i++ {
			cl := e.Client()
			for j := 0; j < 2; j++ {
				_, ch, err := cl.Do(http.MethodGet, cl.ExecutorURL(slug, e.IToken(name)), nil)
				if err != nil || ch["component"] != "ak-stage-prompt" {
					t.Fatalf("open link: %v %v", ch, err)
				}
			}
		}
		if inv := e.invitation(name); inv.Uses != 0 {
			t.Fatalf("opening the link used the invitation: uses = %d", inv.Uses)
		}
		uses, _ := e.Store.ListInvitationUses(bg, e.Fixture.Invitations[name].UUID)
		if len(uses) != 0 {
			t.Fatalf("uses recorded: %v", uses)
		}
		wantRedirect(t, e.Client().FollowJSON(slug, e.IToken(name), without(enrollValues("once"), "email")), "/")
		if inv := e.invitation(name); inv.Uses != 1 || inv.Status(time.Now()) != store.InvitationUsedUp {
			t.Fatalf("after enrollment uses = %d status %s", inv.Uses, inv.Status(time.Now()))
		}
	})
}

// TestExecutorProtocol checks the wire details of authentik's flows/views/executor.py and flows/challenge.py.
func TestExecutorProtocol(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		slug := "invitation-enrollment-flow-external"
		query := e.IToken("example-external-basic-invitation")

		t.Run("unknown slug", func(t *testing.T) {
			cl := e.Client()
			for _, s := range []string{"no-such-flow", "bad%20slug"} {
				resp, body, err := cl.Do(http.MethodGet, e.URL+"/api/v3/flows/executor/"+s+"/", nil)
				if err != nil || resp.StatusCode != 404 || body["detail"] != "Not found." {
					t.Errorf("%s: %v %v %v", s, resp.StatusCode, body, err)
				}
			}
		})
		t.Run("302 back to the executor after a passed stage", func(t *testing.T) {
			cl := e.Client()
			cl.HTTP.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			u := cl.ExecutorURL(slug, query)
			// Until the visit has a session row, the invitation stage (no
			// UI, rebuilt from the link on every request) is run through:
			// the first GET shows the prompt, with no 302 and no row.
			resp, ch, _ := cl.Do(http.MethodGet, u, nil)
			fi, _ := ch["flow_info"].(map[string]any)
			if resp.StatusCode != 200 || ch["component"] != "ak-stage-prompt" || fi["title"] != "Welcome! Complete your enrollment" ||
				fi["cancel_url"] != "/flows/-/cancel/" || fi["layout"] != "stacked" {
				t.Fatalf("challenge = %v", ch)
			}
			if _, ok := ch["type"]; ok {
				t.Error("challenge has a type key")
			}
			// Invalid answers: the same challenge with response_errors.
			_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"component": "ak-stage-prompt", "username": "akadmin",
				"password": "a", "password_repeat": "b", "unknown_key": 1})
			errs, _ := ch["response_errors"].(map[string]any)
			if ch["component"] != "ak-stage-prompt" || errs == nil {
				t.Fatalf("want response_errors, got %v", ch)
			}
			want := map[string]string{"username": "Username is already taken.", "non_field_errors": "Passwords don't match."}
			for k, msg := range want {
				list, _ := errs[k].([]any)
				if len(list) != 1 || list[0].(map[string]any)["string"] != msg || list[0].(map[string]any)["code"] == "" {
					t.Errorf("response_errors[%s] = %v, want %q", k, errs[k], msg)
				}
			}
			_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"component": "ak-stage-prompt", "username": "",
				"password": "a", "password_repeat": "a"})
			if list, _ := ch["response_errors"].(map[string]any)["username"].([]any); len(list) != 1 || list[0].(map[string]any)["string"] != "This field is required." {
				t.Errorf("blank username: %v", ch["response_errors"])
			}
			// A valid answer is a 302 back to the executor.
			resp, _, _ = cl.Do(http.MethodPost, u, map[string]any{"component": "ak-stage-prompt", "username": "proto",
				"password": "a", "password_repeat": "a"})
			if resp.StatusCode != http.StatusFound || e.URL+resp.Header.Get("Location") != u {
				t.Errorf("valid answer: got %d %q, want 302 to %s", resp.StatusCode, resp.Header.Get("Location"), u)
			}
			_, ch, _ = cl.Do(http.MethodGet, u, nil)
			_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"component": "ak-stage-prompt", "name": "P", "email": "not-an-email"})
			if list, _ := ch["response_errors"].(map[string]any)["email"].([]any); len(list) != 1 || list[0].(map[string]any)["string"] != "Enter a valid email address." {
				t.Errorf("bad email: %v", ch)
			}
		})
		t.Run("relative next", func(t *testing.T) {
			vals := enrollValues("nexter")
			wantRedirect(t, e.Client().FollowJSON(slug, query+"&next=%2Fapp%2F%3Fa%3D1", vals), "/app/?a=1")
		})
		t.Run("absolute next", func(t *testing.T) {
			// An offsite next is dropped: the enrollment finishes at "/".
			wantRedirect(t, e.Client().FollowJSON(slug, query+"&next=https%3A%2F%2Fevil.example%2F", enrollValues("abs")), "/")
			if _, ok := e.user("abs"); !ok {
				t.Error("the enrollment with an offsite next created no user")
			}
		})
		t.Run("require_unauthenticated while logged in", func(t *testing.T) {
			cl := e.Client()
			wantRedirect(t, cl.FollowJSON(slug, query, enrollValues("twice")), "/")
			wantDenied(t, cl.FollowJSON(slug, query, enrollValues("twice2")), flow.MsgNotApplicable)
		})
		t.Run("cancel", func(t *testing.T) {
			cl := e.Client()
			_, ch, _ := cl.Do(http.MethodGet, cl.ExecutorURL(slug, query), nil)
			if ch["component"] != "ak-stage-prompt" {
				t.Fatal(ch)
			}
			_, ch, _ = cl.Do(http.MethodPost, cl.ExecutorURL(slug, query), map[string]any{"component": "ak-stage-prompt",
				"username": "canceller", "password": "a", "password_repeat": "a"})
			if !hasField(ch, "email") {
				t.Fatalf("second prompt: %v", ch)
			}
			cl.HTTP.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, _, _ := cl.Do(http.MethodGet, e.URL+"/flows/-/cancel/?next=%2Fdone", nil)
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/done" {
				t.Fatalf("cancel: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			// The plan is gone: the flow starts over. The session has a row
			// now, so the passed invitation stage is authentik's 302 back
			// to the executor, then the first prompt.
			u := cl.ExecutorURL(slug, query)
			resp, _, _ = cl.Do(http.MethodGet, u, nil)
			if resp.StatusCode != http.StatusFound || e.URL+resp.Header.Get("Location") != u {
				t.Errorf("after cancel: %d %q, want 302 to %s", resp.StatusCode, resp.Header.Get("Location"), u)
			}
			if _, ch, _ = cl.Do(http.MethodGet, u, nil); !hasField(ch, "username") {
				t.Errorf("after cancel: %v, want a fresh plan", ch)
			}
		})
		t.Run("form-encoded answers", func(t *testing.T) {
			cl := e.Client()
			u := cl.ExecutorURL(slug, query)
			cl.Do(http.MethodGet, u, nil)
			form := url.Values{"username": {"formuser"}, "password": {"x1"}, "password_repeat": {"x1"}}
			// A client on the session cookie sends the session's CSRF
			// token in authentik's header, as authentik's web client does.
			req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set(auth.CSRFHeader, cl.CSRFToken(e.URL))
			resp, err := cl.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusOK {
				t.Fatalf("form-encoded answer: %d", resp.StatusCode)
			}
			_, ch, _ := cl.Do(http.MethodGet, u, nil)
			if f := promptField([]testapp.Step{{Component: "ak-stage-prompt", Challenge: ch}}, "name"); f == nil {
				t.Errorf("form answer not accepted: %v", ch)
			}
		})
		t.Run("bad json", func(t *testing.T) {
			cl := e.Client()
			// authentik's error challenge with HTTP 200, as its web
			// client expects; the flow is where it was.
			resp, err := cl.HTTP.Post(cl.ExecutorURL(slug, query), "application/json", strings.NewReader("[1,"))
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("bad json: %v %v", resp.StatusCode, err)
			}
			var ch map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&ch)
			resp.Body.Close()
			if ch["component"] != "ak-stage-flow-error" || !strings.Contains(fmt.Sprint(ch["error"]), "JSON parse error") || ch["request_id"] == nil {
				t.Fatalf("bad json answered %v", ch)
			}
			if _, again, _ := cl.Do(http.MethodGet, cl.ExecutorURL(slug, query), nil); again["component"] == "ak-stage-flow-error" {
				t.Errorf("the flow did not survive a bad body: %v", again)
			}
		})
	})
}

// hasField reports whether a prompt challenge asks for key.
func hasField(ch map[string]any, key string) bool {
	fields, _ := ch["fields"].([]any)
	for _, f := range fields {
		if m, _ := f.(map[string]any); m["field_key"] == key {
			return true
		}
	}
	return false
}
