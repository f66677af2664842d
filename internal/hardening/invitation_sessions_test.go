package hardening

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store/sqlstore"
	"github.com/usher-id/usher/internal/testapp"
)

// scannerGET fetches u without a cookie and without following redirects,
// as a mail scanner or a link preview does, and returns the status and body.
func scannerGET(t *testing.T, u string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (compatible; LinkPreview/1.0; +https://scanner.example/bot)")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// invitationLinks are the HTML link printed in invitations and the executor
// GET the web interface makes for it.
func invitationLinks(base, token string) (page, executor string) {
	return base + "/if/flow/" + enrollSlug + "/?itoken=" + token,
		base + "/api/v3/flows/executor/" + enrollSlug + "/?query=itoken%3D" + token
}

// A valid invitation link opened by a mail scanner or a link preview costs
// no session row: the invitation stage passes without an answer, and the
// plan it leaves is rebuilt from the link on the next request. Both GETs
// show the first prompt. The figures are logged (go test -v -run
// TestValidInvitationVisitsStoreNoSession).
func TestValidInvitationVisitsStoreNoSession(t *testing.T) {
	for _, b := range twoStores {
		t.Run(b.name, func(t *testing.T) {
			s1, _ := b.open(t)
			in := newInstance(t, s1)
			fx := fixture(t, s1, in.app)
			page, exec := invitationLinks(in.srv.URL, fx.Invitations["example-external-basic-invitation"].UUID)
			const n = 1000
			for i := 0; i < n; i++ {
				if i%2 == 0 {
					if st, body := scannerGET(t, page); st != http.StatusOK || !strings.Contains(body, `name="username"`) {
						t.Fatalf("GET %s: %d %.300s", page, st, body)
					}
					continue
				}
				st, body := scannerGET(t, exec)
				var ch map[string]any
				_ = json.Unmarshal([]byte(body), &ch)
				if st != http.StatusOK || ch["component"] != "ak-stage-prompt" {
					t.Fatalf("GET %s: %d %.300s", exec, st, body)
				}
			}
			rows, bytes := sessionFootprint(t, s1)
			t.Logf("%s: %d GETs of a valid invitation link (HTML and executor) stored %d session rows, %d bytes", b.name, n, rows, bytes)
			if rows != 0 {
				t.Errorf("%d GETs of a valid invitation link stored %d session rows (%d bytes), want none", n, rows, bytes)
			}
		})
	}
}

// On a flow that continues without an invitation, the invitation in effect
// cannot be rebuilt from the link alone (a link used up after the GET would
// silently enroll without it), so such a visit keeps a row, but only
// briefly: at most the short lifetime, extended to the session TTL by the
// first answer. An invitation used up between the GET and the answer is
// then refused with its own message.
func TestContinuingInvitationVisitsStoreBriefly(t *testing.T) {
	for _, b := range twoStores {
		t.Run(b.name, func(t *testing.T) {
			s1, s2 := b.open(t)
			a, bi := newInstance(t, s1), newInstance(t, s2)
			fx := fixture(t, s1, a.app)
			ctx := context.Background()
			st := fx.Stages["invitation-enrollment-invitation-external"]
			st.Invitation.ContinueFlowWithoutInvitation = true
			if err := s1.UpdateStage(ctx, &st); err != nil {
				t.Fatal(err)
			}
			page, exec := invitationLinks(a.srv.URL, fx.Invitations["example-external-basic-invitation"].UUID)
			const n = 1000
			for i := 0; i < n; i++ {
				u := page
				if i%2 == 1 {
					u = exec
				}
				if st, _ := scannerGET(t, u); st != http.StatusOK {
					t.Fatalf("GET %s: %d", u, st)
				}
			}
			rows, bytes := sessionFootprint(t, s1)
			t.Logf("%s: %d GETs of a valid invitation link on a flow that continues without one stored %d rows, %d bytes", b.name, n, rows, bytes)
			longest := maxSessionLifetime(t, s1)
			t.Logf("%s: the longest of them lives %v", b.name, longest)
			if longest > 16*time.Minute {
				t.Errorf("no-answer sessions live %v, want at most 15 minutes", longest)
			}

			// A visitor opens a single-use link (a brief row); someone else
			// uses the invitation up before the first answer.
			single := fx.Invitations["example-external-prefilled-email-invitation"].UUID
			c := testapp.NewClient(t, a.srv.URL)
			p := c.Get(c.PageURL(enrollSlug, "itoken="+single))
			if !strings.Contains(p.Body, `name="username"`) {
				t.Fatalf("invitation page: %d %s", p.Status, p.Body)
			}
			v := enrollValues("brief1")
			v["email"] = "external@example.com"
			other := testapp.NewClient(t, bi.srv.URL)
			p2 := other.Get(other.PageURL(enrollSlug, "itoken="+single))
			v2 := enrollValues("brief2")
			v2["email"] = "external@example.com"
			p2 = other.Submit(p2, v2)
			p2 = other.Submit(p2, v2)
			if p2.Location == "" {
				t.Fatalf("the second visitor did not enroll: %d %s", p2.Status, p2.Body)
			}

			// The first answer (on B) gives the session the normal lifetime.
			p = c.Reuse(bi.srv.URL).Submit(p, v)
			if !strings.Contains(p.Body, `name="name"`) {
				t.Fatalf("after the credentials on B: %d %s", p.Status, p.Body)
			}
			if got := maxSessionLifetime(t, s1); got < a.app.Sessions.TTL-time.Minute {
				t.Errorf("after the first answer the session lives %v, want the session TTL", got)
			}
			// The invitation was in effect for this visit: its message, no
			// silent enrollment without it.
			p = c.Submit(p, v)
			if !strings.Contains(p.Body, "already been used") {
				t.Fatalf("used-up invitation after the GET: %d %s", p.Status, p.Body)
			}
			if _, err := s1.GetUserByUsername(ctx, "brief1"); err == nil {
				t.Error("brief1 enrolled with a used-up invitation")
			}
		})
	}
}

// maxSessionLifetime is the longest expires - last_seen among the rows.
func maxSessionLifetime(t *testing.T, db *sqlstore.DB) time.Duration {
	t.Helper()
	rows, err := db.Writer().Query(`SELECT expires, last_seen FROM sessions`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var longest time.Duration
	for rows.Next() {
		var exp, seen any
		if err := rows.Scan(&exp, &seen); err != nil {
			t.Fatal(err)
		}
		if d := asTime(t, exp).Sub(asTime(t, seen)); d > longest {
			longest = d
		}
	}
	return longest
}

func asTime(t *testing.T, v any) time.Time {
	t.Helper()
	switch x := v.(type) {
	case time.Time:
		return x
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05"} {
			if tm, err := time.Parse(layout, x); err == nil {
				return tm
			}
		}
	case int64:
		return time.Unix(x, 0)
	}
	t.Fatalf("unreadable stored time %T %v", v, v)
	return time.Time{}
}

// A valid-invitation GET served by instance A, nothing stored, then the
// answers on instance B: B rebuilds the plan from the link (the form's
// action and the executor's query carry the itoken) and enrolls the user
// exactly once, using the invitation once. HTML and executor.
func TestInvitationGETOnOneInstanceAnswersOnAnother(t *testing.T) {
	for _, b := range twoStores {
		t.Run(b.name, func(t *testing.T) {
			s1, s2 := b.open(t)
			a, bi := newInstance(t, s1), newInstance(t, s2)
			fx := fixture(t, s1, a.app)
			ctx := context.Background()
			inv := fx.Invitations["example-external-prefilled-email-invitation"] // single use
			q := "itoken=" + inv.UUID

			// HTML: page on A, credentials on B, details on B.
			c := testapp.NewClient(t, a.srv.URL)
			p := c.Get(c.PageURL(enrollSlug, q))
			if !strings.Contains(p.Body, `name="username"`) {
				t.Fatalf("invitation page on A: %d %s", p.Status, p.Body)
			}
			if rows, _ := sessionFootprint(t, s1); rows != 0 {
				t.Fatalf("the invitation GET stored %d session rows", rows)
			}
			onB := c.Reuse(bi.srv.URL)
			v := enrollValues("html-invitee")
			v["email"] = "external@example.com"
			p = onB.Submit(p, v)
			if !strings.Contains(p.Body, `name="name"`) {
				t.Fatalf("credentials answered on B: %d %s", p.Status, p.Body)
			}
			if rows, _ := sessionFootprint(t, s1); rows != 1 {
				t.Fatalf("after the first answer: %d session rows, want 1", rows)
			}
			p = onB.Submit(p, v)
			if p.Location == "" {
				t.Fatalf("details answered on B did not finish: %d %s", p.Status, p.Body)
			}
			u, err := s1.GetUserByUsername(ctx, "html-invitee")
			if err != nil {
				t.Fatalf("not enrolled: %v", err)
			}
			if u.Email != "external@example.com" {
				t.Errorf("invitation data not applied: email %q", u.Email)
			}
			uses, err := s1.ListInvitationUses(ctx, inv.UUID)
			if err != nil || len(uses) != 1 {
				t.Fatalf("invitation uses: %v %v, want exactly one", uses, err)
			}
			// The used link now says so, on either instance.
			p = testapp.NewClient(t, bi.srv.URL).Get(c.Reuse(bi.srv.URL).PageURL(enrollSlug, q))
			if !strings.Contains(p.Body, "already been used") {
				t.Errorf("used link: %d %s", p.Status, p.Body)
			}

			// JSON: the executor GET on A shows the prompt (no row), the
			// answers go to B.
			multi := fx.Invitations["example-external-basic-invitation"]
			j := testapp.NewClient(t, a.srv.URL)
			ua := j.ExecutorURL(enrollSlug, "itoken="+multi.UUID)
			_, ch, err := j.Do(http.MethodGet, ua, nil)
			if err != nil || ch["component"] != "ak-stage-prompt" {
				t.Fatalf("executor GET on A: %v %v", ch, err)
			}
			if rows, _ := sessionFootprint(t, s1); rows != 1 {
				t.Fatalf("the executor invitation GET stored a row: %d rows", rows)
			}
			jb := j.Reuse(bi.srv.URL)
			ub := jb.ExecutorURL(enrollSlug, "itoken="+multi.UUID)
			jv := enrollValues("json-invitee")
			for i := 0; i < 3 && ch["component"] == "ak-stage-prompt"; i++ {
				if _, ch, err = jb.Do(http.MethodPost, ub, testapp.Answer(ch, jv)); err != nil {
					t.Fatal(err)
				}
				if _, bad := ch["response_errors"]; bad {
					t.Fatalf("answer refused: %v", ch)
				}
			}
			if ch["component"] != flow.ComponentRedirect {
				t.Fatalf("executor enrollment on B: %v", ch)
			}
			if _, err := s1.GetUserByUsername(ctx, "json-invitee"); err != nil {
				t.Fatalf("not enrolled: %v", err)
			}
			if uses, _ := s1.ListInvitationUses(ctx, multi.UUID); len(uses) != 1 {
				t.Errorf("multi-use invitation used %d times, want 1", len(uses))
			}
		})
	}
}

// An invitation revoked between the GET (nothing stored) and the answer
// is refused with the invitation's own message on the answer, on any
// instance, and nobody is enrolled.
func TestInvitationRevokedAfterUnstoredGET(t *testing.T) {
	for _, b := range twoStores {
		t.Run(b.name, func(t *testing.T) {
			s1, s2 := b.open(t)
			a, bi := newInstance(t, s1), newInstance(t, s2)
			fx := fixture(t, s1, a.app)
			ctx := context.Background()
			inv := fx.Invitations["example-external-basic-invitation"]
			c := testapp.NewClient(t, a.srv.URL)
			p := c.Get(c.PageURL(enrollSlug, "itoken="+inv.UUID))
			if !strings.Contains(p.Body, `name="username"`) {
				t.Fatalf("invitation page: %d %s", p.Status, p.Body)
			}
			j := testapp.NewClient(t, a.srv.URL)
			u := j.ExecutorURL(enrollSlug, "itoken="+inv.UUID)
			_, ch, err := j.Do(http.MethodGet, u, nil)
			if err != nil || ch["component"] != "ak-stage-prompt" {
				t.Fatalf("executor GET: %v %v", ch, err)
			}

			fresh, err := s1.GetInvitation(ctx, inv.UUID)
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			fresh.RevokedAt = &now
			if err := s1.UpdateInvitation(ctx, &fresh); err != nil {
				t.Fatal(err)
			}
			want := "This invitation has been withdrawn."
			p = c.Reuse(bi.srv.URL).Submit(p, enrollValues("revoked-html"))
			if !strings.Contains(p.Body, want) {
				t.Errorf("HTML answer after revocation: %d %s", p.Status, p.Body)
			}
			_, ch, err = j.Reuse(bi.srv.URL).Do(http.MethodPost, j.Reuse(bi.srv.URL).ExecutorURL(enrollSlug, "itoken="+inv.UUID),
				testapp.Answer(ch, enrollValues("revoked-json")))
			if err != nil || ch["component"] != flow.ComponentAccessDenied || !strings.Contains(ch["error_message"].(string), want) {
				t.Errorf("executor answer after revocation: %v %v", ch, err)
			}
			for _, name := range []string{"revoked-html", "revoked-json"} {
				if _, err := s1.GetUserByUsername(ctx, name); err == nil {
					t.Errorf("%s enrolled with a revoked invitation", name)
				}
			}
		})
	}
}
