package hardening

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlstore"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

// outOfRange are expiry values whose UTC time falls outside years 1-9999.
var outOfRange = []string{"9999-12-31T23:59:59-23:59", "0000-01-01T00:00:00+14:00"}

// Times outside years 1-9999 are refused wherever the API and blueprints
// write one (issue 12 item 4), and a row already holding one (written by
// hand or by an older usher) no longer breaks the lists, pages and links
// that show it: it reads as the nearest valid time, and every time the
// API prints is valid RFC 3339.
func TestOutOfRangeTimes(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			st := b.Open(t)
			in := newInstance(t, st)
			fx := fixture(t, st, in.app)
			key := auth.NewTokenKey()
			if err := st.CreateToken(ctx, &store.Token{Identifier: "times", KeyHash: auth.HashToken(key), UserPK: fx.Admin.PK, Intent: "api"}); err != nil {
				t.Fatal(err)
			}
			api := func(method, path, ctype string, body io.Reader) (int, string) {
				t.Helper()
				req, _ := http.NewRequest(method, in.srv.URL+path, body)
				req.Header.Set("Authorization", "Bearer "+key)
				if ctype != "" {
					req.Header.Set("Content-Type", ctype)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, string(b)
			}
			jsonAPI := func(method, path, body string) (int, string) {
				t.Helper()
				return api(method, path, "application/json", strings.NewReader(body))
			}
			const invs = "/api/v3/stages/invitation/invitations/"
			_, before, _ := st.ListInvitations(ctx, store.InvitationFilter{})

			// Create and update refuse the value with a 400 on expires.
			ok := fx.Invitation("in-range", enrollSlug, false, nil, nil)
			for _, v := range outOfRange {
				status, body := jsonAPI("POST", invs, `{"name":"bad-expiry","expires":"`+v+`"}`)
				wantExpiresError(t, "create "+v, status, body)
				for _, m := range []string{"PATCH", "PUT"} {
					status, body = jsonAPI(m, invs+ok.UUID+"/", `{"name":"in-range","expires":"`+v+`"}`)
					wantExpiresError(t, m+" "+v, status, body)
				}
			}
			if got, _ := st.GetInvitation(ctx, ok.UUID); got.Expires != nil {
				t.Errorf("refused update stored expires %v", got.Expires)
			}

			// A blueprint with a YAML timestamp out of range: refused, naming
			// the entry and field, nothing written (the group before it
			// included).
			bp := "version: 1\nmetadata:\n  name: y10000\nentries:\n" +
				"- model: authentik_core.group\n  identifiers:\n    name: y10000-group\n" +
				"- model: authentik_stages_invitation.invitation\n  identifiers:\n    name: y10000\n" +
				"  attrs:\n    expires: 9999-12-31T23:59:59-23:59\n"
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("file", "y10000.yaml")
			fw.Write([]byte(bp))
			mw.Close()
			status, body := api("POST", "/api/v3/managed/blueprints/import/", mw.FormDataContentType(), &buf)
			if !strings.Contains(body, `"success":false`) || !strings.Contains(body, `entry 2 (model authentik_stages_invitation.invitation): field \"expires\": Datetime value out of range`) {
				t.Errorf("blueprint with a year-10000 timestamp: %d %s", status, body)
			}
			if _, err := st.GetGroupByName(ctx, "y10000-group"); err == nil {
				t.Error("refused blueprint created its group")
			}
			if _, n, _ := st.ListInvitations(ctx, store.InvitationFilter{}); n != before+1 {
				t.Errorf("%d invitations after the refusals, want %d", n, before+1)
			}

			// Rows poisoned by hand: year 10000 and a year before 1.
			far := fx.Invitation("y10000", enrollSlug, false, nil, nil)
			early := fx.Invitation("ybc", enrollSlug, false, nil, nil)
			poison(t, st, far.UUID, "10000-01-01T23:58:59.000000Z", "10000-01-01 23:58:59+00")
			poison(t, st, early.UUID, "-0001-12-31T10:00:00.000000Z", "0001-12-31 10:00:00+00 BC")

			for _, q := range []string{"", "?ordering=expires", "?ordering=-expires", "?page_size=1&page=2", "?name=y10000"} {
				status, body := jsonAPI("GET", invs+q, "")
				if status != 200 {
					t.Fatalf("list %q: %d %s", q, status, body)
				}
				checkTimes(t, "list "+q, body)
			}
			// A filter holding such a time is refused naming the filter.
			for _, v := range outOfRange {
				status, body := jsonAPI("GET", invs+"?expires="+url.QueryEscape(v), "")
				if status != 400 || !strings.Contains(body, `"expires"`) {
					t.Errorf("filter expires=%q: %d %s", v, status, body)
				}
			}
			status, body = jsonAPI("GET", invs+far.UUID+"/", "")
			if status != 200 || !strings.Contains(body, `"expires":"9999-12-31T23:59:59Z"`) {
				t.Errorf("retrieve year 10000: %d %s", status, body)
			}
			checkTimes(t, "retrieve", body)
			if status, body = jsonAPI("GET", invs+early.UUID+"/", ""); status != 200 || !strings.Contains(body, `"expires":"0001-01-01T00:00:00Z"`) {
				t.Errorf("retrieve year 0: %d %s", status, body)
			}
			if status, body = jsonAPI("PATCH", invs+early.UUID+"/", `{"expires":null}`); status != 200 {
				t.Errorf("PATCH a poisoned row: %d %s", status, body)
			}

			// The console list and revoke page, and the invitation's link.
			c := testapp.NewClient(t, in.srv.URL)
			if last := testapp.Last(c.FollowJSON("default-authentication-flow", "", map[string]any{"uid_field": "akadmin",
				"password": testapp.AdminPassword})); last.Component != flow.ComponentRedirect {
				t.Fatalf("admin login: %v", last.Challenge)
			}
			for _, p := range []string{"/if/admin/invitations/", "/if/admin/invitations/?ordering=expires",
				"/if/admin/invitations/" + far.UUID + "/revoke/"} {
				if pg := c.Get(in.srv.URL + p); pg.Status != 200 || !strings.Contains(pg.Body, "y10000") {
					t.Errorf("console %s: %d %.300s", p, pg.Status, pg.Body)
				}
			}
			link := testapp.NewClient(t, in.srv.URL)
			if pg := link.Get(link.PageURL(enrollSlug, "itoken="+far.UUID)); pg.Status != 200 || !pg.HasForm() {
				t.Errorf("link of the year-10000 invitation: %d %.300s", pg.Status, pg.Body)
			}

			if status, body = jsonAPI("DELETE", invs+far.UUID+"/", ""); status != 204 {
				t.Errorf("delete year 10000: %d %s", status, body)
			}
			if _, err := st.GetInvitation(ctx, far.UUID); err == nil {
				t.Error("year-10000 invitation still there after delete")
			}
		})
	}
}

// wantExpiresError checks a 400 whose body names expires and the range.
func wantExpiresError(t *testing.T, what string, status int, body string) {
	t.Helper()
	var errs map[string][]string
	if status != 400 || json.Unmarshal([]byte(body), &errs) != nil || len(errs["expires"]) == 0 ||
		!strings.Contains(errs["expires"][0], "between the years 1 and 9999") {
		t.Errorf("%s: %d %s, want 400 on expires", what, status, body)
	}
}

// poison writes a stored time outside years 1-9999 with raw SQL, as the
// store itself no longer accepts one from any input.
func poison(t *testing.T, st store.Store, id, sqliteText, pgText string) {
	t.Helper()
	db := st.(*sqlstore.DB)
	q, v := "UPDATE invitations SET expires = ? WHERE invite_uuid = ?", sqliteText
	if db.Dialect() == "postgres" {
		q, v = "UPDATE invitations SET expires = $1::timestamptz WHERE invite_uuid = $2", pgText
	}
	if _, err := db.Writer().ExecContext(context.Background(), q, v, id); err != nil {
		t.Fatal(err)
	}
}

// checkTimes fails when a JSON body holds a time-shaped string that is not
// valid RFC 3339 (a year of five digits or a sign).
func checkTimes(t *testing.T, what, body string) {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && (k == "expires" || k == "created" || k == "last_login" || k == "date_joined") {
					if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
						t.Errorf("%s: %s = %q is not RFC 3339", what, k, s)
					}
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
}
