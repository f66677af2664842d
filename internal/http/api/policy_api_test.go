package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	authentik "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testkit"
)

// newPolicyEnv is the API on a fresh SQLite store with the enrollment
// flow policies are bound to in these tests.
func newPolicyEnv(t *testing.T) (*env, store.Flow) {
	t.Helper()
	e := newEnv(t, storetest.OpenSQLite(t))
	f := store.Flow{Name: "Enroll", Slug: "enroll", Title: "Enroll", Designation: store.DesignationEnrollment,
		Authentication: "none", Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
	must(t, e.store.CreateFlow(context.Background(), &f))
	return e, f
}

func TestPolicyAPIWithAuthentikClient(t *testing.T) {
	e, flow := newPolicyEnv(t)
	ctx := context.Background()
	seed := testkit.SeedInvited

	// Create through the client, as authentik's admin UI and scripts do.
	p, _, err := e.client.PoliciesAPI.PoliciesExpressionCreate(ctx).
		ExpressionPolicyRequest(*authentik.NewExpressionPolicyRequest("invited", seed)).Execute()
	if err != nil {
		t.Fatalf("create policy: %v", err)
	}
	if p.Expression != seed || p.Name != "invited" {
		t.Errorf("created %+v", p)
	}
	binding := authentik.NewPolicyBindingRequest(flow.UUID, 0)
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
	if status, body := e.adminJSON("GET", "/api/v3/policies/all/"+chatty.Pk+"/", nil); status != 404 || body["detail"] != "Not found." {
		t.Errorf("after delete: %d %v", status, body)
	}
}

func TestPolicyAPIValidation(t *testing.T) {
	e, flow := newPolicyEnv(t)
	status, body := e.adminJSON("POST", "/api/v3/policies/expression/", map[string]any{"name": "bad", "expression": "x = 1\nreturn x +"})
	if status != 400 {
		t.Fatalf("bad expression: %d %v", status, body)
	}
	msgs, _ := body["expression"].([]any)
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0].(string), "Expression Syntax Error: line 2, column 11:") {
		t.Errorf("bad expression body %v", body)
	}
	if ps, _ := e.store.ListPolicies(context.Background()); len(ps) != 0 {
		t.Errorf("refused policy was stored: %v", ps)
	}

	_, good := e.adminJSON("POST", "/api/v3/policies/expression/", map[string]any{"name": "good", "expression": "return True"})
	pk, _ := good["pk"].(string)
	g := store.Group{Name: "staff"}
	if err := e.store.CreateGroup(context.Background(), &g); err != nil {
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
		{"two of policy/group/user", "/api/v3/policies/bindings/", map[string]any{"target": flow.UUID, "order": 0, "policy": pk, "group": g.UUID},
			400, "non_field_errors", "Only one of 'group', 'policy', 'user' can be set."},
		{"none of policy/group/user", "/api/v3/policies/bindings/", map[string]any{"target": flow.UUID, "order": 0},
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
		status, body := e.adminJSON("POST", c.path, c.body)
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
	e, _ := newPolicyEnv(t)
	ctx := context.Background()
	// A few API writes give model_* events for akadmin; a recorded login
	// for another user.
	e.adminJSON("POST", "/api/v3/policies/expression/", map[string]any{"name": "a", "expression": "return True"})
	e.adminJSON("POST", "/api/v3/policies/expression/", map[string]any{"name": "b", "expression": "return True"})
	jane := store.User{Username: "jane", IsActive: true, Type: store.UserTypeExternal, Path: "users"}
	if err := e.store.CreateUser(ctx, &jane); err != nil {
		t.Fatal(err)
	}
	rec := &event.Recorder{}
	if err := rec.LoggedIn(ctx, e.store, nil, &jane, map[string]any{"auth_method": "password"}); err != nil {
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
	e.checkEventQueries(t, []eventQuery{
		{query: "?created__gte=" + future, status: 200, count: 0},
		{query: "?created__gte=" + past + "&created__lt=" + future, status: 200, count: 3},
		{query: "?username=jane", status: 200, count: 1},
		{query: "?search=expressionpolicy", status: 200, count: 2},
		{query: "?created__gte=yesterday", status: 400, field: "created__gte"},
	})

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
