package invitation_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// An invitation bound to the address of an existing account: the link
// asks the visitor to sign in instead of enrolling, then to accept; the
// account keeps its password and gains the groups and attributes, and no
// second account is created. A visitor signed in as someone else is told
// so and can sign out and continue.
func TestInvitationExistingAccountScenario(t *testing.T) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		ctx := context.Background()
		staff := e.Fixture.Group("staff", false)
		flow := e.Fixture.Flows["invitation-enrollment-flow-internal"]
		hash, err := testapp.NewApp(t, e.Store).Passwords.Hash("Jane-Passw0rd!")
		must(t, err)
		jane := store.User{Username: "jane", Name: "Jane", Email: "Jane@Example.com", Password: hash, IsActive: true,
			Type: store.UserTypeInternal, Path: "users", Attributes: map[string]any{"team": "old"}}
		must(t, e.Store.CreateUser(ctx, &jane))
		api := adminAPI(t, e)
		status, body := api.do("POST", invitationsPath, map[string]any{"name": "jane-again", "flow": flow.UUID,
			"single_use": true, "email": "jane@example.com", "groups": []string{staff.UUID},
			"fixed_data": map[string]any{"attributes": map[string]any{"department": "Engineering"}}})
		if status != http.StatusCreated {
			t.Fatalf("create: %d %v", status, body)
		}
		pk := body["pk"].(string)
		link := "/if/flow/" + flow.Slug + "/?itoken=" + pk
		_, usersBefore, err := e.Store.ListUsers(ctx, store.UserFilter{})
		must(t, err)

		c := e.Client()
		p := c.Get(e.URL + link)
		if p.Status != 200 || !strings.Contains(p.Body, "Sign in to accept your invitation") || strings.Contains(p.Body, `name="username"`) {
			t.Fatalf("anonymous visit: %d %s", p.Status, p.Body)
		}
		wantLogin := "/if/flow/default-authentication-flow/?" + url.Values{"next": {link}}.Encode()
		if !strings.Contains(p.Body, `href="`+strings.ReplaceAll(wantLogin, "&", "&amp;")+`"`) {
			t.Fatalf("no sign-in link %q in %s", wantLogin, p.Body)
		}
		// Sign in; the login flow's redirect back to the link is followed
		// (it is under /if/flow/), which shows the accept page.
		p = c.Get(e.URL + wantLogin)
		for i := 0; i < 5 && !strings.Contains(p.Body, "Accept your invitation"); i++ {
			if !p.HasForm() {
				t.Fatalf("login stopped: %d %q %s", p.Status, p.Location, p.Body)
			}
			p = c.Submit(p, map[string]any{"uid_field": "jane", "password": "Jane-Passw0rd!"})
		}
		if !strings.Contains(p.Body, "Accept your invitation") || !strings.Contains(p.Body, "staff") || p.URL != e.URL+link {
			t.Fatalf("signed-in visit: %d %s %s", p.Status, p.URL, p.Body)
		}
		if got, _ := e.Store.GetInvitation(ctx, pk); got.Uses != 0 {
			t.Fatalf("opening the page used the invitation")
		}
		done := c.Submit(p, nil)
		if done.Status != http.StatusSeeOther || done.Location != "/if/user/" {
			t.Fatalf("accept: %d %q %s", done.Status, done.Location, done.Body)
		}

		after, err := e.Store.GetUser(ctx, jane.PK)
		must(t, err)
		if after.Password != hash {
			t.Errorf("the password changed")
		}
		if after.Attributes["department"] != "Engineering" || after.Attributes["team"] != "old" {
			t.Errorf("attributes = %v", after.Attributes)
		}
		if g := groupNames(t, e.Store, jane.PK); !g["staff"] {
			t.Errorf("jane's groups = %v", g)
		}
		if _, n, _ := e.Store.ListUsers(ctx, store.UserFilter{}); n != usersBefore {
			t.Errorf("%d users, want %d (no new account)", n, usersBefore)
		}
		inv, err := e.Store.GetInvitation(ctx, pk)
		must(t, err)
		uses, err := e.Store.ListInvitationUses(ctx, pk)
		must(t, err)
		if inv.Uses != 1 || len(uses) != 1 || uses[0].Username != "jane" {
			t.Errorf("uses = %d %+v", inv.Uses, uses)
		}
		ev, _, err := e.Store.ListEvents(ctx, store.EventFilter{Action: "invitation_used"})
		must(t, err)
		if len(ev) != 1 || ev[0].Context["existing_user"] != true {
			t.Errorf("invitation_used = %+v", ev)
		}
		// Used up now: the accept form posted again changes nothing.
		again := c.Submit(p, nil)
		if inv, _ := e.Store.GetInvitation(ctx, pk); inv.Uses != 1 || again.Status == http.StatusInternalServerError {
			t.Errorf("second accept: %d uses, status %d", inv.Uses, again.Status)
		}

		// Signed in as jane, an invitation for another address: sign out
		// and continue to enroll.
		status, body = api.do("POST", invitationsPath, map[string]any{"name": "carol", "flow": flow.UUID,
			"single_use": true, "email": "carol@example.com"})
		if status != http.StatusCreated {
			t.Fatalf("create: %d %v", status, body)
		}
		carol := "/if/flow/" + flow.Slug + "/?itoken=" + body["pk"].(string)
		p = c.Get(e.URL + carol)
		if !strings.Contains(p.Body, "This invitation is for someone else") || !strings.Contains(p.Body, "Sign out and continue") {
			t.Fatalf("other address: %d %s", p.Status, p.Body)
		}
		// The redirect back to the link is followed: now anonymous, the
		// enrollment form.
		out := c.Submit(p, nil)
		if out.URL != e.URL+carol || e.LoggedIn(c) != 0 || !strings.Contains(out.Body, `name="username"`) {
			t.Fatalf("sign out and continue: %d %s, logged in as %d: %s", out.Status, out.URL, e.LoggedIn(c), out.Body)
		}
	})
}
