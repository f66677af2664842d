package flow_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// TestConcurrentSingleUse: 16 invitees race on one single-use invitation;
// exactly one gets an account, the others are denied and leave no rows.
func TestConcurrentSingleUse(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		const n = 16
		slug := "invitation-enrollment-flow-external"
		inv := e.Fixture.Invitation("race", slug, true, nil, nil)
		query := "itoken=" + inv.UUID
		users := e.userCount()
		// Everyone gets as far as the last prompt answer, then all submit at once.
		clients := make([]*testapp.Client, n)
		for i := range clients {
			cl := e.Client()
			u := cl.ExecutorURL(slug, query)
			vals := enrollValues("racer" + string(rune('a'+i)))
			_, ch, err := cl.Do(http.MethodGet, u, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, ch, err = cl.Do(http.MethodPost, u, testapp.Answer(ch, vals)); err != nil || ch["component"] != "ak-stage-prompt" {
				t.Fatalf("credentials: %v %v", ch, err)
			}
			clients[i] = cl
		}
		results := make([]map[string]any, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, cl := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, ch, err := cl.Do(http.MethodPost, cl.ExecutorURL(slug, query),
					map[string]any{"component": "ak-stage-prompt", "name": "Racer", "email": "racer@example.org"})
				if err != nil {
					t.Error(err)
				}
				results[i] = ch
			}()
		}
		close(start)
		wg.Wait()
		ok, denied := 0, 0
		for _, ch := range results {
			switch {
			case ch["component"] == flow.ComponentRedirect:
				ok++
			case ch["component"] == flow.ComponentAccessDenied && ch["error_message"] == "This invitation has already been used.":
				denied++
			default:
				t.Errorf("unexpected outcome %v", ch)
			}
		}
		if ok != 1 || denied != n-1 {
			t.Fatalf("%d enrolled, %d denied; want 1 and %d", ok, denied, n-1)
		}
		if got := e.userCount(); got != users+1 {
			t.Errorf("users = %d, want %d", got, users+1)
		}
		uses, _ := e.Store.ListInvitationUses(bg, inv.UUID)
		if len(uses) != 1 || e.invitation("race").Uses != 1 {
			t.Errorf("uses = %v", uses)
		}
		if n := len(e.events("invitation_used")); n != 1 {
			t.Errorf("invitation_used events = %d, want 1", n)
		}
		if n := len(e.events("model_created")); n != 1 {
			t.Errorf("model_created events = %d, want 1 (rolled-back writes must not leave events)", n)
		}
	})
}

// TestRestartMidEnrollment: a new instance on the same database continues
// the enrollment with the same cookie.
func TestRestartMidEnrollment(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		slug := "invitation-enrollment-flow-internal-engineering"
		query := e.IToken("example-engineering-team-invitation")
		cl := e.Client()
		u := cl.ExecutorURL(slug, query)
		_, ch, _ := cl.Do(http.MethodGet, u, nil)
		vals := enrollValues("phoenix")
		if _, ch, _ = cl.Do(http.MethodPost, u, testapp.Answer(ch, vals)); ch["component"] != "ak-stage-prompt" {
			t.Fatalf("credentials: %v", ch)
		}
		// "Restart": a fresh app and server over the same store.
		srv2 := testapp.NewServer(t, testapp.NewApp(t, e.Store))
		cl2 := cl.Reuse(srv2.URL)
		_, ch, _ = cl2.Do(http.MethodGet, cl2.ExecutorURL(slug, query), nil)
		if f := promptField([]testapp.Step{{Component: "ak-stage-prompt", Challenge: ch}}, "name"); f == nil {
			t.Fatalf("after restart the flow did not continue at the details prompt: %v", ch)
		}
		_, ch, _ = cl2.Do(http.MethodPost, cl2.ExecutorURL(slug, query), testapp.Answer(ch, vals))
		if ch["component"] != flow.ComponentRedirect {
			t.Fatalf("finish after restart: %v", ch)
		}
		if usr, ok := e.user("phoenix"); !ok || usr.Path != "users/internal/engineering" {
			t.Fatalf("user after restart: %v %v", usr, ok)
		}
	})
}

// TestLoginLogout: akadmin logs in through default-authentication-flow and
// out through default-invalidation-flow.
func TestLoginLogout(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		login := "default-authentication-flow"
		t.Run("wrong password", func(t *testing.T) {
			cl := e.Client()
			steps := cl.FollowJSON(login, "next=%2Fif%2Fadmin%2F", map[string]any{"uid_field": "akadmin", "password": "wrong"})
			last := testapp.Last(steps)
			errs, _ := last.Challenge["response_errors"].(map[string]any)
			if last.Component != "ak-stage-password" || errs["password"] == nil {
				t.Fatalf("want password errors, got %v", last.Challenge)
			}
			if e.LoggedIn(cl) != 0 {
				t.Error("logged in with a wrong password")
			}
			if len(e.events("login_failed")) == 0 {
				t.Error("no login_failed event")
			}
		})
		t.Run("unknown user", func(t *testing.T) {
			cl := e.Client()
			steps := cl.FollowJSON(login, "", map[string]any{"uid_field": "nobody", "password": "x"})
			if last := testapp.Last(steps); last.Component != "ak-stage-password" || last.Challenge["response_errors"] == nil {
				t.Fatalf("unknown user should look like a wrong password: %v", last.Challenge)
			}
		})
		t.Run("too many attempts", func(t *testing.T) {
			cl := e.Client()
			u := cl.ExecutorURL(login, "")
			_, ch, _ := cl.Do(http.MethodGet, u, nil)
			_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"uid_field": "akadmin"})
			for i := 0; i < 5; i++ {
				_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"password": "wrong"})
			}
			if ch["component"] != flow.ComponentAccessDenied {
				t.Fatalf("after 5 failures: %v", ch)
			}
		})
		t.Run("stray itoken on the login", func(t *testing.T) {
			// A login link that still carries an invitation token signs in:
			// only enrollment flows refuse one they cannot use.
			cl := e.Client()
			steps := cl.FollowJSON(login, e.IToken("example-external-basic-invitation"), map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword})
			if last := testapp.Last(steps); last.Component != flow.ComponentRedirect || e.LoggedIn(cl) != e.Fixture.Admin.PK {
				t.Fatalf("login with a stray itoken: %v", steps)
			}
		})
		t.Run("login and logout", func(t *testing.T) {
			cl := e.Client()
			steps := cl.FollowJSON(login, "next=%2Fif%2Fadmin%2F", map[string]any{"uid_field": "AKADMIN", "password": testapp.AdminPassword})
			wantRedirect(t, steps, "/if/admin/")
			if got := e.LoggedIn(cl); got != e.Fixture.Admin.PK {
				t.Fatalf("logged in as %d, want akadmin %d", got, e.Fixture.Admin.PK)
			}
			wantRedirect(t, cl.FollowJSON("default-invalidation-flow", "", nil), "/")
			if got := e.LoggedIn(cl); got != 0 {
				t.Errorf("still logged in as %d after logout", got)
			}
			if len(e.events("logout")) != 1 || len(e.events("login")) == 0 {
				t.Error("missing login/logout events")
			}
		})
	})
}

// TestEmailBoundInvitation: an invitation for an address locks the email
// field and the enrollment must use that address.
func TestEmailBoundInvitation(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		slug := "invitation-enrollment-flow-external"
		inv := e.Fixture.Invitation("bound", slug, true, nil, nil)
		inv.Email = "Bound.Person@Example.com"
		if err := e.Store.UpdateInvitation(bg, &inv); err != nil {
			t.Fatal(err)
		}
		query := "itoken=" + inv.UUID
		vals := enrollValues("bound")
		vals["email"] = "someone.else@example.com"
		steps := e.Client().FollowJSON(slug, query, vals)
		last := testapp.Last(steps)
		if f := promptField(steps, "email"); f == nil || f["initial_value"] != inv.Email {
			t.Errorf("email not pre-filled from the invitation: %v", f)
		}
		if errs, _ := last.Challenge["response_errors"].(map[string]any); errs["email"] == nil {
			t.Fatalf("a different email was accepted: %v", last.Challenge)
		}
		vals["email"] = "bound.person@example.COM"
		wantRedirect(t, e.Client().FollowJSON(slug, query, vals), "/")
		if u, ok := e.user("bound"); !ok || u.Email != inv.Email {
			t.Errorf("user email = %q", u.Email)
		}
	})
}

// TestUserWriteSettings: inactive users are not logged in; fixed_data keys
// with no prompt (type, path, attributes.x.y) reach the user.
func TestUserWriteSettings(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		fx := e.Fixture
		fx.Flow("inactive-flow", "I", "I", store.DesignationEnrollment, "require_unauthenticated")
		fx.Stage(store.StageInvitation, "inactive-invitation", nil)
		fx.Stage(store.StageUserWrite, "inactive-write", func(s *store.Stage) {
			s.UserWrite.UserCreationMode, s.UserWrite.CreateUsersAsInactive = "always_create", true
		})
		fx.Bind("inactive-flow", "inactive-invitation", 5, true)
		fx.Bind("inactive-flow", "invitation-enrollment-prompt-credentials", 10, false)
		fx.Bind("inactive-flow", "inactive-write", 20, false)
		fx.Bind("inactive-flow", "invitation-enrollment-user-login", 100, false)
		inv := fx.Invitation("inactive-inv", "inactive-flow", false, nil, map[string]any{
			"type": "internal", "path": "users/vip", "attributes.a.b": "deep", "attributes_flat": 1.0, "name": "Fixed Name"})
		steps := e.Client().FollowJSON("inactive-flow", "itoken="+inv.UUID, enrollValues("sleepy"))
		wantDenied(t, steps, "Your account is not active yet. An administrator has to activate it before you can log in.")
		u, ok := e.user("sleepy")
		if !ok || u.IsActive || u.Type != "internal" || u.Path != "users/vip" || u.Name != "Fixed Name" {
			t.Fatalf("user = %+v", u)
		}
		if a, _ := u.Attributes["a"].(map[string]any); a["b"] != "deep" || u.Attributes["flat"] != 1.0 {
			t.Errorf("attributes = %v", u.Attributes)
		}
	})
}
