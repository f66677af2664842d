package invitation_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

const invitationsPath = "/api/v3/stages/invitation/invitations/"

// An invitation names groups through the API; of three enrollments racing
// on its two uses, exactly two create accounts and both accounts are in
// the groups; the third creates nothing and joins nothing. An unknown
// group is a 400 on "groups" and writes nothing.
func TestInvitationGroupsScenario(t *testing.T) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		ctx := context.Background()
		staff, vpn := e.Fixture.Group("staff", false), e.Fixture.Group("vpn", false)
		flow := e.Fixture.Flows["invitation-enrollment-flow-internal"]
		api := adminAPI(t, e)

		status, body := api.do("POST", invitationsPath, map[string]any{"name": "bad", "flow": flow.UUID,
			"groups": []string{staff.UUID, "00000000-0000-4000-8000-000000000000"}})
		if status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body["groups"]), "object does not exist") {
			t.Fatalf("unknown group: %d %v, want 400 naming groups", status, body)
		}
		if invs, _, _ := e.Store.ListInvitations(ctx, store.InvitationFilter{Name: "bad"}); len(invs) != 0 {
			t.Fatalf("a refused invitation was stored: %+v", invs)
		}
		status, body = api.do("POST", invitationsPath, map[string]any{"name": "bad", "flow": flow.UUID, "groups": "staff"})
		if status != http.StatusBadRequest || body["groups"] == nil {
			t.Errorf("groups not a list: %d %v", status, body)
		}

		status, body = api.do("POST", invitationsPath, map[string]any{"name": "team", "flow": flow.UUID, "max_uses": 2,
			"groups": []string{vpn.UUID, staff.UUID}})
		if status != http.StatusCreated {
			t.Fatalf("create: %d %v", status, body)
		}
		if got := fmt.Sprint(body["groups"]); got != fmt.Sprint([]any{staff.UUID, vpn.UUID}) {
			t.Errorf("groups = %s, want staff then vpn", got)
		}
		objs, _ := body["groups_obj"].([]any)
		if len(objs) != 2 || objs[0].(map[string]any)["name"] != "staff" || objs[1].(map[string]any)["name"] != "vpn" {
			t.Errorf("groups_obj = %v", body["groups_obj"])
		}
		pk := body["pk"].(string)

		// authentik's client reads the invitation (it has no groups field
		// and ignores ours).
		got, _, err := api.client().StagesAPI.StagesInvitationInvitationsRetrieve(ctx, pk).Execute()
		if err != nil || got.Name != "team" {
			t.Fatalf("authentik client: %+v, %v", got, err)
		}
		// PATCH without groups keeps them.
		if status, body = api.do("PATCH", invitationsPath+pk+"/", map[string]any{"max_uses": 2}); status != 200 || len(body["groups"].([]any)) != 2 {
			t.Errorf("patch without groups: %d %v", status, body["groups"])
		}

		// Three invitees reach the last form, then submit at once.
		const racers = 3
		type racer struct {
			c    *testapp.Client
			page testapp.Page
			name string
		}
		rs := make([]racer, racers)
		for i := range rs {
			rs[i].name = fmt.Sprintf("racer%d", i)
			rs[i].c = e.Client()
			p := rs[i].c.Get(rs[i].c.PageURL(flow.Slug, "itoken="+pk))
			p = rs[i].c.Submit(p, map[string]any{"username": rs[i].name, "password": "Racing-Passw0rd!", "password_repeat": "Racing-Passw0rd!"})
			if !strings.Contains(p.Body, `name="email"`) {
				t.Fatalf("%s: second page has no email field: %d %s", rs[i].name, p.Status, p.Body)
			}
			rs[i].page = p
		}
		results := make([]testapp.Page, racers)
		var wg sync.WaitGroup
		for i := range rs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				results[i] = rs[i].c.Submit(rs[i].page, map[string]any{"name": "Racer", "email": rs[i].name + "@example.com"})
			}(i)
		}
		wg.Wait()

		enrolled, refused := 0, 0
		for i, r := range results {
			u, err := e.Store.GetUserByUsername(ctx, rs[i].name)
			switch {
			case r.Location != "" && err == nil:
				enrolled++
				if g := groupNames(t, e.Store, u.PK); !g["staff"] || !g["vpn"] || len(g) != 2 {
					t.Errorf("%s is in %v, want staff and vpn", rs[i].name, g)
				}
			case strings.Contains(r.Body, "This invitation has already been used.") && err != nil:
				refused++
			default:
				t.Errorf("%s: status %d location %q user err %v body %s", rs[i].name, r.Status, r.Location, err, r.Body)
			}
		}
		if enrolled != 2 || refused != 1 {
			t.Fatalf("%d enrolled, %d refused; want 2 and 1", enrolled, refused)
		}
		for _, g := range []store.Group{staff, vpn} {
			members, n, err := e.Store.ListUsers(ctx, store.UserFilter{GroupUUID: g.UUID})
			must(t, err)
			if n != 2 {
				t.Errorf("%s has %d members (%v), want the 2 enrolled", g.Name, n, members)
			}
		}
		inv, err := e.Store.GetInvitation(ctx, pk)
		must(t, err)
		if inv.Uses != 2 {
			t.Errorf("uses = %d, want 2", inv.Uses)
		}
		used, _, err := e.Store.ListEvents(ctx, store.EventFilter{Action: "invitation_used"})
		must(t, err)
		if len(used) != 2 || fmt.Sprint(used[0].Context["groups"]) != "[staff vpn]" {
			t.Errorf("invitation_used events = %v", used)
		}
	})
}
