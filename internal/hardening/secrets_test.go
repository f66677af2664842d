package hardening

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

// A whole enrollment (JSON and HTML), a failed attempt and a login leave
// no password, invitation token, session ID or CSRF token in any event row
// or log line. authentik's invitation_used event names the invitation by
// its UUID, which is also the link's token: usher keeps only its first 8 hex
// digits there, and nothing else may carry it.
func TestNoSecretsInEventsOrLogs(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	in := newInstance(t, st)
	fx := fixture(t, st, in.app)
	inv := fx.Invitation("secret-check", enrollSlug, false, nil, nil)
	hexToken := strings.ReplaceAll(inv.UUID, "-", "")
	var secrets []string

	// JSON executor, with a wrong password repeat first (a failed prompt).
	c := testapp.NewClient(t, in.srv.URL)
	vals := enrollValues("jsonuser")
	secrets = append(secrets, vals["password"].(string))
	bad := map[string]any{}
	for k, v := range vals {
		bad[k] = v
	}
	bad["password_repeat"] = "Different-Secret-9"
	secrets = append(secrets, "Different-Secret-9")
	u := c.ExecutorURL(enrollSlug, "itoken="+inv.UUID)
	_, ch, _ := c.Do(http.MethodGet, u, nil)
	c.Do(http.MethodPost, u, testapp.Answer(ch, bad))
	if last := testapp.Last(c.FollowJSON(enrollSlug, "itoken="+inv.UUID, vals)); last.Component != "xak-flow-redirect" {
		t.Fatalf("JSON enrollment: %v", last.Challenge)
	}
	secrets = append(secrets, cookieValues(c)...)

	// HTML pages, token without dashes.
	p := testapp.NewClient(t, in.srv.URL)
	pv := enrollValues("pageuser")
	secrets = append(secrets, pv["password"].(string))
	pages := p.FollowHTML(enrollSlug, "itoken="+hexToken, pv)
	if len(pages) == 0 {
		t.Fatal("no pages")
	}
	for _, pg := range pages {
		if _, form := testapp.ParseForm(pg.Body); form != nil {
			if tok := form.Get(auth.CSRFField); tok != "" {
				secrets = append(secrets, tok)
			}
		}
	}
	secrets = append(secrets, cookieValues(p)...)
	if _, err := st.GetUserByUsername(ctx, "pageuser"); err != nil {
		t.Fatalf("HTML enrollment did not finish: %v", err)
	}

	// A failed and a good login.
	l := testapp.NewClient(t, in.srv.URL)
	l.FollowJSON("default-authentication-flow", "", map[string]any{"uid_field": "akadmin", "password": "Wr0ng-Guess-77"})
	secrets = append(secrets, "Wr0ng-Guess-77", testapp.AdminPassword)
	l2 := testapp.NewClient(t, in.srv.URL)
	l2.FollowJSON("default-authentication-flow", "", map[string]any{"uid_field": "akadmin", "password": testapp.AdminPassword})
	secrets = append(secrets, cookieValues(l)...)
	secrets = append(secrets, cookieValues(l2)...)

	events, _, err := st.ListEvents(ctx, store.EventFilter{Limit: 10000})
	if err != nil || len(events) == 0 {
		t.Fatalf("events: %d %v", len(events), err)
	}
	for _, e := range events {
		b, _ := json.Marshal(e)
		row := string(b)
		for _, s := range append(secrets, inv.UUID, hexToken) {
			if strings.Contains(row, s) {
				t.Errorf("event %s contains a secret %q: %s", e.Action, s, row)
			}
		}
	}
	logs := in.logs.String()
	if logs == "" {
		t.Fatal("nothing was logged; the check would prove nothing")
	}
	for _, s := range append(secrets, inv.UUID, hexToken, url.QueryEscape("itoken="+inv.UUID)) {
		if strings.Contains(logs, s) {
			t.Errorf("the log contains a secret %q", s)
		}
	}
	if len(secrets) < 8 {
		t.Errorf("only %d secrets collected; the walk did not happen", len(secrets))
	}
}

func cookieValues(c *testapp.Client) []string {
	u, _ := url.Parse(c.Base)
	var out []string
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Value != "" {
			out = append(out, ck.Value, auth.HashID(ck.Value))
		}
	}
	return out
}
