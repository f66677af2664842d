package hardening

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlite"
	"github.com/usher-id/usher/internal/testapp"
)

// The database goes away between two steps of an enrollment: the invitee
// gets a clean error (no 500, no stack, no driver message), nothing is half
// written, and once the database is back the same browser finishes.
func TestDatabaseGoesAwayMidEnrollment(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "usher.db")
	st, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	in := newInstance(t, st)
	fx := fixture(t, st, in.app)
	inv := fx.Invitation("fault", enrollSlug, true, nil, nil)
	query := "itoken=" + inv.UUID
	c := testapp.NewClient(t, in.srv.URL)
	u := c.ExecutorURL(enrollSlug, query)
	vals := enrollValues("faulty")

	_, ch, err := c.Do(http.MethodGet, u, nil)
	if err != nil || ch["component"] != "ak-stage-prompt" {
		t.Fatalf("first challenge: %v %v", ch, err)
	}
	if _, ch, err = c.Do(http.MethodPost, u, testapp.Answer(ch, vals)); err != nil || ch["component"] != "ak-stage-prompt" {
		t.Fatalf("credentials: %v %v", ch, err)
	}
	details := testapp.Answer(ch, vals)

	st.Close() // the database goes away

	for _, tc := range []struct {
		name, method, url string
		body              io.Reader
		header            map[string]string
	}{
		{"API answer", "POST", u, strings.NewReader(`{"component":"ak-stage-prompt","name":"N","email":"faulty@example.org"}`),
			map[string]string{"Content-Type": "application/json"}},
		{"API GET", "GET", u, nil, nil},
		{"page", "GET", c.PageURL(enrollSlug, query), nil, nil},
	} {
		req, _ := http.NewRequest(tc.method, tc.url, tc.body)
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		resp, err := c.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		body := string(b)
		if resp.StatusCode == http.StatusInternalServerError || resp.StatusCode < 400 && !strings.Contains(body, "ak-stage-flow-error") {
			t.Errorf("%s while the database is down: %d %s", tc.name, resp.StatusCode, body)
		}
		for _, leak := range []string{"goroutine", "sql:", "database is closed", "sqlite", ".go:"} {
			if strings.Contains(body, leak) {
				t.Errorf("%s shows internals (%q): %s", tc.name, leak, body)
			}
		}
		if !strings.Contains(body, "request_id") && !strings.Contains(body, "Request ID") && !strings.Contains(body, "try again") {
			t.Errorf("%s: the error gives the invitee nothing to go on: %s", tc.name, body)
		}
	}

	// The database comes back (a new handle on the same file).
	st2, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	in.app.Store, in.app.Sessions.Store = st2, st2
	if _, err := st2.GetUserByUsername(ctx, "faulty"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a user was half-created while the database was down: %v", err)
	}
	if got, _ := st2.GetInvitation(ctx, inv.UUID); got.Uses != 0 {
		t.Fatalf("the invitation was consumed by the failed attempt: uses=%d", got.Uses)
	}
	_, ch, err = c.Do(http.MethodPost, u, details)
	if err != nil {
		t.Fatal(err)
	}
	// Depending on where the outage hit, the plan resumes at the details
	// prompt or restarts at the credentials: walk on to the end.
	for i := 0; i < 5 && ch["component"] == "ak-stage-prompt"; i++ {
		_, ch, err = c.Do(http.MethodPost, u, testapp.Answer(ch, vals))
		if err != nil {
			t.Fatal(err)
		}
	}
	if ch["component"] != "xak-flow-redirect" {
		t.Fatalf("retry after the database returned: %v", ch)
	}
	if _, err := st2.GetUserByUsername(ctx, "faulty"); err != nil {
		t.Errorf("retry did not create the user: %v", err)
	}
	if got, _ := st2.GetInvitation(ctx, inv.UUID); got.Uses != 1 {
		t.Errorf("invitation uses after the retry = %d, want 1", got.Uses)
	}
}
