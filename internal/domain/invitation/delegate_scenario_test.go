package invitation_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// A member of a delegated group invites people from /if/user/invitations/;
// eight concurrent posts against a quota of three open invitations create
// exactly three, each single use, bound to its address, created by the
// member and emailed; the rest are told the limit. Someone outside the
// group gets a 403 and cannot post.
func TestDelegatedInvitationScenario(t *testing.T) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		ctx := context.Background()
		app := testapp.NewApp(t, e.Store)
		flow := e.Fixture.Flows["invitation-enrollment-flow-external"]
		inviters := e.Fixture.Group("inviters", false)
		hash, err := app.Passwords.Hash("Bob-Passw0rd!")
		must(t, err)
		mk := func(name string) store.User {
			u := store.User{Username: name, Name: name, Email: name + "@example.com", Password: hash, IsActive: true,
				Type: store.UserTypeInternal, Path: "users", Attributes: map[string]any{}}
			must(t, e.Store.CreateUser(ctx, &u))
			return u
		}
		bob, carl := mk("bob"), mk("carl")
		must(t, e.Store.AddGroupMember(ctx, inviters.UUID, bob.PK))
		if _, err := invitation.Delegate(ctx, e.Store, "inviters", flow.Slug, 3, 10); err != nil {
			t.Fatal(err)
		}
		var fe *invitation.FieldError
		if _, err := invitation.Delegate(ctx, e.Store, "nobody", flow.Slug, 3, 10); !asField(err, &fe) || fe.Field != "group" {
			t.Errorf("unknown group: %v", err)
		}

		login := func(name string) *testapp.Client {
			c := e.Client()
			p := c.Get(e.URL + "/if/flow/default-authentication-flow/?next=" + url.QueryEscape("/if/user/"))
			for i := 0; i < 4 && p.Location == ""; i++ {
				p = c.Submit(p, map[string]any{"uid_field": name, "password": "Bob-Passw0rd!"})
			}
			if e.LoggedIn(c) == 0 {
				t.Fatalf("%s could not sign in: %d %s", name, p.Status, p.Body)
			}
			return c
		}
		cc := login("carl")
		if p := cc.Get(e.URL + "/if/user/invitations/"); p.Status != http.StatusForbidden {
			t.Errorf("non-member: %d", p.Status)
		}

		c := login("bob")
		if p := c.Get(e.URL + "/if/user/"); !strings.Contains(p.Body, `href="/if/user/invitations/"`) {
			t.Errorf("account page lacks the invite link")
		}
		page := c.Get(e.URL + "/if/user/invitations/")
		if page.Status != 200 || !strings.Contains(page.Body, "up to 3 open at once") {
			t.Fatalf("invitations page: %d %s", page.Status, page.Body)
		}
		action, form := testapp.ParseForm(page.Body)
		if action != "/if/user/invitations/" || form.Get("flow") != flow.UUID {
			t.Fatalf("form %q %v", action, form)
		}
		// carl posting bob's form with his own session: the CSRF token is
		// bound to bob's session, and carl is no delegate anyway.
		if resp, err := cc.HTTP.PostForm(e.URL+action, form); err != nil || resp.StatusCode < 400 {
			t.Errorf("carl's post: %v %v", resp, err)
		}

		const racers = 8
		statuses := make([]int, racers)
		var wg sync.WaitGroup
		for i := 0; i < racers; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				f := url.Values{}
				for k, v := range form {
					f[k] = v
				}
				f.Set("email", fmt.Sprintf("friend%d@example.com", i))
				f.Set("send", "on")
				resp, err := c.HTTP.PostForm(e.URL+action, f)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			}(i)
		}
		wg.Wait()
		created, refused := 0, 0
		for _, s := range statuses {
			switch s {
			case http.StatusSeeOther:
				created++
			case http.StatusUnprocessableEntity:
				refused++
			}
		}
		invs, _, err := e.Store.ListInvitations(ctx, store.InvitationFilter{CreatedByUsername: "bob"})
		must(t, err)
		if created != 3 || refused != racers-3 || len(invs) != 3 {
			t.Fatalf("statuses %v, %d invitations; want 3 created and %d refused", statuses, len(invs), racers-3)
		}
		for _, inv := range invs {
			if !inv.SingleUse() || inv.Email == "" || inv.Flow == nil || *inv.Flow != flow.UUID || inv.Expires == nil {
				t.Errorf("delegated invitation %+v", inv)
			}
		}
		if msgs, _ := e.Store.ListOutbox(ctx, 20); len(msgs) != 3 {
			t.Errorf("%d emails queued, want 3", len(msgs))
		}
		p := c.Get(e.URL + "/if/user/invitations/")
		if !strings.Contains(p.Body, "friend") {
			t.Errorf("the member's list lacks the invitations")
		}
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set("email", "one-more@example.com")
		resp, err := c.HTTP.PostForm(e.URL+action, f)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("fourth invitation: %d", resp.StatusCode)
		}
		// The administrator sees who invited whom.
		status, body := adminAPI(t, e).do("GET", invitationsPath+"?created_by__username=bob", nil)
		results, _ := body["results"].([]any)
		if status != 200 || len(results) != 3 || results[0].(map[string]any)["created_by"].(map[string]any)["username"] != "bob" {
			t.Errorf("admin list: %d %v", status, body)
		}
		// Revoking one frees a place.
		_, err = invitation.Revoke(ctx, app, e.Store, &bob, invs[0].UUID)
		must(t, err)
		err = e.Store.Tx(ctx, func(q store.Queries) error {
			_, err := invitation.CreateDelegated(ctx, app, q, &bob, invitation.DelegatedOptions{FlowUUID: flow.UUID, Email: "later@example.com"})
			return err
		})
		must(t, err)
		_ = carl
	})
}

func asField(err error, fe **invitation.FieldError) bool {
	e, ok := err.(*invitation.FieldError)
	*fe = e
	return ok
}
