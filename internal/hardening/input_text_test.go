package hardening

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

// Flow answers holding NUL or bytes that are not UTF-8, through the pages
// and the JSON executor, on both databases (issue 12 item 6): a field
// error counted as a failed attempt, never a 500, a flow error or an
// ERROR log line. Query parameters the flow carries are cleaned.
func TestFlowAnswersRefuseBadText(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Open(t)
			in := newInstance(t, st)
			fx := fixture(t, st, in.app)
			const login = "default-authentication-flow"

			// Ten refused identifications from one address, half through
			// the page, half through the API: each a field error.
			for i, uid := range []string{"ak\x00admin", "ak\xff\xfeadmin", "\x00", "akadmin\x00", "ak\xffadmin"} {
				c := from(testapp.NewClient(t, in.srv.URL), "203.0.113.50")
				p := c.Get(c.PageURL(login, ""))
				p = c.Submit(p, map[string]any{"uid_field": uid})
				if p.Status != 200 || !strings.Contains(p.Body, "without NUL characters") {
					t.Fatalf("page login %d (%q): %d %s", i, uid, p.Status, p.Body)
				}
				// JSON cannot carry bytes that are not UTF-8 (decoding makes
				// them U+FFFD), so those become a wrong password instead.
				api := from(testapp.NewClient(t, in.srv.URL), "203.0.113.50")
				last := testapp.Last(api.FollowJSON(login, "", map[string]any{"uid_field": uid, "password": "x"}))
				errs, _ := last.Challenge["response_errors"].(map[string]any)
				if strings.Contains(uid, "\x00") && (last.Component != "ak-stage-identification" || errs["uid_field"] == nil) ||
					len(errs) == 0 {
					t.Fatalf("API login %d (%q): %v", i, uid, last.Challenge)
				}
			}
			// They counted: the next attempt from that address is throttled.
			c := from(testapp.NewClient(t, in.srv.URL), "203.0.113.50")
			u := c.ExecutorURL(login, "")
			get(t, c, "GET", u, nil)
			if status, _, body := get(t, c, "POST", u, `{"component":"ak-stage-identification","uid_field":"akadmin"}`); status != 429 {
				t.Fatalf("after 10 refused identifications: %d %s", status, body)
			}

			// Enrollment: a NUL in a prompt answer is a field error (API and
			// page); a NUL in the link's query is dropped and the flow works.
			inv := fx.Invitation("multi", enrollSlug, false, nil, nil)
			api := from(testapp.NewClient(t, in.srv.URL), "198.51.100.1")
			last := testapp.Last(api.FollowJSON(enrollSlug, "itoken="+inv.UUID, enrollValues("new\x00user")))
			if errs, _ := last.Challenge["response_errors"].(map[string]any); errs["username"] == nil {
				t.Fatalf("API enrollment with NUL username: %v", last.Challenge)
			}
			page := from(testapp.NewClient(t, in.srv.URL), "198.51.100.2")
			pages := page.FollowHTML(enrollSlug, "itoken="+inv.UUID, map[string]any{"username": "newuser", "password": "s3cret-Passw0rd-x",
				"password_repeat": "s3cret-Passw0rd-x", "name": "New\x00Person", "email": "n@example.org"})
			if p := pages[len(pages)-1]; p.Status != 200 || !strings.Contains(p.Body, "without NUL characters") {
				t.Fatalf("page enrollment with NUL name: %d %s", p.Status, p.Body)
			}
			for i, q := range []string{"&x=%00", "&x%00=1", "&x=%ff%fe"} {
				name := fmt.Sprintf("querynul%d", i)
				c := from(testapp.NewClient(t, in.srv.URL), "198.51.100.3")
				if last := testapp.Last(c.FollowJSON(enrollSlug, "itoken="+inv.UUID+q, enrollValues(name))); last.Component != "xak-flow-redirect" {
					t.Fatalf("API enrollment with %s in the query: %v", q, last.Challenge)
				}
				name += "p"
				pages := from(testapp.NewClient(t, in.srv.URL), "198.51.100.4").FollowHTML(enrollSlug, "itoken="+inv.UUID+q, enrollValues(name))
				if p := pages[len(pages)-1]; p.Location == "" {
					t.Fatalf("page enrollment with %s in the query: %d %s", q, p.Status, p.Body)
				}
				if _, err := st.GetUserByUsername(ctx, name); err != nil {
					t.Fatalf("user %s: %v", name, err)
				}
			}
			if logs := in.logs.String(); strings.Contains(logs, "level=ERROR") {
				t.Errorf("ERROR logged:\n%s", logs)
			}
		})
	}
}

// Enrollment applies the users API's rules (issue 12 item 10): a username
// with NUL, a bidi override or 151+ characters, or an oversized name, is a
// prompt field error; values that skip the prompt (an invitation's fixed
// data) are refused by the user write stage with a message naming the
// field. No user is created either way.
func TestEnrollmentAppliesUserFieldRules(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Open(t)
			in := newInstance(t, st)
			fx := fixture(t, st, in.app)
			inv := fx.Invitation("multi", enrollSlug, false, nil, nil)
			for _, tc := range []struct {
				name   string
				values map[string]any
				field  string
			}{
				{"bidi username", enrollValues("akadmin\u202e"), "username"},
				{"long username", enrollValues(strings.Repeat("a", 151)), "username"},
				{"space in username", enrollValues("ak admin"), "username"},
				{"long name", withValue(enrollValues("longname"), "name", strings.Repeat("n", 257)), "name"},
				{"bidi name", withValue(enrollValues("bidiname"), "name", "Admin\u202egnp.exe"), "name"},
				{"control name", withValue(enrollValues("ctlname"), "name", "Admin\x07"), "name"},
			} {
				c := from(testapp.NewClient(t, in.srv.URL), "198.51.100.10")
				last := testapp.Last(c.FollowJSON(enrollSlug, "itoken="+inv.UUID, tc.values))
				if errs, _ := last.Challenge["response_errors"].(map[string]any); errs[tc.field] == nil {
					t.Errorf("%s: want an error on %s, got %v", tc.name, tc.field, last.Challenge)
				}
				pages := from(testapp.NewClient(t, in.srv.URL), "198.51.100.11").FollowHTML(enrollSlug, "itoken="+inv.UUID, tc.values)
				if p := pages[len(pages)-1]; p.Location != "" || !strings.Contains(p.Body, "field-error") {
					t.Errorf("%s (page): want a field error, got %d %s", tc.name, p.Status, p.Location)
				}
			}
			// Fixed data in a flow without prompts goes straight to the user
			// write stage, which holds the same line.
			fx.Flow("fixed-enroll", "Fixed", "Fixed", store.DesignationEnrollment, "require_unauthenticated")
			fx.Stage(store.StageInvitation, "fixed-invitation", nil)
			fx.Stage(store.StageUserWrite, "fixed-write", func(s *store.Stage) { s.UserWrite.UserCreationMode = "always_create" })
			fx.Bind("fixed-enroll", "fixed-invitation", 0, true)
			fx.Bind("fixed-enroll", "fixed-write", 10, false)
			for _, tc := range []struct {
				name  string
				fixed map[string]any
				want  string
			}{
				{"bidi username", map[string]any{"username": "akadmin\u202e", "name": "authentik Default Admin"}, "Username: Enter a valid username."},
				{"huge username", map[string]any{"username": strings.Repeat("a", 300000), "name": strings.Repeat("n", 300000)}, "Username: Ensure this field has no more than 150 characters."},
				{"long name", map[string]any{"username": "fixed1", "name": strings.Repeat("n", 300)}, "Name: Ensure this field has no more than 256 characters."},
				{"bidi name", map[string]any{"username": "fixed2", "name": "x\u2066y"}, "Name: Remove control"},
				{"bad email", map[string]any{"username": "fixed3", "email": "not an email"}, "Email: Enter a valid email address."},
				{"bad path", map[string]any{"username": "fixed4", "path": "/abs"}, "Path: No leading or trailing slashes allowed."},
			} {
				fixed := fx.Invitation("fixed-"+strings.ReplaceAll(tc.name, " ", "-"), "fixed-enroll", false, nil, tc.fixed)
				before, _, _ := st.ListUsers(ctx, store.UserFilter{})
				c := from(testapp.NewClient(t, in.srv.URL), "198.51.100.12")
				last := testapp.Last(c.FollowJSON("fixed-enroll", "itoken="+fixed.UUID, nil))
				msg, _ := last.Challenge["error_message"].(string)
				if last.Component != "ak-stage-access-denied" || !strings.HasPrefix(msg, tc.want) {
					t.Errorf("fixed %s: want denied with %q, got %v", tc.name, tc.want, last.Challenge)
				}
				after, _, _ := st.ListUsers(ctx, store.UserFilter{})
				if len(after) != len(before) {
					t.Errorf("fixed %s: a user was created", tc.name)
				}
			}
			// A valid one still enrolls.
			ok := fx.Invitation("fixed-ok", "fixed-enroll", false, nil, map[string]any{"username": "fixed.ok", "name": "Fixed OK"})
			c := from(testapp.NewClient(t, in.srv.URL), "198.51.100.13")
			if last := testapp.Last(c.FollowJSON("fixed-enroll", "itoken="+ok.UUID, nil)); last.Component != "xak-flow-redirect" {
				t.Errorf("valid fixed data: %v", last.Challenge)
			}
		})
	}
}

func withValue(m map[string]any, k string, v any) map[string]any {
	m[k] = v
	return m
}
