package console_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/http/console"
	"github.com/usher-id/usher/internal/store"
)

// TestManualSetup follows authentik's invitations guide's "Manual setup (without
// blueprints)", "Automatic group assignment" and "User paths" through the
// console's forms, then checks the rows.
func TestManualSetup(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	b := f.browser(t, &admin)
	ctx := context.Background()

	b.get(t, "/if/admin/stages/new/").expect(t, 200, "", "Invitation Stage", "Prompt Stage", "User Write Stage", "User Login Stage",
		"Identification Stage", "Password Stage", "User Logout Stage", "Deny Stage")
	b.get(t, "/if/admin/stages/new/?type=invitation").expect(t, 200, "", "Create Invitation Stage", "Continue flow without invitation")

	// Step 1: the invitation stage; a duplicate name is refused beside the field.
	b.post(t, "/if/admin/stages/new/?type=invitation", url.Values{"name": {"enrollment-invitation-stage"}}).expect(t, 303, "/if/admin/stages/")
	b.post(t, "/if/admin/stages/new/?type=invitation", url.Values{"name": {"enrollment-invitation-stage"}}).
		expect(t, 422, "", "already exists", `value="enrollment-invitation-stage"`)

	// Step 2: the enrollment flow.
	b.post(t, "/if/admin/flows/new/", url.Values{"name": {"Invitation enrollment"}, "title": {"Welcome"}, "slug": {"bad slug"},
		"designation": {"enrollment"}, "authentication": {"require_unauthenticated"}, "policy_engine_mode": {"any"},
		"denied_action": {"message_continue"}, "layout": {"stacked"}}).expect(t, 422, "", "Enter a valid “slug”")
	b.post(t, "/if/admin/flows/new/", url.Values{"name": {"Invitation enrollment"}, "title": {"Welcome"}, "slug": {"invitation-enrollment"},
		"designation": {"enrollment"}, "authentication": {"require_unauthenticated"}, "policy_engine_mode": {"any"},
		"denied_action": {"message_continue"}, "layout": {"stacked"}}).expect(t, 303, "/if/admin/flows/invitation-enrollment/")
	flow, err := f.st.GetFlowBySlug(ctx, "invitation-enrollment")
	if err != nil || flow.Authentication != "require_unauthenticated" || flow.Designation != "enrollment" {
		t.Fatalf("flow: %+v %v", flow, err)
	}
	b.get(t, "/if/admin/flows/invitation-enrollment/bindings/").expect(t, 200, "", "Stage Bindings", "Bind Stage", "has no invitation stage")

	// Prompts and the other stages.
	prompt := func(name, key, typ string, order string) string {
		b.post(t, "/if/admin/prompts/new/", url.Values{"name": {name}, "field_key": {key}, "label": {key}, "type": {typ},
			"required": {"on"}, "order": {order}}).expect(t, 303, "/if/admin/prompts/")
		p, err := f.st.GetPromptByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return p.UUID
	}
	creds := url.Values{"name": {"credentials"}, "fields": {prompt("f-username", "username", "username", "0"),
		prompt("f-password", "password", "password", "1"), prompt("f-password-repeat", "password_repeat", "password", "2")}}
	details := url.Values{"name": {"details"}, "fields": {prompt("f-name", "name", "text", "0"), prompt("f-email", "email", "email", "1")}}
	b.post(t, "/if/admin/stages/new/?type=prompt", creds).expect(t, 303, "")
	b.post(t, "/if/admin/stages/new/?type=prompt", details).expect(t, 303, "")
	b.post(t, "/if/admin/groups/new/", url.Values{"name": {"engineering-team"}, "attributes": {"{}"}}).expect(t, 303, "")
	group, err := f.st.GetGroupByName(ctx, "engineering-team")
	if err != nil {
		t.Fatal(err)
	}
	b.get(t, "/if/admin/stages/new/?type=user_write").expect(t, 200, "", "Create users group", "User path template", "User type", "engineering-team")
	b.post(t, "/if/admin/stages/new/?type=user_write", url.Values{"name": {"write"}, "user_creation_mode": {"always_create"},
		"user_type": {"internal"}, "user_path_template": {"users/internal/engineering"}, "create_users_group": {group.UUID}}).expect(t, 303, "")
	b.post(t, "/if/admin/stages/new/?type=user_login", url.Values{"name": {"login"}, "session_duration": {"seconds=0"},
		"remember_me_offset": {"seconds=0"}, "network_binding": {"no_binding"}, "geoip_binding": {"no_binding"}, "remember_device": {"days=30"}}).expect(t, 303, "")

	// Step 3: bind them in order; a binding with both evaluations off is refused.
	stageID := func(name string) string {
		s, err := f.st.GetStageByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return s.UUID
	}
	bindURL := "/if/admin/flows/invitation-enrollment/bindings/new/"
	b.get(t, bindURL).expect(t, 200, "", "Bind Stage to Invitation enrollment", "Evaluate on plan", "Re-evaluate policies", `value="10"`)
	b.post(t, bindURL, url.Values{"stage": {stageID("enrollment-invitation-stage")}, "order": {"10"}, "invalid_response_action": {"retry"},
		"policy_engine_mode": {"any"}}).expect(t, 422, "", "Either evaluation on plan or evaluation on run must be enabled")
	for i, s := range []string{"enrollment-invitation-stage", "credentials", "details", "write", "login"} {
		b.post(t, bindURL, url.Values{"stage": {stageID(s)}, "order": {[]string{"10", "20", "30", "40", "100"}[i]},
			"evaluate_on_plan": {"on"}, "re_evaluate_policies": {"on"}, "invalid_response_action": {"retry"}, "policy_engine_mode": {"any"}}).
			expect(t, 303, "/if/admin/flows/invitation-enrollment/bindings/")
	}
	r := b.get(t, "/if/admin/flows/invitation-enrollment/bindings/")
	r.expect(t, 200, "", "enrollment-invitation-stage", "evaluate on plan")
	if strings.Contains(r.body, "has no invitation stage") {
		t.Fatal("warning still shown after binding the invitation stage")
	}
	order := []string{"enrollment-invitation-stage", "credentials", "details", "write", "login"}
	last := -1
	for _, name := range order {
		i := strings.Index(r.body, "<strong>"+name+"</strong>")
		if i < last {
			t.Fatalf("stage %s shown out of order", name)
		}
		last = i
	}
	bs, _ := f.st.ListBindings(ctx, flow.UUID)
	if len(bs) != 5 || bs[0].Order != 10 || !bs[0].EvaluateOnPlan || bs[4].Order != 100 {
		t.Fatalf("bindings: %+v", bs)
	}
	w, _ := f.st.GetStageByName(ctx, "write")
	if w.UserWrite == nil || w.UserWrite.UserPathTemplate != "users/internal/engineering" || w.UserWrite.CreateUsersGroup == nil ||
		*w.UserWrite.CreateUsersGroup != group.UUID || w.UserWrite.UserType != "internal" || w.UserWrite.UserCreationMode != "always_create" {
		t.Fatalf("user write stage: %+v", w.UserWrite)
	}
	ps, _ := f.st.GetStageByName(ctx, "credentials")
	if len(ps.Prompt.Fields) != 3 {
		t.Fatalf("prompt stage fields: %+v", ps.Prompt)
	}
	// Editing a stage shows its saved settings.
	b.get(t, "/if/admin/stages/"+w.UUID+"/edit/").expect(t, 200, "", `value="users/internal/engineering"`,
		`<option value="`+group.UUID+`" selected>engineering-team</option>`)
	b.get(t, "/if/admin/prompts/").expect(t, 200, "", "credentials", "details")
	b.get(t, "/if/admin/stages/").expect(t, 200, "", "invitation-enrollment")

	// Step 4: the flow is offered for invitations without a warning.
	b.get(t, "/if/admin/invitations/new/").expect(t, 200, "", "Invitation enrollment (invitation-enrollment)</option>")

	// Removing a binding asks first.
	bid := bs[4].UUID
	b.get(t, "/if/admin/flows/invitation-enrollment/bindings/"+bid+"/delete/").expect(t, 200, "", "Delete Stage binding")
	b.post(t, "/if/admin/flows/invitation-enrollment/bindings/"+bid+"/delete/", nil).expect(t, 303, "/if/admin/flows/invitation-enrollment/bindings/")
	if bs, _ := f.st.ListBindings(ctx, flow.UUID); len(bs) != 4 {
		t.Fatalf("binding not removed: %d left", len(bs))
	}
}

// TestDirectoryAndBrand covers users, groups, applications and the brand's
// default application (the external-users troubleshooting case).
func TestDirectoryAndBrand(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	b := f.browser(t, &admin)
	ctx := context.Background()

	b.post(t, "/if/admin/users/new/", url.Values{"username": {"jane"}, "name": {"Jane"}, "type": {"external"}, "path": {"/users/"},
		"is_active": {"on"}, "attributes": {"{}"}}).expect(t, 422, "", "No leading or trailing slashes allowed.", `value="jane"`)
	b.post(t, "/if/admin/users/new/", url.Values{"username": {"jane"}, "name": {"Jane"}, "type": {"external"}, "path": {"users/external"},
		"is_active": {"on"}, "attributes": {"dept: sales"}}).expect(t, 303, "/if/admin/users/")
	jane, err := f.st.GetUserByUsername(ctx, "jane")
	if err != nil || jane.Path != "users/external" || jane.Attributes["dept"] != "sales" {
		t.Fatalf("jane: %+v %v", jane, err)
	}
	b.get(t, "/if/admin/users/").expect(t, 200, "", "All users", "external", "jane")
	r := b.get(t, "/if/admin/users/?path=users/external")
	r.expect(t, 200, "", "jane")
	if strings.Contains(r.body, ">admin</strong>") {
		t.Fatal("path filter did not filter")
	}

	// Groups: membership from the group page.
	b.post(t, "/if/admin/groups/new/", url.Values{"name": {"staff"}, "attributes": {""}}).expect(t, 303, "")
	g, _ := f.st.GetGroupByName(ctx, "staff")
	b.post(t, "/if/admin/groups/"+g.UUID+"/members/", url.Values{"username": {"nobody"}}).expect(t, 422, "", "No user with the username")
	b.post(t, "/if/admin/groups/"+g.UUID+"/members/", url.Values{"username": {"jane"}}).expect(t, 303, "")
	b.get(t, "/if/admin/groups/"+g.UUID+"/").expect(t, 200, "", "jane")
	if gs, _ := f.st.UserGroups(ctx, jane.PK); len(gs) != 1 {
		t.Fatal("jane not in staff")
	}

	// Set password and deactivate.
	base := "/if/admin/users/" + itoa(jane.PK) + "/"
	b.post(t, base+"password/", url.Values{"password": {"s3cret"}, "password_repeat": {"other"}}).expect(t, 422, "", "Passwords don&#39;t match.")
	b.post(t, base+"password/", url.Values{"password": {"s3cret"}, "password_repeat": {"s3cret"}}).expect(t, 303, base)
	b.get(t, base+"active/").expect(t, 200, "", "Deactivate jane?")
	b.post(t, base+"active/", nil).expect(t, 303, base)
	jane, _ = f.st.GetUser(ctx, jane.PK)
	if jane.IsActive {
		t.Fatal("jane still active")
	}
	if ok, _ := f.app.Passwords.Verify(jane.Password, "s3cret"); !ok {
		t.Fatal("password not set")
	}

	// The troubleshooting case: an external user sees the message until the
	// brand has a default application.
	ext := f.user(t, "ext", store.UserTypeExternal, false)
	eb := f.browser(t, &ext)
	eb.get(t, "/").expect(t, 200, "", console.InternalOnlyMessage)
	b.post(t, "/if/admin/applications/new/", url.Values{"name": {"Portal"}, "slug": {"portal"}, "meta_launch_url": {"javascript:alert(1)"},
		"policy_engine_mode": {"any"}}).expect(t, 422, "", "Enter a URL starting with")
	b.post(t, "/if/admin/applications/new/", url.Values{"name": {"Portal"}, "slug": {"portal"}, "meta_launch_url": {"https://portal.example.com/"},
		"policy_engine_mode": {"any"}}).expect(t, 303, "/if/admin/applications/")
	app, _ := f.st.GetApplicationBySlug(ctx, "portal")
	b.get(t, "/if/admin/brands/new/").expect(t, 200, "", "Default application", "Portal (portal)",
		"When set, external users will be redirected to this application after authenticating.")
	b.post(t, "/if/admin/brands/new/", url.Values{"domain": {"127.0.0.1"}, "default": {"on"}, "branding_title": {"Acme"},
		"default_application": {app.UUID}}).expect(t, 303, "/if/admin/brands/")
	eb.get(t, "/").expect(t, 302, "/application/launch/portal/")
	b.get(t, "/if/admin/brands/").expect(t, 200, "", "Portal", "Acme")
	b.get(t, "/if/admin/events/?action=model_created").expect(t, 200, "", "model_created", "application")
	b.get(t, "/if/admin/blueprints/").expect(t, 200, "", "Blueprints")
	b.get(t, "/if/admin/policies/").expect(t, 200, "", "Policies")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
