package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	authentik "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/api"
	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlite"
)

// polEnv is the API on a real SQLite store with a superuser token and an
// authentik client pointed at it.
type polEnv struct {
	t      *testing.T
	st     store.Store
	srv    *httptest.Server
	key    string
	admin  store.User
	client *authentik.APIClient
	flow   store.Flow
}

func newPolEnv(t *testing.T) *polEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "usher.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	admin := store.User{Username: "akadmin", Name: "Admin", IsActive: true, Type: store.UserTypeInternal, Path: "users"}
	if err := st.CreateUser(ctx, &admin); err != nil {
		t.Fatal(err)
	}
	g := store.Group{Name: "admins", IsSuperuser: true}
	if err := st.CreateGroup(ctx, &g); err != nil {
		t.Fatal(err)
	}
	if err := st.AddGroupMember(ctx, g.UUID, admin.PK); err != nil {
		t.Fatal(err)
	}
	key := "test-key-0123456789"
	if err := st.CreateToken(ctx, &store.Token{Identifier: "test", KeyHash: auth.HashToken(key), UserPK: admin.PK, Intent: "api"}); err != nil {
		t.Fatal(err)
	}
	f := store.Flow{Name: "Enroll", Slug: "enroll", Title: "Enroll", Designation: store.DesignationEnrollment,
		Authentication: "none", Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
	if err := st.CreateFlow(ctx, &f); err != nil {
		t.Fatal(err)
	}
	a := &app.App{Store: st, Events: &event.Recorder{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxBodyBytes: 1 << 20}
	mux := http.NewServeMux()
	api.New(a).Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cfg := authentik.NewConfiguration()
	u, _ := url.Parse(srv.URL)
	cfg.Host, cfg.Scheme = u.Host, u.Scheme
	cfg.Servers = authentik.ServerConfigurations{{URL: srv.URL + "/api/v3"}}
	cfg.AddDefaultHeader("Authorization", "Bearer "+key)
	return &polEnv{t: t, st: st, srv: srv, key: key, admin: admin, client: authentik.NewAPIClient(cfg), flow: f}
}

// do sends a JSON request and decodes the JSON answer.
func (e *polEnv) do(method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+e.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode, out
}

func TestPolicyAPIWithAuthentikClient(t *testing.T) {
	e := newPolEnv(t)
	ctx := context.Background()
	seed := "# Check if user was invited\nreturn context.get('invitation_in_effect', False)"

	// Create through the client, as authentik's admin UI and scripts do.
	p, _, err := e.client.PoliciesAPI.PoliciesExpressionCreate(ctx).
		ExpressionPolicyRequest(*authentik.NewExpressionPolicyRequest("invited", seed)).Execute()
	if err != nil {
		t.Fatalf("create policy: %v", err)
	}
	if p.Expression != seed || p.Name != "invited" {
		t.Errorf("created %+v", p)
	}
	binding := authentik.NewPolicyBindingRequest(e.flow.UUID, 0)
	binding.SetPolicy(p.Pk)
	if _, _, err := e.client.PoliciesAPI.PoliciesBindingsCreate(ctx).PolicyBindingRequest(*binding).Execute(); err != nil {
		t.Fatalf("create binding: %v", err)
	}

	// Test action: as a chosen user with a chosen context.
	for _, c := range []struct {
		ctx  map[string]any
		want bool
	}{{map[string]any{"invitation_in_effect": true}, true}, {map[string]any{}, false}} {
		req := authentik.NewPolicyTestRequest(int32(e.admin.PK))
		req.SetContext(c.ctx)
		res, _, err := e.client.PoliciesAPI.PoliciesAllTestCreate(ctx, p.Pk).PolicyTestRequest(*req).Execute()
		if err != nil {
			t.Fatalf("test: %v", err)
		}
		if res.Passing != c.want {
			t.Errorf("context %v: passing %v, want %v", c.ctx, res.Passing, c.want)
		}
	}

	// Messages and log messages reach the client in its LogEvent shape.
	chatty, _, err := e.client.PoliciesAPI.PoliciesExpressionCreate(ctx).ExpressionPolicyRequest(
		*authentik.NewExpressionPolicyRequest("chatty", "ak_message('hi ' + request.user.username)\nak_logger.warning('checked', password='x')\nreturn True")).Execute()
	if err != nil {
		t.Fatal(err)
	}
	res, _, err := e.client.PoliciesAPI.PoliciesAllTestCreate(ctx, chatty.Pk).PolicyTestRequest(*authentik.NewPolicyTestRequest(int32(e.admin.PK))).Execute()
	if err != nil {
		t.Fatalf("test chatty: %v", err)
	}
	if !res.Passing || len(res.Messages) != 1 || res.Messages[0] != "hi akadmin" || len(res.LogMessages) != 1 ||
		res.LogMessages[0].Event != "checked" || res.LogMessages[0].LogLevel != authentik.LOGLEVELENUM_WARNING ||
		res.LogMessages[0].Attributes["password"] != event.Mask {
		t.Errorf("chatty result %+v", res)
	}

	// /policies/all/ lists both in the base shape; bindings__isnull filters.
	all, _, err := e.client.PoliciesAPI.PoliciesAllList(ctx).Execute()
	if err != nil {
		t.Fatalf("list all: %v", err)
	}
	if all.Pagination.Count != 2 || len(all.Results) != 2 || all.Results[0].Name != "chatty" {
		t.Errorf("all: %+v", all)
	}
	unbound, _, err := e.client.PoliciesAPI.PoliciesAllList(ctx).BindingsIsnull(true).Execute()
	if err != nil || len(unbound.Results) != 1 || unbound.Results[0].Name != "chatty" {
		t.Errorf("bindings__isnull=true: %+v %v", unbound, err)
	}
	one, _, err := e.client.PoliciesAPI.PoliciesAllRetrieve(ctx, p.Pk).Execute()
	if err != nil || one.BoundTo != 1 || one.Name != "invited" {
		t.Errorf("retrieve: %+v %v", one, err)
	}
	if _, err := e.client.PoliciesAPI.PoliciesAllDestroy(ctx, chatty.Pk).Execute(); err != nil {
		t.Fatalf("destroy: %v", err)
	}
	if status, body := e.do("GET", "/api/v3/policies/all/"+chatty.Pk+"/", nil); status != 404 || body["detail"] != "Not found." {
		t.Errorf("after delete: %d %v", status, body)
	}
}

func TestPolicyAPIValidation(t *testing.T) {
	e := newPolEnv(t)
	status, body := e.do("POST", "/api/v3/policies/expression/", map[string]any{"name": "bad", "expression": "x = 1\nreturn x +"})
	if status != 400 {
		t.Fatalf("bad expression: %d %v", status, body)
	}
	msgs, _ := body["expression"].([]any)
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0].(string), "Expression Syntax Error: line 2, column 11:") {
		t.Errorf("bad expression body %v", body)
	}
	if ps, _ := e.st.ListPolicies(context.Background()); len(ps) != 0 {
		t.Errorf("refused policy was stored: %v", ps)
	}

	_, good := e.do("POST", "/api/v3/policies/expression/", map[string]any{"name": "good", "expression": "return True"})
	pk, _ := good["pk"].(string)
	g := store.Group{Name: "staff"}
	if err := e.st.CreateGroup(context.Background(), &g); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		path   string
		body   map[string]any
		status int
		field  string
		msg    string
	}{
		{"two of policy/group/user", "/api/v3/policies/bindings/", map[string]any{"target": e.flow.UUID, "order": 0, "policy": pk, "group": g.UUID},
			400, "non_field_errors", "Only one of 'group', 'policy', 'user' can be set."},
		{"none of policy/group/user", "/api/v3/policies/bindings/", map[string]any{"target": e.flow.UUID, "order": 0},
			400, "non_field_errors", "One of 'group', 'policy', 'user' must be set."},
		{"test without user", "/api/v3/policies/all/" + pk + "/test/", map[string]any{"context": map[string]any{}},
			400, "user", "This field is required."},
		{"test with unknown user", "/api/v3/policies/all/" + pk + "/test/", map[string]any{"user": 999},
			400, "user", `Invalid pk "999" - object does not exist.`},
		{"test with a list as context", "/api/v3/policies/all/" + pk + "/test/", map[string]any{"user": e.admin.PK, "context": []any{}},
			400, "context", `Expected a dictionary of items but got type "list".`},
		{"test unknown policy", "/api/v3/policies/all/6d1e2a2e-6a51-4f43-8a0d-3f3f0c9b7e11/test/", map[string]any{"user": e.admin.PK},
			404, "detail", "Not found."},
	}
	for _, c := range cases {
		status, body := e.do("POST", c.path, c.body)
		if status != c.status {
			t.Errorf("%s: status %d, want %d (%v)", c.name, status, c.status, body)
			continue
		}
		got := body[c.field]
		if l, ok := got.([]any); ok && len(l) > 0 {
			got = l[0]
		}
		if got != c.msg {
			t.Errorf("%s: %s = %v, want %q", c.name, c.field, body[c.field], c.msg)
		}
	}
}

func TestEventsAPI(t *testing.T) {
	e := newPolEnv(t)
	ctx := context.Background()
	// A few API writes give model_* events for akadmin; a recorded login
	// for another user.
	e.do("POST", "/api/v3/policies/expression/", map[string]any{"name": "a", "expression": "return True"})
	e.do("POST", "/api/v3/policies/expression/", map[string]any{"name": "b", "expression": "return True"})
	jane := store.User{Username: "jane", IsActive: true, Type: store.UserTypeExternal, Path: "users"}
	if err := e.st.CreateUser(ctx, &jane); err != nil {
		t.Fatal(err)
	}
	rec := &event.Recorder{}
	if err := rec.LoggedIn(ctx, e.st, nil, &jane, map[string]any{"auth_method": "password"}); err != nil {
		t.Fatal(err)
	}

	list, _, err := e.client.EventsAPI.EventsEventsList(ctx).Execute()
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if list.Pagination.Count != 3 || list.Results[0].Action != authentik.EVENTACTIONS_LOGIN {
		t.Errorf("list: count %v, first %v", list.Pagination.Count, list.Results)
	}
	created, _, err := e.client.EventsAPI.EventsEventsList(ctx).Action("model_created").Username("akadmin").Execute()
	if err != nil || created.Pagination.Count != 2 {
		t.Fatalf("filtered: %+v %v", created, err)
	}
	m, _ := created.Results[0].Context["model"].(map[string]any)
	if m["app"] != "authentik_policies_expression" || m["model_name"] != "expressionpolicy" {
		t.Errorf("model ref %v", m)
	}
	paged, _, err := e.client.EventsAPI.EventsEventsList(ctx).PageSize(2).Page(2).Execute()
	if err != nil || len(paged.Results) != 1 || paged.Pagination.Previous != 1 || paged.Pagination.TotalPages != 2 {
		t.Errorf("page 2: %+v %v", paged, err)
	}

	future := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	past := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format(time.RFC3339))
	for _, c := range []struct {
		query  string
		status int
		count  float64
	}{
		{"?created__gte=" + future, 200, 0},
		{"?created__gte=" + past + "&created__lt=" + future, 200, 3},
		{"?username=jane", 200, 1},
		{"?search=expressionpolicy", 200, 2},
		{"?created__gte=yesterday", 400, 0},
	} {
		status, body := e.do("GET", "/api/v3/events/events/"+c.query, nil)
		if status != c.status {
			t.Errorf("%s: status %d (%v)", c.query, status, body)
			continue
		}
		if status == 200 {
			if n := body["pagination"].(map[string]any)["count"]; n != c.count {
				t.Errorf("%s: count %v, want %v", c.query, n, c.count)
			}
		} else if body["created__gte"] == nil {
			t.Errorf("%s: body %v should name the parameter", c.query, body)
		}
	}

	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v3/events/events/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("anonymous: %d, want 403", resp.StatusCode)
	}
}
