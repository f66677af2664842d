package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	authentik "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
)

// TestAdminToolEndpoints: the calls admin tools make through authentik's
// Go client work against usher (they were 404s): set a password, add and
// remove a group member, the current brand, root config, version, and the
// type and action lists.
func TestAdminToolEndpoints(t *testing.T) {
	e, _ := newPolicyEnv(t)
	ctx := context.Background()
	jane := store.User{Username: "jane", Email: "jane@example.com", IsActive: true, Type: store.UserTypeInternal, Path: "users"}
	must(t, e.store.CreateUser(ctx, &jane))
	g := store.Group{Name: "staff"}
	must(t, e.store.CreateGroup(ctx, &g))
	c := e.client

	t.Run("set_password", func(t *testing.T) {
		resp, err := c.CoreAPI.CoreUsersSetPasswordCreate(ctx, int32(jane.PK)).
			UserPasswordSetRequest(*authentik.NewUserPasswordSetRequest("a new long passphrase")).Execute()
		if err != nil || resp.StatusCode != http.StatusNoContent {
			t.Fatalf("set_password: %v %v", resp, err)
		}
		u, _ := e.store.GetUser(ctx, jane.PK)
		if ok, _ := e.app.Passwords.Verify(u.Password, "a new long passphrase"); !ok {
			t.Error("password not set")
		}
		if evs, _, _ := e.store.ListEvents(ctx, store.EventFilter{Action: event.PasswordSet}); len(evs) != 1 {
			t.Errorf("password_set events: %d", len(evs))
		}
		if status, body := e.adminJSON("POST", "/api/v3/core/users/"+strconv.FormatInt(jane.PK, 10)+"/set_password/", map[string]any{}); status != 400 || body["password"] == nil {
			t.Errorf("empty password: %d %v", status, body)
		}
		if status, _ := e.adminJSON("POST", "/api/v3/core/users/999999/set_password/", map[string]any{"password": "x"}); status != 404 {
			t.Errorf("unknown user: %d", status)
		}
	})

	t.Run("group members", func(t *testing.T) {
		if _, err := c.CoreAPI.CoreGroupsAddUserCreate(ctx, g.UUID).UserAccountRequest(*authentik.NewUserAccountRequest(int32(jane.PK))).Execute(); err != nil {
			t.Fatalf("add_user: %v", err)
		}
		if gs, _ := e.store.UserGroups(ctx, jane.PK); len(gs) != 1 || gs[0].UUID != g.UUID {
			t.Fatalf("after add_user: %+v", gs)
		}
		if _, err := c.CoreAPI.CoreGroupsRemoveUserCreate(ctx, g.UUID).UserAccountRequest(*authentik.NewUserAccountRequest(int32(jane.PK))).Execute(); err != nil {
			t.Fatalf("remove_user: %v", err)
		}
		if gs, _ := e.store.UserGroups(ctx, jane.PK); len(gs) != 0 {
			t.Fatalf("after remove_user: %+v", gs)
		}
		if status, _ := e.adminJSON("POST", "/api/v3/core/groups/"+g.UUID+"/add_user/", map[string]any{"pk": 999999}); status != 404 {
			t.Errorf("unknown user: %d", status)
		}
	})

	t.Run("brand, config, version", func(t *testing.T) {
		b, _, err := c.CoreAPI.CoreBrandsCurrentRetrieve(ctx).Execute()
		if err != nil || b.BrandingTitle == "" {
			t.Fatalf("brands/current: %+v %v", b, err)
		}
		if _, _, err := c.RootAPI.RootConfigRetrieve(ctx).Execute(); err != nil {
			t.Fatalf("root/config: %v", err)
		}
		v, _, err := c.AdminAPI.AdminVersionRetrieve(ctx).Execute()
		if err != nil || v.VersionCurrent != e.app.Version {
			t.Fatalf("admin/version: %+v %v", v, err)
		}
		// Anonymous callers read the brand (the login page needs it).
		resp, err := http.Get(e.srv.URL + "/api/v3/core/brands/current/")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("anonymous brands/current: %v %v", resp, err)
		}
		resp.Body.Close()
	})

	t.Run("types and actions", func(t *testing.T) {
		st, _, err := c.StagesAPI.StagesAllTypesList(ctx).Execute()
		if err != nil || len(st) != len(store.StageKinds) {
			t.Fatalf("stages/all/types: %d %v", len(st), err)
		}
		found := false
		for _, ty := range st {
			found = found || (ty.ModelName == "authenticatortotpstage" && ty.Component == "ak-stage-authenticator-totp-form")
		}
		if !found {
			t.Errorf("no TOTP stage type in %+v", st)
		}
		if pt, _, err := c.PoliciesAPI.PoliciesAllTypesList(ctx).Execute(); err != nil || len(pt) != 2 || pt[0].ModelName != "expressionpolicy" || pt[1].ModelName != "passwordpolicy" {
			t.Fatalf("policies/all/types: %+v %v", pt, err)
		}
		acts, _, err := c.EventsAPI.EventsEventsActionsList(ctx).Execute()
		if err != nil || len(acts) != len(event.APIActions()) || acts[0].Component != "login" || acts[0].Name != "Login" {
			t.Fatalf("events/actions: %+v %v", acts, err)
		}
	})
}

// TestFlowDiagramAndCacheInfo: the flow designer's calls through
// authentik's client: the diagram lists the flow's stages in order, the
// cache info counts flows.
func TestFlowDiagramAndCacheInfo(t *testing.T) {
	e, f := newPolicyEnv(t)
	ctx := context.Background()
	st, _ := store.NewStage(store.StageDeny, `say "no"`)
	must(t, e.store.CreateStage(ctx, &st))
	must(t, e.store.CreateBinding(ctx, &store.FlowStageBinding{Target: f.UUID, Stage: st.UUID, Order: 10}))
	d, _, err := e.client.FlowsAPI.FlowsInstancesDiagramRetrieve(ctx, f.Slug).Execute()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"graph TD", "Flow\\nEnroll", "Stage (order 10)", "Deny Stage", "say #quot;no#quot;", "stage_1 --> done"} {
		if !strings.Contains(d.Diagram, want) {
			t.Errorf("diagram lacks %q:\n%s", want, d.Diagram)
		}
	}
	if _, resp, err := e.client.FlowsAPI.FlowsInstancesDiagramRetrieve(ctx, "nope").Execute(); err == nil || resp.StatusCode != 404 {
		t.Errorf("unknown flow: %v %v", resp, err)
	}
	ci, _, err := e.client.FlowsAPI.FlowsInstancesCacheInfoRetrieve(ctx).Execute()
	if err != nil || ci.Count != 1 {
		t.Errorf("cache_info: %+v %v", ci, err)
	}
}

// TestEventCharts: volume/ and top_per_user/ as the admin dashboard calls
// them through authentik's client; usher's own actions appear under
// authentik's names so the client can decode them.
func TestEventCharts(t *testing.T) {
	e, _ := newPolicyEnv(t)
	ctx := context.Background()
	now := time.Now()
	app := map[string]any{"app": "authentik_core", "model_name": "application", "name": "Grafana", "pk": "a1"}
	for i, ev := range []store.Event{
		{Action: "login", User: map[string]any{"pk": 1.0, "username": "a"}, Created: now.Add(-time.Hour)},
		{Action: "invitation_sent", User: map[string]any{"pk": 1.0, "username": "a"}, Created: now.Add(-time.Hour)},
		{Action: "login", User: map[string]any{"pk": 1.0, "username": "a"}, Created: now.Add(-20 * 24 * time.Hour)},
		{Action: "authorize_application", User: map[string]any{"pk": 1.0, "username": "a"}, Created: now, Context: map[string]any{"authorized_application": app}},
		{Action: "authorize_application", User: map[string]any{"pk": 2.0, "username": "b"}, Created: now, Context: map[string]any{"authorized_application": app}},
	} {
		ev.Expires = now.Add(time.Hour)
		if err := e.store.CreateEvent(ctx, &ev); err != nil {
			t.Fatal(i, err)
		}
	}
	vol, _, err := e.client.EventsAPI.EventsEventsVolumeList(ctx).Execute()
	if err != nil {
		t.Fatalf("volume: %v", err)
	}
	logins := 0
	for _, v := range vol {
		if v.Action == authentik.EVENTACTIONS_LOGIN {
			logins += int(v.Count)
		}
	}
	if logins != 1 || len(vol) < 3 {
		t.Errorf("volume = %+v (want the recent login only, and every action decoded)", vol)
	}
	if vol, _, _ := e.client.EventsAPI.EventsEventsVolumeList(ctx).HistoryDays(30).Action("login").Execute(); len(vol) != 2 {
		t.Errorf("30 days of logins = %+v", vol)
	}
	top, _, err := e.client.EventsAPI.EventsEventsTopPerUserList(ctx).Action("authorize_application").Execute()
	if err != nil || len(top) != 1 || top[0].CountedEvents != 2 || top[0].UniqueUsers != 2 || top[0].Application["name"] != "Grafana" {
		t.Errorf("top_per_user = %+v %v", top, err)
	}
}

// TestPromptPreview: the prompt form's preview through authentik's client
// answers the challenge a flow would send and writes nothing; bad input
// names the field.
func TestPromptPreview(t *testing.T) {
	e, _ := newPolicyEnv(t)
	ctx := context.Background()
	before, _ := e.store.ListPrompts(ctx)
	req := authentik.NewPromptRequest("team", "attributes.team", "Team", authentik.PROMPTTYPEENUM_DROPDOWN)
	req.SetPlaceholder("return ['a', 'b']")
	req.SetInitialValue("b")
	ch, _, err := e.client.StagesAPI.StagesPromptPromptsPreviewCreate(ctx).PromptRequest(*req).Execute()
	if err != nil || ch.Component == nil || *ch.Component != "ak-stage-prompt" || len(ch.Fields) != 1 || ch.Fields[0].FieldKey != "attributes.team" {
		t.Fatalf("preview: %+v %v", ch, err)
	}
	if after, _ := e.store.ListPrompts(ctx); len(after) != len(before) {
		t.Errorf("preview wrote a prompt: %d → %d", len(before), len(after))
	}
	if status, body := e.adminJSON("POST", "/api/v3/stages/prompt/prompts/preview/", map[string]any{"field_key": "x", "label": "X", "type": "nope"}); status != 400 || body["type"] == nil {
		t.Errorf("bad type: %d %v", status, body)
	}
}
