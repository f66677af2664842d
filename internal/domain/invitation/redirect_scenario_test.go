package invitation_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/testapp"
)

// An invitation's redirect must be a path on this site (the one redirect
// check); after enrolling, the invitee lands there.
func TestInvitationRedirectScenario(t *testing.T) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		flow := e.Fixture.Flows["invitation-enrollment-flow-internal"]
		api := adminAPI(t, e)
		for _, bad := range []string{"https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"} {
			status, body := api.do("POST", invitationsPath, map[string]any{"name": "bad", "flow": flow.UUID, "redirect": bad})
			if status != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body["redirect"]), "path on this site") {
				t.Errorf("redirect %q: %d %v", bad, status, body)
			}
		}
		status, body := api.do("POST", invitationsPath, map[string]any{"name": "app", "flow": flow.UUID, "single_use": true,
			"redirect": "/application/launch/wiki/"})
		if status != http.StatusCreated || body["redirect"] != "/application/launch/wiki/" {
			t.Fatalf("create: %d %v", status, body)
		}
		c := e.Client()
		pages := c.FollowHTML(flow.Slug, "itoken="+body["pk"].(string), map[string]any{"username": "wiki-user",
			"password": "Wiki-Passw0rd!", "password_repeat": "Wiki-Passw0rd!", "name": "Wiki", "email": "wiki@example.com"})
		if last := pages[len(pages)-1]; last.Location != "/application/launch/wiki/" {
			t.Fatalf("enrollment ended at %q (%d): %s", last.Location, last.Status, last.Body)
		}
		if e.LoggedIn(c) == 0 {
			t.Error("not logged in after enrolling")
		}
	})
}
