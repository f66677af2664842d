package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/event"

	ak "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/store"
)

// These tests drive the API through authentik's own Go client, whose
// decoders refuse responses missing required properties.

func TestClientUsersMe(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		me, _, err := e.client.CoreAPI.CoreUsersMeRetrieve(ctx).Execute()
		if err != nil {
			t.Fatalf("users/me: %v", err)
		}
		if me.User.Username != "akadmin" || !me.User.IsSuperuser || int64(me.User.Pk) != e.admin.PK {
			t.Fatalf("users/me = %+v", me.User)
		}
		mine, _, err := e.userClient.CoreAPI.CoreUsersMeRetrieve(ctx).Execute()
		if err != nil || mine.User.Username != "alice" || mine.User.IsSuperuser {
			t.Fatalf("alice users/me = %+v, %v", mine, err)
		}
		for _, tc := range []struct {
			name, key, detail string
		}{
			{"wrong token", "nope", "Token invalid/expired"},
			{"missing token", "", "Authentication credentials were not provided."},
		} {
			_, res, err := e.newClient(tc.key).CoreAPI.CoreUsersMeRetrieve(ctx).Execute()
			status, body := apiErr(t, res, err)
			if status != http.StatusForbidden || body["detail"] != tc.detail {
				t.Errorf("%s: %d %v, want 403 %q", tc.name, status, body, tc.detail)
			}
		}
		// A regular user may read users/me but nothing else.
		_, res, err := e.userClient.StagesAPI.StagesInvitationInvitationsList(ctx).Execute()
		status, body := apiErr(t, res, err)
		if status != http.StatusForbidden || body["detail"] != "You do not have permission to perform this action." {
			t.Errorf("non-superuser list: %d %v", status, body)
		}
	})
}

// fixture creates an enrollment flow with an invitation stage bound to it.
func fixture(t *testing.T, e *env, slug string) (*ak.Flow, *ak.InvitationStage) {
	t.Helper()
	ctx := context.Background()
	f, res, err := e.client.FlowsAPI.FlowsInstancesCreate(ctx).FlowRequest(
		*ak.NewFlowRequest("Enroll "+slug, slug, "Welcome", ak.FLOWDESIGNATIONENUM_ENROLLMENT)).Execute()
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("create flow: %v", err)
	}
	st, _, err := e.client.StagesAPI.StagesInvitationStagesCreate(ctx).InvitationStageRequest(
		*ak.NewInvitationStageRequest("invite-" + slug)).Execute()
	if err != nil {
		t.Fatalf("create invitation stage: %v", err)
	}
	b := ak.NewFlowStageBindingRequest(f.Pk, st.Pk, 5)
	b.SetEvaluateOnPlan(true)
	if _, _, err := e.client.FlowsAPI.FlowsBindingsCreate(ctx).FlowStageBindingRequest(*b).Execute(); err != nil {
		t.Fatalf("create binding: %v", err)
	}
	return f, st
}

func TestClientFlowsStagesBindings(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f, st := fixture(t, e, "enroll")
		got, _, err := e.client.FlowsAPI.FlowsInstancesRetrieve(ctx, "enroll").Execute()
		if err != nil || got.Pk != f.Pk || len(got.Stages) != 1 || got.Stages[0] != st.Pk {
			t.Fatalf("retrieve flow = %+v, %v", got, err)
		}
		if got.GetAuthentication() != ak.AUTHENTICATIONENUM_NONE || got.GetLayout() != ak.FLOWLAYOUTENUM_STACKED {
			t.Errorf("flow defaults = %v %v", got.GetAuthentication(), got.GetLayout())
		}
		list, _, err := e.client.FlowsAPI.FlowsInstancesList(ctx).Designation(ak.FLOWDESIGNATIONENUM_ENROLLMENT).Execute()
		if err != nil || list.Pagination.Count != 1 {
			t.Fatalf("list enrollment flows = %v, %v", list, err)
		}
		list, _, _ = e.client.FlowsAPI.FlowsInstancesList(ctx).Designation(ak.FLOWDESIGNATIONENUM_AUTHENTICATION).Execute()
		if list.Pagination.Count != 0 {
			t.Errorf("authentication flows = %d, want 0", int(list.Pagination.Count))
		}
		link, _, err := e.client.FlowsAPI.FlowsInstancesExecuteRetrieve(ctx, "enroll").Execute()
		if err != nil || link.Link != e.srv.URL+"/if/flow/enroll/" {
			t.Errorf("execute = %v, %v", link, err)
		}
		stage, _, err := e.client.StagesAPI.StagesInvitationStagesRetrieve(ctx, st.Pk).Execute()
		if err != nil || len(stage.FlowSet) != 1 || stage.FlowSet[0].Slug != "enroll" || stage.Component != "ak-stage-invitation-form" {
			t.Fatalf("stage = %+v, %v", stage, err)
		}
		bindings, _, err := e.client.FlowsAPI.FlowsBindingsList(ctx).Target(f.Pk).Execute()
		if err != nil || len(bindings.Results) != 1 || bindings.Results[0].StageObj.Name != "invite-enroll" {
			t.Fatalf("bindings = %v, %v", bindings, err)
		}
		all, _, err := e.client.StagesAPI.StagesAllList(ctx).Execute()
		if err != nil || all.Pagination.Count != 1 {
			t.Fatalf("stages/all = %v, %v", all, err)
		}

		// Validation messages, quoted from authentik.
		bad := ak.NewFlowStageBindingRequest(f.Pk, st.Pk, 10)
		bad.SetEvaluateOnPlan(false)
		bad.SetReEvaluatePolicies(false)
		_, res, err := e.client.FlowsAPI.FlowsBindingsCreate(ctx).FlowStageBindingRequest(*bad).Execute()
		status, body := apiErr(t, res, err)
		if status != 400 || firstMsg(body, "non_field_errors") != "Either evaluation on plan or evaluation on run must be enabled" {
			t.Errorf("binding flags: %d %v", status, body)
		}
		_, res, err = e.client.FlowsAPI.FlowsInstancesCreate(ctx).FlowRequest(
			*ak.NewFlowRequest("Again", "enroll", "t", ak.FLOWDESIGNATIONENUM_ENROLLMENT)).Execute()
		status, body = apiErr(t, res, err)
		if status != 400 || firstMsg(body, "slug") != "Flow with this slug already exists." {
			t.Errorf("duplicate slug: %d %v", status, body)
		}
		_, res, err = e.client.StagesAPI.StagesInvitationStagesCreate(ctx).InvitationStageRequest(
			*ak.NewInvitationStageRequest("invite-enroll")).Execute()
		status, body = apiErr(t, res, err)
		if status != 400 || firstMsg(body, "name") != "stage with this name already exists." {
			t.Errorf("duplicate stage name: %d %v", status, body)
		}
	})
}

func TestClientInvitations(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		f, _ := fixture(t, e, "enroll")
		other, _ := fixture(t, e, "other")
		inv := e.client.StagesAPI

		expires := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		req := ak.NewInvitationRequest("welcome-jane")
		req.SetFlow(f.Pk)
		req.SetSingleUse(true)
		req.SetExpires(expires)
		req.SetFixedData(map[string]any{"email": "jane@example.com"})
		created, res, err := inv.StagesInvitationInvitationsCreate(ctx).InvitationRequest(*req).Execute()
		if err != nil || res.StatusCode != http.StatusCreated {
			t.Fatalf("create: %v", err)
		}
		if created.CreatedBy.Username != "akadmin" || !created.GetSingleUse() || created.FlowObj.Slug != "enroll" ||
			!created.GetExpires().Equal(expires) || created.FixedData["email"] != "jane@example.com" {
			t.Fatalf("created = %+v", created)
		}
		extra := created.AdditionalProperties
		if extra["max_uses"] != float64(1) || extra["uses"] != float64(0) || extra["status"] != "active" ||
			extra["link"] != e.srv.URL+"/if/flow/enroll/?itoken="+created.Pk {
			t.Fatalf("usher extras = %v", extra)
		}

		// More invitations for filters, paging and ordering.
		for i, name := range []string{"team-a", "team-b", "team-c"} {
			r := ak.NewInvitationRequest(name)
			r.SetFlow(other.Pk)
			r.SetExpires(expires.Add(time.Duration(i+1) * time.Hour))
			if _, _, err := inv.StagesInvitationInvitationsCreate(ctx).InvitationRequest(*r).Execute(); err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
		}
		count := func(r ak.ApiStagesInvitationInvitationsListRequest) (int, []string) {
			t.Helper()
			l, _, err := r.Execute()
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			var names []string
			for _, i := range l.Results {
				names = append(names, i.Name)
			}
			return int(l.Pagination.Count), names
		}
		list := func() ak.ApiStagesInvitationInvitationsListRequest {
			return inv.StagesInvitationInvitationsList(ctx)
		}
		for _, tc := range []struct {
			name string
			req  ak.ApiStagesInvitationInvitationsListRequest
			want string
		}{
			{"default ordering -expires", list(), "team-c,team-b,team-a,welcome-jane"},
			{"name", list().Name("team-b"), "team-b"},
			{"flow__slug", list().FlowSlug("enroll"), "welcome-jane"},
			{"created_by__username", list().CreatedByUsername("akadmin").Ordering("name"), "team-a,team-b,team-c,welcome-jane"},
			{"created_by__username none", list().CreatedByUsername("alice"), ""},
			{"expires", list().Expires(expires), "welcome-jane"},
			{"search", list().Search("TEAM").Ordering("-name"), "team-c,team-b,team-a"},
			{"ordering name", list().Ordering("name"), "team-a,team-b,team-c,welcome-jane"},
			{"page 2 of size 3", list().Ordering("name").PageSize(3).Page(2), "welcome-jane"},
		} {
			_, names := count(tc.req)
			if got := strings.Join(names, ","); got != tc.want {
				t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
			}
		}
		l, _, _ := list().PageSize(3).Execute()
		if p := l.Pagination; p.Count != 4 || p.TotalPages != 2 || p.Next != 2 || p.Previous != 0 || p.StartIndex != 1 || p.EndIndex != 3 {
			t.Errorf("pagination = %+v", p)
		}

		// Update (PUT) and partial update (PATCH).
		put := ak.NewInvitationRequest("welcome-jane-2")
		put.SetFlow(f.Pk)
		put.SetSingleUse(false)
		updated, _, err := inv.StagesInvitationInvitationsUpdate(ctx, created.Pk).InvitationRequest(*put).Execute()
		if err != nil || updated.Name != "welcome-jane-2" || updated.GetSingleUse() || updated.AdditionalProperties["max_uses"] != nil {
			t.Fatalf("update = %+v, %v", updated, err)
		}
		patch := ak.NewPatchedInvitationRequest()
		patch.SetFixedData(map[string]any{"name": "Jane"})
		patched, _, err := inv.StagesInvitationInvitationsPartialUpdate(ctx, created.Pk).PatchedInvitationRequest(*patch).Execute()
		if err != nil || patched.Name != "welcome-jane-2" || patched.FixedData["name"] != "Jane" || patched.CreatedBy.Username != "akadmin" {
			t.Fatalf("patch = %+v, %v", patched, err)
		}

		// used_by lists recorded uses.
		pk := e.user.PK
		must(t, e.store.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: created.Pk, UserPK: &pk, Username: "alice"}))
		used, _, err := inv.StagesInvitationInvitationsUsedByList(ctx, created.Pk).Execute()
		if err != nil || len(used) != 1 || used[0].Name != "alice" || used[0].Action != ak.USEDBYACTIONENUM_CASCADE {
			t.Fatalf("used_by = %+v, %v", used, err)
		}
		again, _, _ := inv.StagesInvitationInvitationsRetrieve(ctx, created.Pk).Execute()
		if again.AdditionalProperties["uses"] != float64(1) {
			t.Errorf("uses after one use = %v", again.AdditionalProperties["uses"])
		}

		// Errors, with authentik's messages.
		for _, tc := range []struct {
			name  string
			req   *ak.InvitationRequest
			field string
			msg   string
		}{
			{"bad name", ak.NewInvitationRequest("not a slug!"), "name",
				"Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."},
			{"unknown flow", func() *ak.InvitationRequest {
				r := ak.NewInvitationRequest("x")
				r.SetFlow("00000000-0000-4000-8000-000000000000")
				return r
			}(), "flow", `Invalid pk "00000000-0000-4000-8000-000000000000" - object does not exist.`},
		} {
			_, res, err := inv.StagesInvitationInvitationsCreate(ctx).InvitationRequest(*tc.req).Execute()
			status, body := apiErr(t, res, err)
			if status != 400 || firstMsg(body, tc.field) != tc.msg {
				t.Errorf("%s: %d %v", tc.name, status, body)
			}
		}

		// Delete.
		res, err = inv.StagesInvitationInvitationsDestroy(ctx, created.Pk).Execute()
		if err != nil || res.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: %v", err)
		}
		_, res, err = inv.StagesInvitationInvitationsRetrieve(ctx, created.Pk).Execute()
		if status, body := apiErr(t, res, err); status != 404 || body["detail"] != "Not found." {
			t.Errorf("retrieve deleted: %d %v", status, body)
		}

		// Audit events were recorded for each write.
		evs, _, err := e.store.ListEvents(ctx, store.EventFilter{Action: "model_created"})
		if err != nil || len(evs) < 4 {
			t.Fatalf("model_created events = %d, %v", len(evs), err)
		}
		del, _, _ := e.store.ListEvents(ctx, store.EventFilter{Action: "model_deleted"})
		if len(del) != 1 {
			t.Fatalf("model_deleted events = %d", len(del))
		}
		m, _ := del[0].Context["model"].(map[string]any)
		if m["app"] != "authentik_stages_invitation" || m["model_name"] != "invitation" || m["name"] != "welcome-jane-2" ||
			m["pk"] != event.InvitationRef(created.Pk) {
			t.Errorf("model_deleted context = %v", del[0].Context)
		}
	})
}

func TestClientUsersGroups(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		g, res, err := e.client.CoreAPI.CoreGroupsCreate(ctx).GroupRequest(*ak.NewGroupRequest("engineering")).Execute()
		if err != nil || res.StatusCode != 201 {
			t.Fatalf("create group: %v", err)
		}
		ureq := ak.NewUserRequest("bob", "Bob")
		ureq.SetEmail("bob@example.com")
		ureq.SetGroups([]string{g.Pk})
		ureq.SetPath("users/engineering")
		u, _, err := e.client.CoreAPI.CoreUsersCreate(ctx).UserRequest(*ureq).Execute()
		if err != nil || u.Username != "bob" || len(u.GroupsObj) != 1 || u.GroupsObj[0].Name != "engineering" || u.GetType() != ak.USERTYPEENUM_INTERNAL {
			t.Fatalf("create user = %+v, %v", u, err)
		}
		got, _, err := e.client.CoreAPI.CoreGroupsRetrieve(ctx, g.Pk).Execute()
		if err != nil || len(got.UsersObj) != 1 || got.UsersObj[0].Username != "bob" {
			t.Fatalf("group = %+v, %v", got, err)
		}
		users, _, err := e.client.CoreAPI.CoreUsersList(ctx).Search("bo").Execute()
		if err != nil || users.Pagination.Count != 1 || users.Results[0].Username != "bob" {
			t.Fatalf("users search = %+v, %v", users, err)
		}
		paths, _, err := e.client.CoreAPI.CoreUsersPathsRetrieve(ctx).Execute()
		if err != nil || !strings.Contains(strings.Join(paths.Paths, ","), "users/engineering") {
			t.Fatalf("paths = %v, %v", paths, err)
		}
		bad := ak.NewUserRequest("carol", "Carol")
		bad.SetPath("/users")
		_, res, err = e.client.CoreAPI.CoreUsersCreate(ctx).UserRequest(*bad).Execute()
		if status, body := apiErr(t, res, err); status != 400 || firstMsg(body, "path") != "No leading or trailing slashes allowed." {
			t.Errorf("bad path: %d %v", status, body)
		}
		dup := ak.NewUserRequest("bob", "Bob 2")
		_, res, err = e.client.CoreAPI.CoreUsersCreate(ctx).UserRequest(*dup).Execute()
		if status, body := apiErr(t, res, err); status != 400 || firstMsg(body, "username") != "A user with that username already exists." {
			t.Errorf("duplicate user: %d %v", status, body)
		}
	})
}
