package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/testkit"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/store"
)

// TestHTTPShapes covers answers the authentik client does not exercise.
func TestHTTPShapes(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		flow := store.Flow{Name: "E", Slug: "enroll", Title: "E", Designation: "enrollment", Authentication: "none",
			Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
		must(t, e.store.CreateFlow(ctx, &flow))
		inv := store.Invitation{Name: "universal", Expiring: true, CreatedBy: e.admin.PK, FixedData: map[string]any{}}
		must(t, e.store.CreateInvitation(ctx, &inv))
		bound := store.Invitation{Name: "bound", Expiring: true, CreatedBy: e.admin.PK, Flow: &flow.UUID, FixedData: map[string]any{}}
		must(t, e.store.CreateInvitation(ctx, &bound))
		expired := time.Now().Add(-time.Hour)
		must(t, e.store.CreateToken(ctx, &store.Token{Identifier: "old", KeyHash: auth.HashToken("old-key"), UserPK: e.admin.PK, Intent: "api", Expires: &expired}))
		invs := "/api/v3/stages/invitation/invitations/"

		for _, tc := range []struct {
			name, method, path string
			body               any
			key                string
			status             int
			field, want        string // JSON key and value (first message for lists)
		}{
			{"unknown route", "GET", "/api/v3/nothing/here/", nil, e.adminKey, 404, "detail", "Not found."},
			{"expired token", "GET", "/api/v3/core/users/me/", nil, "old-key", 403, "detail", "Token invalid/expired"},
			{"malformed bearer", "GET", "/api/v3/core/users/me/", nil, "a b", 403, "detail", "Malformed header"},
			{"page past the end", "GET", invs + "?page=9", nil, e.adminKey, 404, "detail", "Invalid page."},
			{"page not a number", "GET", invs + "?page=x", nil, e.adminKey, 404, "detail", "Invalid page."},
			{"retrieve bad uuid", "GET", invs + "nope/", nil, e.adminKey, 404, "detail", "Not found."},
			{"malformed JSON", "POST", invs, "{", e.adminKey, 400, "detail", "JSON parse error - unexpected end of JSON input"},
			{"body not an object", "POST", invs, "[1]", e.adminKey, 400, "non_field_errors", "Invalid data. Expected a dictionary, but got list."},
			{"missing name", "POST", invs, map[string]any{}, e.adminKey, 400, "name", "This field is required."},
			{"fixed_data not an object", "POST", invs, map[string]any{"name": "x", "fixed_data": "a"}, e.adminKey, 400, "fixed_data", "Value must be a dictionary, and not have any duplicate keys."},
			{"PUT needs required fields", "PUT", invs + bound.UUID + "/", map[string]any{"single_use": true}, e.adminKey, 400, "name", "This field is required."},
			{"send_email no addresses", "POST", invs + bound.UUID + "/send_email/", map[string]any{}, e.adminKey, 400, "error", "No email addresses provided"},
			{"send_email no flow", "POST", invs + inv.UUID + "/send_email/", map[string]any{"email_addresses": []string{"a@example.com"}}, e.adminKey, 400, "error", "Invitation has no associated flow"},
			{"send_email bad address", "POST", invs + bound.UUID + "/send_email/", map[string]any{"email_addresses": []string{"nope"}}, e.adminKey, 400, "error", `"nope" is not a valid email address`},
			{"import without file or path", "POST", "/api/v3/managed/blueprints/import/", map[string]any{}, e.adminKey, 400, "non_field_errors", "Either path or file must be set"},
			{"regular user cannot list", "GET", "/api/v3/core/users/", nil, e.userKey, 403, "detail", "You do not have permission to perform this action."},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, m, raw := e.do(tc.method, tc.path, tc.body, tc.key)
				if status != tc.status {
					t.Fatalf("status %d, want %d: %s", status, tc.status, raw)
				}
				got := m[tc.field]
				if l, ok := got.([]any); ok && len(l) > 0 {
					got = l[0]
				}
				if got != tc.want {
					t.Fatalf("%s = %v, want %q (body %s)", tc.field, got, tc.want, raw)
				}
			})
		}

		// A flowless invitation renders flow_obj and link as null (as authentik).
		status, m, _ := e.do("GET", invs+inv.UUID+"/", nil, e.adminKey)
		if status != 200 || m["flow_obj"] != nil || m["link"] != nil || m["max_uses"] != nil || m["status"] != "active" {
			t.Fatalf("flowless invitation = %d %v", status, m)
		}
		// The list envelope.
		_, m, _ = e.do("GET", invs+"?page_size=1", nil, e.adminKey)
		p, _ := m["pagination"].(map[string]any)
		if p["count"] != float64(2) || p["total_pages"] != float64(2) || p["next"] != float64(2) || m["autocomplete"] == nil {
			t.Fatalf("envelope = %v", m)
		}

		// send_email queues one message per address, then answers 204.
		status, _, raw := e.do("POST", invs+bound.UUID+"/send_email/", map[string]any{
			"email_addresses": []string{"a@example.com", "b@example.com"}, "cc_addresses": []string{"c@example.com"}}, e.adminKey)
		if status != http.StatusNoContent || len(raw) != 0 {
			t.Fatalf("send_email = %d %s", status, raw)
		}
		out, err := e.store.ListOutbox(ctx, 10)
		must(t, err)
		if len(out) != 2 || out[0].Kind != "email" {
			t.Fatalf("outbox = %+v", out)
		}
		var msg struct {
			To      []string       `json:"to"`
			Cc      []string       `json:"cc"`
			Context map[string]any `json:"context"`
		}
		must(t, json.Unmarshal(out[0].Payload, &msg))
		if len(msg.Cc) != 1 || !strings.HasSuffix(msg.Context["url"].(string), "/if/flow/enroll/?itoken="+bound.UUID) {
			t.Fatalf("payload = %s", out[0].Payload)
		}
	})
}

// TestSessionAuth: a logged-in browser session may call the API without a
// token.
func TestSessionAuth(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		id := "session-cookie-value"
		pk := e.admin.PK
		must(t, e.store.CreateSession(ctx, &store.Session{ID: auth.HashID(id), UserPK: &pk, Data: []byte("{}"),
			Expires: time.Now().Add(time.Hour), Created: time.Now(), LastSeen: time.Now()}))
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/v3/core/users/me/", nil)
		req.AddCookie(&http.Cookie{Name: auth.CookieName, Value: id})
		res, err := e.srv.Client().Do(req)
		must(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(body), `"username":"akadmin"`) {
			t.Fatalf("session users/me = %d %s", res.StatusCode, body)
		}
	})
}

// TestBlueprintImport applies a small blueprint through the import endpoint.
func TestBlueprintImport(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		// importFile uploads a blueprint file as the admin.
		importFile := func(t *testing.T, name string, content []byte) *http.Response {
			t.Helper()
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("file", name)
			fw.Write(content)
			mw.Close()
			req, _ := http.NewRequest("POST", e.srv.URL+"/api/v3/managed/blueprints/import/", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Authorization", "Bearer "+e.adminKey)
			res, err := e.srv.Client().Do(req)
			must(t, err)
			return res
		}
		for _, tc := range []struct {
			name    string
			content string
			success bool
		}{
			{"valid", "version: 1\nentries:\n- model: authentik_flows.flow\n  identifiers: {slug: imported}\n  attrs: {name: I, title: I, designation: enrollment}\n", true},
			{"bad version", "version: 2\nentries: []\n", false},
			{"invalid entry", "version: 1\nentries:\n- model: authentik_flows.flow\n  identifiers: {slug: 'bad slug'}\n  attrs: {name: I, title: I, designation: enrollment}\n", false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := importFile(t, "bp.yaml", []byte(tc.content))
				var out struct {
					Success bool             `json:"success"`
					Logs    []map[string]any `json:"logs"`
				}
				must(t, json.NewDecoder(res.Body).Decode(&out))
				res.Body.Close()
				if res.StatusCode != 200 || out.Success != tc.success || out.Logs == nil {
					t.Fatalf("import = %d %+v", res.StatusCode, out)
				}
			})
		}
		if _, err := e.store.GetFlowBySlug(context.Background(), "imported"); err != nil {
			t.Fatalf("imported flow: %v", err)
		}

		// Two bad entries: the log has an error line for each, naming the
		// entry and the field, and the good entry between them is not kept.
		res := importFile(t, "two.yaml", []byte("version: 1\nentries:\n"+
			"- model: authentik_flows.flow\n  identifiers: {slug: 'bad slug'}\n  attrs: {name: I, title: I, designation: enrollment}\n"+
			"- model: authentik_core.group\n  identifiers: {name: between-bad-entries}\n"+
			"- model: authentik_flows.flow\n  identifiers: {slug: bad-designation}\n  attrs: {name: I, title: I, designation: nonsense}\n"))
		var out struct {
			Success bool `json:"success"`
			Logs    []struct {
				LogLevel   string         `json:"log_level"`
				Event      string         `json:"event"`
				Attributes map[string]any `json:"attributes"`
			} `json:"logs"`
		}
		must(t, json.NewDecoder(res.Body).Decode(&out))
		res.Body.Close()
		var errs []string
		for _, l := range out.Logs {
			if l.LogLevel == "error" {
				errs = append(errs, l.Event)
			}
		}
		if out.Success || len(errs) != 2 || !strings.HasPrefix(errs[0], `entry 1 (model authentik_flows.flow): field "slug"`) ||
			!strings.HasPrefix(errs[1], `entry 3 (model authentik_flows.flow): field "designation"`) {
			t.Fatalf("two bad entries: success %v, errors %q", out.Success, errs)
		}
		if _, err := e.store.GetGroupByName(context.Background(), "between-bad-entries"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the failed import kept the group: %v", err)
		}

		// authentik's example blueprint imports unmodified, twice (idempotent).
		data, err := os.ReadFile(testkit.ExampleBlueprint(t, "flows-invitation-enrollment.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			res := importFile(t, "flows-invitation-enrollment.yaml", data)
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 || !strings.Contains(string(raw), `"success":true`) {
				t.Fatalf("example import %d = %d %s", i, res.StatusCode, raw)
			}
		}
		list, _, err := e.client.StagesAPI.StagesInvitationInvitationsList(context.Background()).Execute()
		if err != nil || list.Pagination.Count != 5 {
			t.Fatalf("invitations after the example blueprint = %v, %v", list, err)
		}
		for _, inv := range list.Results {
			if inv.CreatedBy.Username != "akadmin" || inv.FlowObj.Designation != "enrollment" {
				t.Errorf("invitation %s: created_by %s, flow %s", inv.Name, inv.CreatedBy.Username, inv.FlowObj.Slug)
			}
		}
	})
}
