package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestBlueprintEnrollment is the "Done when" of issues 4 and 5 in a real
// browser: the admin signs in, imports authentik's Invitation-based
// Enrollment blueprint unmodified through Flows > Import, and copies
// invitation links from Directory > Invitations; invitees in their own
// browser contexts enroll as internal, engineering and external users; the
// brand's default application rescues the external user; the 2-stage
// blueprint is imported and walked too. Results are checked through the API.
func TestBlueprintEnrollment(t *testing.T) {
	skipShort(t)
	for _, backend := range backends {
		t.Run(backend, func(t *testing.T) {
			srv := startServer(t, serverOptions{DSN: databaseFor(t, backend)})
			b := newBrowser(t, srv.URL)
			admin := b.actor("admin")
			admin.login(adminUsername, adminPassword)
			admin.shot("user-interface")
			admin.openAdmin()

			file := exampleBlueprint(t, "flows-invitation-enrollment.yaml")
			expectCreatedLog(t, file, importBlueprint(admin, file))
			invs := srv.invitations(t)
			for _, name := range []string{"example-external-basic-invitation", "example-external-prefilled-email-invitation",
				"example-internal-prefilled-invitation", "example-internal-department-invitation", "example-engineering-team-invitation"} {
				if _, ok := invs[name]; !ok {
					t.Errorf("invitation %s missing after the import (have %v)", name, keys(invs))
				}
			}

			// Internal user, pre-filled name and email, single use.
			const prefilled = "example-internal-prefilled-invitation"
			link := invitationLink(admin, prefilled)
			if want := srv.URL + "/if/flow/invitation-enrollment-flow-internal/?itoken=" + invs[prefilled].PK; link != want {
				t.Fatalf("link of %s = %q, want %q", prefilled, link, want)
			}
			jane := b.actor("invitee-internal")
			got := jane.enroll(link, person{Username: "jane", Password: "jane-Passw0rd"})
			if got["name"] != "Jane Smith" || got["email"] != "jane.smith@company.com" {
				t.Errorf("pre-filled values %v, want name Jane Smith and email jane.smith@company.com", got)
			}
			jane.waitPath("/if/user/")
			jane.shot("user-interface")
			expectUser(t, srv.user(t, "jane"), apiUser{Name: "Jane Smith", Email: "jane.smith@company.com", Type: "internal", Path: "users/internal"})

			again := b.actor("invitee-again")
			again.open(link)
			again.waitText("This invitation has already been used.")
			again.shot("used-invitation")
			if h1 := eval[string](again, "read the heading", `document.querySelector("h1").innerText`); h1 != "This invitation can't be used" ||
				!again.has(".errors") || strings.Contains(again.text(), "Start again") || !strings.Contains(again.text(), "sign in with the account you created") {
				t.Errorf("used-up page: heading %q, text %q", h1, again.text())
			}
			if n := len(srv.users(t, "username=jane")); n != 1 {
				t.Errorf("%d users named jane after reusing the invitation", n)
			}

			// Engineering: group and attributes from the invitation.
			sam := b.actor("invitee-engineering")
			sam.enroll(invitationLink(admin, "example-engineering-team-invitation"),
				person{Username: "sam", Password: "sam-Passw0rd", Name: "Sam Engineer", Email: "sam@example.com"})
			sam.waitPath("/if/user/")
			u := srv.user(t, "sam")
			expectUser(t, u, apiUser{Name: "Sam Engineer", Email: "sam@example.com", Type: "internal", Path: "users/internal/engineering"})
			if !slices.Contains(u.groupNames(), "engineering-team") {
				t.Errorf("sam's groups %v, want engineering-team", u.groupNames())
			}
			if u.Attributes["department"] != "Engineering" {
				t.Errorf("sam's attributes %v, want department Engineering", u.Attributes)
			}

			// External user: no interface until the brand has a default
			// application.
			erin := b.actor("invitee-external")
			erin.enroll(invitationLink(admin, "example-external-basic-invitation"),
				person{Username: "erin", Password: "erin-Passw0rd", Name: "Erin External", Email: "erin@example.org"})
			erin.waitText("Interface can only be accessed by internal users.")
			erin.shot("internal-only")
			expectUser(t, srv.user(t, "erin"), apiUser{Name: "Erin External", Email: "erin@example.org", Type: "external", Path: "users/external"})

			portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprint(w, "<!doctype html><title>Portal</title><h1>Welcome to the portal</h1>")
			}))
			t.Cleanup(portal.Close)
			admin.nav("Applications")
			admin.shot("applications")
			admin.clickLink("Create")
			admin.typeInto("#f-name", "Portal")
			admin.typeInto("#f-slug", "portal")
			admin.typeInto("#f-meta_launch_url", portal.URL+"/")
			admin.shot("application-create")
			admin.clickButton("Create")
			admin.waitPath("/if/admin/applications/")
			admin.waitText("Portal")
			admin.shot("applications-created")
			admin.nav("Brands")
			admin.shot("brands")
			admin.clickAndWait("edit the default brand", `//tr[.//strong[normalize-space(.)="authentik-default"]]//a[normalize-space(.)="Edit"]`)
			admin.choose("#f-default_application", "Portal (portal)")
			admin.shot("brand-edit")
			admin.clickButton("Save")
			admin.waitPath("/if/admin/brands/")
			admin.waitText("Portal")
			admin.shot("brands-saved")
			erin.open("/")
			erin.waitText("Welcome to the portal")
			erin.shot("portal")

			// The 2-stage blueprint: no invitation, anyone with the link. Its
			// User Write stage leaves user_type at authentik's default,
			// external, so Tom ends on the brand's default application.
			file = exampleBlueprint(t, "flows-enrollment-2-stage.yaml")
			expectCreatedLog(t, file, importBlueprint(admin, file))
			admin.nav("Flows")
			execute := eval[string](admin, "read the Execute link",
				`document.evaluate('//tr[.//code[normalize-space(.)="default-enrollment-flow"]]//a[normalize-space(.)="Execute"]', document, null, 9, null).singleNodeValue.href`)
			tom := b.actor("enrollee-2-stage")
			tom.enroll(execute, person{Username: "tom", Password: "tom-Passw0rd", Name: "Tom Two", Email: "tom@example.com"})
			tom.waitText("Welcome to the portal")
			tom.shot("portal")
			expectUser(t, srv.user(t, "tom"), apiUser{Name: "Tom Two", Email: "tom@example.com", Type: "external", Path: "users"})
		})
	}
}

// expectUser compares the fields set in want.
func expectUser(t *testing.T, got, want apiUser) {
	t.Helper()
	if got.Name != want.Name || got.Email != want.Email || got.Type != want.Type || got.Path != want.Path || !got.IsActive {
		t.Errorf("user %s: name %q email %q type %q path %q active %v; want name %q email %q type %q path %q active",
			got.Username, got.Name, got.Email, got.Type, got.Path, got.IsActive, want.Name, want.Email, want.Type, want.Path)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// expectCreatedLog checks that the import log has one "Created model" line
// per entry of the blueprint file (all of them are new).
func expectCreatedLog(t *testing.T, file string, logs []string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var bp struct {
		Entries []any `yaml:"entries"`
	}
	if err := yaml.Unmarshal(data, &bp); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	created := 0
	for _, l := range logs {
		if strings.Contains(l, "Created model") {
			created++
		}
	}
	if created != len(bp.Entries) || len(bp.Entries) == 0 {
		t.Errorf("import of %s logged %d \"Created model\" lines for %d entries:\n%s", filepath.Base(file), created, len(bp.Entries), strings.Join(logs, "\n"))
	}
}
