package hardening

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

var tryAgain = regexp.MustCompile(`Too many attempts\. Try again in [1-9][0-9]* minutes?\.`)

func randomUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// get fetches u and returns status, Retry-After and body.
func get(t *testing.T, c *testapp.Client, method, u string, body any) (int, string, string) {
	t.Helper()
	var rd io.Reader
	if s, ok := body.(string); ok {
		rd = strings.NewReader(s)
	}
	req, _ := http.NewRequest(method, u, rd)
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
}

// Failures in flows are throttled in the executor, for the API and the
// pages alike: guessed invitation tokens per address (a valid invitation
// keeps working from elsewhere), wrong passwords per address and per
// username, rejected prompt answers per address.
func TestFlowFailuresAreThrottled(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	in := newInstance(t, st)
	fx := fixture(t, st, in.app)
	inv := fx.Invitation("valid", enrollSlug, true, nil, nil)

	t.Run("guessed invitation tokens", func(t *testing.T) {
		attacker := from(testapp.NewClient(t, in.srv.URL), "203.0.113.66")
		for i := range 10 {
			last := testapp.Last(attacker.FollowJSON(enrollSlug, "itoken="+randomUUID(), nil))
			if last.Challenge["error_message"] != "This invitation does not exist. Ask the person who invited you for a new invitation." {
				t.Fatalf("guess %d: %v", i, last.Challenge)
			}
		}
		status, retry, body := get(t, attacker, "GET", attacker.ExecutorURL(enrollSlug, "itoken="+randomUUID()), nil)
		if status != 429 || retry == "" || !tryAgain.MatchString(body) {
			t.Fatalf("11th guess (API): %d %q %s", status, retry, body)
		}
		status, _, body = get(t, attacker, "GET", attacker.PageURL(enrollSlug, "itoken="+randomUUID()), nil)
		if status != 429 || !tryAgain.MatchString(body) || !strings.Contains(body, "<html") {
			t.Fatalf("11th guess (page): %d %s", status, body)
		}
		// The invitee, elsewhere, is not affected.
		invitee := from(testapp.NewClient(t, in.srv.URL), "198.51.100.20")
		if last := testapp.Last(invitee.FollowJSON(enrollSlug, "itoken="+inv.UUID, enrollValues("invitee"))); last.Component != "xak-flow-redirect" {
			t.Fatalf("valid invitation from another address: %v", last.Challenge)
		}
	})

	t.Run("wrong passwords per address", func(t *testing.T) {
		c := from(testapp.NewClient(t, in.srv.URL), "203.0.113.77")
		for i := range 10 {
			last := testapp.Last(from(testapp.NewClient(t, in.srv.URL), "203.0.113.77").FollowJSON("default-authentication-flow", "",
				map[string]any{"uid_field": fmt.Sprintf("user%d", i), "password": "guess"}))
			if last.Challenge["response_errors"] == nil {
				t.Fatalf("attempt %d: %v", i, last.Challenge)
			}
		}
		u := c.ExecutorURL("default-authentication-flow", "")
		get(t, c, "GET", u, nil)
		if status, retry, body := get(t, c, "POST", u, `{"component":"ak-stage-identification","uid_field":"akadmin"}`); status != 429 || retry == "" {
			t.Fatalf("11th attempt: %d %s", status, body)
		}
	})

	t.Run("wrong passwords per username", func(t *testing.T) {
		for i := range 20 {
			c := from(testapp.NewClient(t, in.srv.URL), fmt.Sprintf("192.0.2.%d", 10+i/5))
			c.FollowJSON("default-authentication-flow", "", map[string]any{"uid_field": "akadmin", "password": "guess"})
		}
		c := from(testapp.NewClient(t, in.srv.URL), "192.0.2.200")
		u := c.ExecutorURL("default-authentication-flow", "")
		get(t, c, "GET", u, nil)
		get(t, c, "POST", u, `{"component":"ak-stage-identification","uid_field":"akadmin"}`)
		if status, _, body := get(t, c, "POST", u, `{"component":"ak-stage-password","password":"`+testapp.AdminPassword+`"}`); status != 429 || !tryAgain.MatchString(body) {
			t.Fatalf("after 20 failures on akadmin: %d %s", status, body)
		}
		// Another user logs in fine from the same fresh address.
		other := from(testapp.NewClient(t, in.srv.URL), "192.0.2.201")
		bob := store.User{Username: "bob", Name: "Bob", IsActive: true, Type: store.UserTypeInternal, Path: "users", Attributes: map[string]any{}}
		bob.Password, _ = in.app.Passwords.Hash("bobs-Passw0rd")
		if err := st.CreateUser(ctx, &bob); err != nil {
			t.Fatal(err)
		}
		if last := testapp.Last(other.FollowJSON("default-authentication-flow", "", map[string]any{"uid_field": "bob", "password": "bobs-Passw0rd"})); last.Component != "xak-flow-redirect" {
			t.Fatalf("bob: %v", last.Challenge)
		}
	})

	t.Run("rejected prompt answers", func(t *testing.T) {
		multi := fx.Invitation("multi", enrollSlug, false, nil, nil)
		c := from(testapp.NewClient(t, in.srv.URL), "203.0.113.88")
		u := c.ExecutorURL(enrollSlug, "itoken="+multi.UUID)
		get(t, c, "GET", u, nil)
		bad := `{"component":"ak-stage-prompt","username":"x","password":"a-Passw0rd-1","password_repeat":"b-Passw0rd-2"}`
		for i := range 10 {
			if status, _, body := get(t, c, "POST", u, bad); status != 200 || !strings.Contains(body, "response_errors") {
				t.Fatalf("answer %d: %d %s", i, status, body)
			}
		}
		if status, retry, body := get(t, c, "POST", u, bad); status != 429 || retry == "" {
			t.Fatalf("11th answer: %d %s", status, body)
		}
	})

	events, _, _ := st.ListEvents(ctx, store.EventFilter{Action: ratelimit.EventRateLimited})
	seen := map[string]bool{}
	for _, e := range events {
		seen[fmt.Sprint(e.Context["action"], ":", e.Context["scope"])] = true
		if e.ClientIP == "" {
			t.Errorf("rate_limited event without client address: %v", e.Context)
		}
	}
	for _, want := range []string{"invitation_fail:ip", "login_fail:ip", "login_fail:user", "prompt_fail:ip"} {
		if !seen[want] {
			t.Errorf("no rate_limited event for %s (have %v)", want, seen)
		}
	}
}
