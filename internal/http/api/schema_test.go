package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/testkit"

	ak "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/store"
)

// The schema audit: a server populated by authentik's example invitation
// blueprint plus one object of every other model, read back through every
// list and retrieve method of authentik's Go client (whose decoders refuse
// missing required properties, wrong types and unknown enum values) and
// checked raw against authentik's OpenAPI schema.

// schemaFixture holds the objects the audit reads back.
type schemaFixture struct {
	flow, otherFlow           *ak.Flow
	binding                   *ak.FlowStageBinding
	invStage                  *ak.InvitationStage
	prompt                    *ak.Prompt
	promptStage               *ak.PromptStage
	userWrite                 *ak.UserWriteStage
	userLogin                 *ak.UserLoginStage
	ident                     *ak.IdentificationStage
	password                  *ak.PasswordStage
	logout                    *ak.UserLogoutStage
	deny                      *ak.DenyStage
	invitation                *ak.Invitation
	flowless                  string // invitation without a flow (pk)
	group, child              *ak.Group
	user                      *ak.User
	app                       *ak.Application
	brand                     *ak.Brand
	policy                    *ak.ExpressionPolicy
	pbPolicy, pbGroup, pbUser *ak.PolicyBinding
	instance                  *ak.BlueprintInstance
	event                     string
}

// ok fails the test when a client call failed, showing the server's body.
func ok(t *testing.T, what string, res *http.Response, err error, status int) {
	t.Helper()
	if err != nil {
		body := ""
		if ge, isGE := err.(*ak.GenericOpenAPIError); isGE {
			body = string(ge.Body())
		}
		t.Fatalf("%s: %v %s", what, err, body)
	}
	if res.StatusCode != status {
		t.Fatalf("%s: status %d, want %d", what, res.StatusCode, status)
	}
}

// applyExample applies authentik's example blueprint unmodified.
func applyExample(t *testing.T, e *env) {
	t.Helper()
	data, err := os.ReadFile(testkit.ExampleBlueprint(t, "flows-invitation-enrollment.yaml"))
	if err != nil {
		t.Skip("example blueprint not available:", err)
	}
	bp, err := blueprint.Parse(data, "flows-invitation-enrollment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := blueprint.Apply(context.Background(), e.app, bp, blueprint.Options{}); err != nil || !res.Success {
		t.Fatalf("apply example blueprint: %v %+v", err, res.Logs)
	}
}

// newSchemaFixture creates and then updates one object of every writable
// model through the client (so create and update requests are audited too).
func newSchemaFixture(t *testing.T, e *env) *schemaFixture {
	t.Helper()
	ctx := context.Background()
	c := e.client
	fx := &schemaFixture{}
	applyExample(t, e)
	var res *http.Response
	var err error

	// Flows and stages.
	fr := ak.NewFlowRequest("Audit", "audit", "Audit", ak.FLOWDESIGNATIONENUM_ENROLLMENT)
	fr.SetAuthentication(ak.AUTHENTICATIONENUM_REQUIRE_UNAUTHENTICATED)
	fx.flow, res, err = c.FlowsAPI.FlowsInstancesCreate(ctx).FlowRequest(*fr).Execute()
	ok(t, "flow create", res, err, 201)
	fr.SetTitle("Audit, again")
	fx.flow, res, err = c.FlowsAPI.FlowsInstancesUpdate(ctx, "audit").FlowRequest(*fr).Execute()
	ok(t, "flow update", res, err, 200)
	fx.otherFlow, res, err = c.FlowsAPI.FlowsInstancesCreate(ctx).FlowRequest(
		*ak.NewFlowRequest("Login", "audit-login", "Login", ak.FLOWDESIGNATIONENUM_AUTHENTICATION)).Execute()
	ok(t, "other flow create", res, err, 201)

	isr := ak.NewInvitationStageRequest("audit-invitation")
	fx.invStage, res, err = c.StagesAPI.StagesInvitationStagesCreate(ctx).InvitationStageRequest(*isr).Execute()
	ok(t, "invitation stage create", res, err, 201)
	isr.SetContinueFlowWithoutInvitation(true)
	fx.invStage, res, err = c.StagesAPI.StagesInvitationStagesUpdate(ctx, fx.invStage.Pk).InvitationStageRequest(*isr).Execute()
	ok(t, "invitation stage update", res, err, 200)

	bq := ak.NewFlowStageBindingRequest(fx.flow.Pk, fx.invStage.Pk, 10)
	fx.binding, res, err = c.FlowsAPI.FlowsBindingsCreate(ctx).FlowStageBindingRequest(*bq).Execute()
	ok(t, "binding create", res, err, 201)
	bq.SetEvaluateOnPlan(true)
	bq.SetInvalidResponseAction(ak.INVALIDRESPONSEACTIONENUM_RESTART)
	fx.binding, res, err = c.FlowsAPI.FlowsBindingsUpdate(ctx, fx.binding.Pk).FlowStageBindingRequest(*bq).Execute()
	ok(t, "binding update", res, err, 200)

	pr := ak.NewPromptRequest("audit-field-nickname", "attributes.nickname", "Nickname", ak.PROMPTTYPEENUM_TEXT)
	fx.prompt, res, err = c.StagesAPI.StagesPromptPromptsCreate(ctx).PromptRequest(*pr).Execute()
	ok(t, "prompt create", res, err, 201)
	pr.SetRequired(false)
	pr.SetOrder(30)
	fx.prompt, res, err = c.StagesAPI.StagesPromptPromptsUpdate(ctx, fx.prompt.Pk).PromptRequest(*pr).Execute()
	ok(t, "prompt update", res, err, 200)

	pol := ak.NewExpressionPolicyRequest("audit-policy", "return True")
	fx.policy, res, err = c.PoliciesAPI.PoliciesExpressionCreate(ctx).ExpressionPolicyRequest(*pol).Execute()
	ok(t, "policy create", res, err, 201)
	pol.SetExecutionLogging(true)
	fx.policy, res, err = c.PoliciesAPI.PoliciesExpressionUpdate(ctx, fx.policy.Pk).ExpressionPolicyRequest(*pol).Execute()
	ok(t, "policy update", res, err, 200)

	psr := ak.NewPromptStageRequest("audit-prompts", []string{fx.prompt.Pk})
	fx.promptStage, res, err = c.StagesAPI.StagesPromptStagesCreate(ctx).PromptStageRequest(*psr).Execute()
	ok(t, "prompt stage create", res, err, 201)
	psr.SetValidationPolicies([]string{fx.policy.Pk})
	fx.promptStage, res, err = c.StagesAPI.StagesPromptStagesUpdate(ctx, fx.promptStage.Pk).PromptStageRequest(*psr).Execute()
	ok(t, "prompt stage update", res, err, 200)

	// Groups and users.
	gr := ak.NewGroupRequest("audit-staff")
	gr.SetAttributes(map[string]any{"floor": 3})
	fx.group, res, err = c.CoreAPI.CoreGroupsCreate(ctx).GroupRequest(*gr).Execute()
	ok(t, "group create", res, err, 201)
	gr.SetIsSuperuser(false)
	fx.group, res, err = c.CoreAPI.CoreGroupsUpdate(ctx, fx.group.Pk).GroupRequest(*gr).Execute()
	ok(t, "group update", res, err, 200)
	cr := ak.NewGroupRequest("audit-staff-child")
	cr.SetParents([]string{fx.group.Pk})
	fx.child, res, err = c.CoreAPI.CoreGroupsCreate(ctx).GroupRequest(*cr).Execute()
	ok(t, "child group create", res, err, 201)

	ur := ak.NewUserRequest("audit-bob", "Bob")
	ur.SetEmail("bob@example.com")
	ur.SetGroups([]string{fx.child.Pk})
	ur.SetPath("users/audit")
	ur.SetType(ak.USERTYPEENUM_EXTERNAL)
	ur.SetAttributes(map[string]any{"team": "red"})
	fx.user, res, err = c.CoreAPI.CoreUsersCreate(ctx).UserRequest(*ur).Execute()
	ok(t, "user create", res, err, 201)
	ur.SetName("Bob Builder")
	fx.user, res, err = c.CoreAPI.CoreUsersUpdate(ctx, fx.user.Pk).UserRequest(*ur).Execute()
	ok(t, "user update", res, err, 200)

	uwr := ak.NewUserWriteStageRequest("audit-write")
	uwr.SetCreateUsersGroup(fx.group.Pk)
	fx.userWrite, res, err = c.StagesAPI.StagesUserWriteCreate(ctx).UserWriteStageRequest(*uwr).Execute()
	ok(t, "user write create", res, err, 201)
	uwr.SetUserCreationMode(ak.USERCREATIONMODEENUM_ALWAYS_CREATE)
	fx.userWrite, res, err = c.StagesAPI.StagesUserWriteUpdate(ctx, fx.userWrite.Pk).UserWriteStageRequest(*uwr).Execute()
	ok(t, "user write update", res, err, 200)

	ulr := ak.NewUserLoginStageRequest("audit-login")
	fx.userLogin, res, err = c.StagesAPI.StagesUserLoginCreate(ctx).UserLoginStageRequest(*ulr).Execute()
	ok(t, "user login create", res, err, 201)
	ulr.SetSessionDuration("hours=8")
	fx.userLogin, res, err = c.StagesAPI.StagesUserLoginUpdate(ctx, fx.userLogin.Pk).UserLoginStageRequest(*ulr).Execute()
	ok(t, "user login update", res, err, 200)

	pwr := ak.NewPasswordStageRequest("audit-password", []ak.BackendsEnum{ak.BACKENDSENUM_AUTHENTIK_CORE_AUTH_INBUILT_BACKEND})
	fx.password, res, err = c.StagesAPI.StagesPasswordCreate(ctx).PasswordStageRequest(*pwr).Execute()
	ok(t, "password create", res, err, 201)
	pwr.SetFailedAttemptsBeforeCancel(3)
	fx.password, res, err = c.StagesAPI.StagesPasswordUpdate(ctx, fx.password.Pk).PasswordStageRequest(*pwr).Execute()
	ok(t, "password update", res, err, 200)

	idr := ak.NewIdentificationStageRequest("audit-identification")
	idr.SetUserFields([]ak.UserFieldsEnum{ak.USERFIELDSENUM_USERNAME})
	idr.SetPasswordStage(fx.password.Pk)
	idr.SetEnrollmentFlow(fx.flow.Pk)
	fx.ident, res, err = c.StagesAPI.StagesIdentificationCreate(ctx).IdentificationStageRequest(*idr).Execute()
	ok(t, "identification create", res, err, 201)
	idr.SetShowMatchedUser(false)
	fx.ident, res, err = c.StagesAPI.StagesIdentificationUpdate(ctx, fx.ident.Pk).IdentificationStageRequest(*idr).Execute()
	ok(t, "identification update", res, err, 200)

	lor := ak.NewUserLogoutStageRequest("audit-logout")
	fx.logout, res, err = c.StagesAPI.StagesUserLogoutCreate(ctx).UserLogoutStageRequest(*lor).Execute()
	ok(t, "logout create", res, err, 201)
	lor.SetName("audit-logout-2")
	fx.logout, res, err = c.StagesAPI.StagesUserLogoutUpdate(ctx, fx.logout.Pk).UserLogoutStageRequest(*lor).Execute()
	ok(t, "logout update", res, err, 200)

	dr := ak.NewDenyStageRequest("audit-deny")
	fx.deny, res, err = c.StagesAPI.StagesDenyCreate(ctx).DenyStageRequest(*dr).Execute()
	ok(t, "deny create", res, err, 201)
	dr.SetDenyMessage("Not today.")
	fx.deny, res, err = c.StagesAPI.StagesDenyUpdate(ctx, fx.deny.Pk).DenyStageRequest(*dr).Execute()
	ok(t, "deny update", res, err, 200)

	// Invitations: one bound to the flow, one universal (no flow).
	ir := ak.NewInvitationRequest("audit-invite")
	ir.SetFlow(fx.flow.Pk)
	ir.SetExpires(time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC))
	ir.SetFixedData(map[string]any{"email": "x@example.com"})
	fx.invitation, res, err = c.StagesAPI.StagesInvitationInvitationsCreate(ctx).InvitationRequest(*ir).Execute()
	ok(t, "invitation create", res, err, 201)
	ir.SetSingleUse(true)
	fx.invitation, res, err = c.StagesAPI.StagesInvitationInvitationsUpdate(ctx, fx.invitation.Pk).InvitationRequest(*ir).Execute()
	ok(t, "invitation update", res, err, 200)
	pk := fx.user.Pk
	uPK := int64(pk)
	must(t, e.store.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: fx.invitation.Pk, UserPK: &uPK, Username: fx.user.Username}))
	// The client cannot read a flowless invitation back (flow_obj is null,
	// see TestSchemaFlowlessInvitation), so it is created raw; its name has
	// no "-", so list searches for "-" leave it out.
	status, m, raw := e.do("POST", "/api/v3/stages/invitation/invitations/", map[string]any{"name": "universal"}, e.adminKey)
	if status != 201 {
		t.Fatalf("flowless invitation: %d %s", status, raw)
	}
	fx.flowless = m["pk"].(string)

	// Applications and brands.
	ar := ak.NewApplicationRequest("Audit Wiki", "audit-wiki")
	ar.SetMetaLaunchUrl("https://wiki.example.com/")
	fx.app, res, err = c.CoreAPI.CoreApplicationsCreate(ctx).ApplicationRequest(*ar).Execute()
	ok(t, "application create", res, err, 201)
	ar.SetMetaPublisher("Example")
	fx.app, res, err = c.CoreAPI.CoreApplicationsUpdate(ctx, "audit-wiki").ApplicationRequest(*ar).Execute()
	ok(t, "application update", res, err, 200)

	br := ak.NewBrandRequest("audit.example.com")
	br.SetFlowAuthentication(fx.otherFlow.Pk)
	br.SetDefaultApplication(fx.app.Pk)
	fx.brand, res, err = c.CoreAPI.CoreBrandsCreate(ctx).BrandRequest(*br).Execute()
	ok(t, "brand create", res, err, 201)
	br.SetBrandingTitle("Audit")
	fx.brand, res, err = c.CoreAPI.CoreBrandsUpdate(ctx, fx.brand.BrandUuid).BrandRequest(*br).Execute()
	ok(t, "brand update", res, err, 200)

	// Policy bindings of each kind, on each kind of target.
	pbr := ak.NewPolicyBindingRequest(fx.flow.Pk, 0)
	pbr.SetPolicy(fx.policy.Pk)
	fx.pbPolicy, res, err = c.PoliciesAPI.PoliciesBindingsCreate(ctx).PolicyBindingRequest(*pbr).Execute()
	ok(t, "policy binding create", res, err, 201)
	pbr.SetTimeout(10)
	fx.pbPolicy, res, err = c.PoliciesAPI.PoliciesBindingsUpdate(ctx, fx.pbPolicy.Pk).PolicyBindingRequest(*pbr).Execute()
	ok(t, "policy binding update", res, err, 200)
	gbr := ak.NewPolicyBindingRequest(fx.app.Pk, 1)
	gbr.SetGroup(fx.group.Pk)
	fx.pbGroup, res, err = c.PoliciesAPI.PoliciesBindingsCreate(ctx).PolicyBindingRequest(*gbr).Execute()
	ok(t, "group binding create", res, err, 201)
	ubr := ak.NewPolicyBindingRequest(fx.binding.Pk, 2)
	ubr.SetUser(fx.user.Pk)
	ubr.SetNegate(true)
	fx.pbUser, res, err = c.PoliciesAPI.PoliciesBindingsCreate(ctx).PolicyBindingRequest(*ubr).Execute()
	ok(t, "user binding create", res, err, 201)

	// A blueprint instance with inline content.
	bir := ak.NewBlueprintInstanceRequest("audit-instance")
	bir.SetContent("version: 1\nentries: []\n")
	fx.instance, res, err = c.ManagedAPI.ManagedBlueprintsCreate(ctx).BlueprintInstanceRequest(*bir).Execute()
	ok(t, "blueprint instance create", res, err, 201)
	bir.SetEnabled(false)
	bir.SetContext(map[string]any{"k": "v"})
	fx.instance, res, err = c.ManagedAPI.ManagedBlueprintsUpdate(ctx, fx.instance.Pk).BlueprintInstanceRequest(*bir).Execute()
	ok(t, "blueprint instance update", res, err, 200)

	// Every write above recorded an event.
	evs, _, err := e.store.ListEvents(ctx, store.EventFilter{Limit: 1})
	if err != nil || len(evs) == 0 {
		t.Fatalf("events: %v %v", evs, err)
	}
	fx.event = evs[0].UUID
	return fx
}

// TestSchemaClient reads every list and retrieve endpoint usher serves
// through the authentik client's own methods; any decoding error fails.
func TestSchemaClient(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		fx := newSchemaFixture(t, e)
		c := e.client
		type call func() (any, *http.Response, error)
		wrap := func(v any, res *http.Response, err error) (any, *http.Response, error) { return v, res, err }
		for _, tc := range []struct {
			name string
			do   call
		}{
			{"CoreUsersList", func() (any, *http.Response, error) { return wrap(c.CoreAPI.CoreUsersList(ctx).Execute()) }},
			{"CoreUsersRetrieve", func() (any, *http.Response, error) {
				return wrap(c.CoreAPI.CoreUsersRetrieve(ctx, fx.user.Pk).Execute())
			}},
			{"CoreUsersMeRetrieve", func() (any, *http.Response, error) { return wrap(c.CoreAPI.CoreUsersMeRetrieve(ctx).Execute()) }},
			{"CoreUsersPathsRetrieve", func() (any, *http.Response, error) { return wrap(c.CoreAPI.CoreUsersPathsRetrieve(ctx).Execute()) }},
			{"CoreGroupsList", func() (any, *http.Response, error) { return wrap(c.CoreAPI.CoreGroupsList(ctx).Execute()) }},
			{"CoreGroupsRetrieve", func() (any, *http.Response, error) {
				return wrap(c.CoreAPI.CoreGroupsRetrieve(ctx, fx.child.Pk).Execute())
			}},
			{"CoreApplicationsList", func() (any, *http.Response, error) { return wrap(c.CoreAPI.CoreApplicationsList(ctx).Execute()) }},
			{"CoreApplicationsRetrieve", func() (any, *http.Response, error) {
				return wrap(c.CoreAPI.CoreApplicationsRetrieve(ctx, fx.app.Slug).Execute())
			}},
			{"CoreBrandsList", func() (any, *http.Response, error) { return wrap(c.CoreAPI.CoreBrandsList(ctx).Execute()) }},
			{"CoreBrandsRetrieve", func() (any, *http.Response, error) {
				return wrap(c.CoreAPI.CoreBrandsRetrieve(ctx, fx.brand.BrandUuid).Execute())
			}},
			{"FlowsInstancesList", func() (any, *http.Response, error) { return wrap(c.FlowsAPI.FlowsInstancesList(ctx).Execute()) }},
			{"FlowsInstancesRetrieve", func() (any, *http.Response, error) {
				return wrap(c.FlowsAPI.FlowsInstancesRetrieve(ctx, "invitation-enrollment-flow-internal").Execute())
			}},
			{"FlowsInstancesExecuteRetrieve", func() (any, *http.Response, error) {
				return wrap(c.FlowsAPI.FlowsInstancesExecuteRetrieve(ctx, "audit").Execute())
			}},
			{"FlowsBindingsList", func() (any, *http.Response, error) {
				return wrap(c.FlowsAPI.FlowsBindingsList(ctx).PageSize(100).Execute())
			}},
			{"FlowsBindingsRetrieve", func() (any, *http.Response, error) {
				return wrap(c.FlowsAPI.FlowsBindingsRetrieve(ctx, fx.binding.Pk).Execute())
			}},
			{"StagesAllList", func() (any, *http.Response, error) {
				return wrap(c.StagesAPI.StagesAllList(ctx).PageSize(100).Execute())
			}},
			{"StagesAllRetrieve", func() (any, *http.Response, error) {
				return wrap(c.StagesAPI.StagesAllRetrieve(ctx, fx.ident.Pk).Execute())
			}},
			{"StagesInvitationStagesList", func() (any, *http.Response, error) {
				return wrap(c.StagesAPI.StagesInvitationStagesList(ctx).Execute())
			}},
			{"StagesInvitationStagesRetrieve", func() (any, *http.Response, error) {
				return wrap(c.StagesAPI.StagesInvitationStagesRetrieve(ctx, fx.invStage.Pk).Execute())
			}},
			{"StagesInvitationInvitationsList", func() (any, *http.Response, error) {
				// The flowless invitation is excluded: see TestSchemaFlowlessInvitation.
				return wrap(c.StagesAPI.StagesInvitationInvitationsList(ctx).Search("-").Execute())
			}},
			{"StagesInvitationInvitationsRetrieve", func() (any, *http.Response, error) {
				return wrap(c.StagesAPI.StagesInvitationInvitationsRetrieve(ctx, fx.invitation.Pk).Execute())
			}},
			{"StagesInvitationInvitationsUsedByList", func() (any, *http.Response, error) {
				return wrap(c.StagesAPI.StagesInvitationInvitationsUsedByList(ctx, fx.invitation.Pk).Execute())
			}},
			{"StagesPromptPromptsList", func() (any, *http.Response, error) { return wrap(c.StagesAPI.StagesPromptPromptsList(ctx).Execute()) }},
			{"StagesPromptPromptsRetrieve", func() (any, *http.Response, error) {
				return wrap(c.StagesAPI.StagesPromptPromptsRetrieve(ctx, fx.prompt.Pk).Execute())
			}},
			{"StagesPromptStagesList", func() (any, *http.Response, error) { return wrap(c.StagesAPI.StagesPromptStagesList(ctx).Execute()) }},
			{"StagesPromptStagesRetrieve", func() (any, *http.Response, error) {
				return wrap(c.StagesAPI.StagesPromptStagesRetrieve(ctx, fx.promptStage.Pk).Execute())
			}},
			{"StagesUserWriteList", func() (any, *http.Response, error) { return wrap(c.StagesAPI.StagesUserWriteList(ctx).Execute()) }},
			{"StagesUserWriteRetrieve", func() (any, *http.Response, error) {
				return wrap(c.StagesAPI.StagesUserWriteRetrieve(ctx, fx.userWrite.Pk).Execute())
			}},
			{"StagesUserLoginList", func() (any, *http.Response, error) { return wrap(c.StagesAPI.StagesUserLoginList(ctx).Execute()) }},
			{"StagesUserLoginRetrieve", func() (any, *http.Response, error) {
				return wrap(c.StagesAPI.StagesUserLoginRetrieve(ctx, fx.userLogin.Pk).Execute())
			}},
			{"StagesIdentificationList", func() (any, *http.Response, error) { return wrap(c.StagesAPI.StagesIdentificationList(ctx).Execute()) }},
			{"StagesIdentificationRetrieve", func() (any, *http.Response, error) {
				return wrap(c.StagesAPI.StagesIdentificationRetrieve(ctx, fx.ident.Pk).Execute())
			}},
			{"StagesPasswordList", func() (any, *http.Response, error) { return wrap(c.StagesAPI.StagesPasswordList(ctx).Execute()) }},
			{"StagesPasswordRetrieve", func() (any, *http.Response, error) {
				return wrap(c.StagesAPI.StagesPasswordRetrieve(ctx, fx.password.Pk).Execute())
			}},
			{"StagesUserLogoutList", func() (any, *http.Response, error) { return wrap(c.StagesAPI.StagesUserLogoutList(ctx).Execute()) }},
			{"StagesUserLogoutRetrieve", func() (any, *http.Response, error) {
				return wrap(c.StagesAPI.StagesUserLogoutRetrieve(ctx, fx.logout.Pk).Execute())
			}},
			{"StagesDenyList", func() (any, *http.Response, error) { return wrap(c.StagesAPI.StagesDenyList(ctx).Execute()) }},
			{"StagesDenyRetrieve", func() (any, *http.Response, error) {
				return wrap(c.StagesAPI.StagesDenyRetrieve(ctx, fx.deny.Pk).Execute())
			}},
			{"PoliciesAllList", func() (any, *http.Response, error) { return wrap(c.PoliciesAPI.PoliciesAllList(ctx).Execute()) }},
			{"PoliciesAllRetrieve", func() (any, *http.Response, error) {
				return wrap(c.PoliciesAPI.PoliciesAllRetrieve(ctx, fx.policy.Pk).Execute())
			}},
			{"PoliciesExpressionList", func() (any, *http.Response, error) { return wrap(c.PoliciesAPI.PoliciesExpressionList(ctx).Execute()) }},
			{"PoliciesExpressionRetrieve", func() (any, *http.Response, error) {
				return wrap(c.PoliciesAPI.PoliciesExpressionRetrieve(ctx, fx.policy.Pk).Execute())
			}},
			{"PoliciesBindingsList", func() (any, *http.Response, error) { return wrap(c.PoliciesAPI.PoliciesBindingsList(ctx).Execute()) }},
			{"PoliciesBindingsRetrieve policy", func() (any, *http.Response, error) {
				return wrap(c.PoliciesAPI.PoliciesBindingsRetrieve(ctx, fx.pbPolicy.Pk).Execute())
			}},
			{"PoliciesBindingsRetrieve group", func() (any, *http.Response, error) {
				return wrap(c.PoliciesAPI.PoliciesBindingsRetrieve(ctx, fx.pbGroup.Pk).Execute())
			}},
			{"PoliciesBindingsRetrieve user", func() (any, *http.Response, error) {
				return wrap(c.PoliciesAPI.PoliciesBindingsRetrieve(ctx, fx.pbUser.Pk).Execute())
			}},
			{"EventsEventsList", func() (any, *http.Response, error) {
				return wrap(c.EventsAPI.EventsEventsList(ctx).PageSize(100).Execute())
			}},
			{"EventsEventsRetrieve", func() (any, *http.Response, error) {
				return wrap(c.EventsAPI.EventsEventsRetrieve(ctx, fx.event).Execute())
			}},
			{"ManagedBlueprintsList", func() (any, *http.Response, error) { return wrap(c.ManagedAPI.ManagedBlueprintsList(ctx).Execute()) }},
			{"ManagedBlueprintsRetrieve", func() (any, *http.Response, error) {
				return wrap(c.ManagedAPI.ManagedBlueprintsRetrieve(ctx, fx.instance.Pk).Execute())
			}},
			{"ManagedBlueprintsAvailableList", func() (any, *http.Response, error) {
				return wrap(c.ManagedAPI.ManagedBlueprintsAvailableList(ctx).Execute())
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, res, err := tc.do()
				ok(t, tc.name, res, err, 200)
			})
		}
	})
}

// TestSchemaRaw checks every list and retrieve response against the
// OpenAPI schema of its operation: required properties, types, nullability,
// enum values and formats.
func TestSchemaRaw(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		fx := newSchemaFixture(t, e)
		notes := map[string]bool{}
		for _, tc := range []struct{ tmpl, path string }{
			{"/core/users/", "/core/users/"},
			{"/core/users/{id}/", "/core/users/" + itoa32(fx.user.Pk) + "/"},
			{"/core/users/me/", "/core/users/me/"},
			{"/core/users/paths/", "/core/users/paths/"},
			{"/core/groups/", "/core/groups/"},
			{"/core/groups/{group_uuid}/", "/core/groups/" + fx.child.Pk + "/"},
			{"/core/applications/", "/core/applications/"},
			{"/core/applications/{slug}/", "/core/applications/" + fx.app.Slug + "/"},
			{"/core/brands/", "/core/brands/"},
			{"/core/brands/{brand_uuid}/", "/core/brands/" + fx.brand.BrandUuid + "/"},
			{"/flows/instances/", "/flows/instances/"},
			{"/flows/instances/{slug}/", "/flows/instances/audit/"},
			{"/flows/instances/{slug}/execute/", "/flows/instances/audit/execute/"},
			{"/flows/bindings/", "/flows/bindings/?page_size=100"},
			{"/flows/bindings/{fsb_uuid}/", "/flows/bindings/" + fx.binding.Pk + "/"},
			{"/stages/all/", "/stages/all/?page_size=100"},
			{"/stages/all/{stage_uuid}/", "/stages/all/" + fx.promptStage.Pk + "/"},
			{"/stages/invitation/stages/", "/stages/invitation/stages/"},
			{"/stages/invitation/stages/{stage_uuid}/", "/stages/invitation/stages/" + fx.invStage.Pk + "/"},
			{"/stages/invitation/invitations/", "/stages/invitation/invitations/?search=-"},
			{"/stages/invitation/invitations/{invite_uuid}/", "/stages/invitation/invitations/" + fx.invitation.Pk + "/"},
			{"/stages/invitation/invitations/{invite_uuid}/used_by/", "/stages/invitation/invitations/" + fx.invitation.Pk + "/used_by/"},
			{"/stages/prompt/prompts/", "/stages/prompt/prompts/"},
			{"/stages/prompt/prompts/{prompt_uuid}/", "/stages/prompt/prompts/" + fx.prompt.Pk + "/"},
			{"/stages/prompt/stages/", "/stages/prompt/stages/"},
			{"/stages/prompt/stages/{stage_uuid}/", "/stages/prompt/stages/" + fx.promptStage.Pk + "/"},
			{"/stages/user_write/", "/stages/user_write/"},
			{"/stages/user_write/{stage_uuid}/", "/stages/user_write/" + fx.userWrite.Pk + "/"},
			{"/stages/user_login/", "/stages/user_login/"},
			{"/stages/user_login/{stage_uuid}/", "/stages/user_login/" + fx.userLogin.Pk + "/"},
			{"/stages/identification/", "/stages/identification/"},
			{"/stages/identification/{stage_uuid}/", "/stages/identification/" + fx.ident.Pk + "/"},
			{"/stages/password/", "/stages/password/"},
			{"/stages/password/{stage_uuid}/", "/stages/password/" + fx.password.Pk + "/"},
			{"/stages/user_logout/", "/stages/user_logout/"},
			{"/stages/user_logout/{stage_uuid}/", "/stages/user_logout/" + fx.logout.Pk + "/"},
			{"/stages/deny/", "/stages/deny/"},
			{"/stages/deny/{stage_uuid}/", "/stages/deny/" + fx.deny.Pk + "/"},
			{"/policies/all/", "/policies/all/"},
			{"/policies/all/{policy_uuid}/", "/policies/all/" + fx.policy.Pk + "/"},
			{"/policies/expression/", "/policies/expression/"},
			{"/policies/expression/{policy_uuid}/", "/policies/expression/" + fx.policy.Pk + "/"},
			{"/policies/bindings/", "/policies/bindings/"},
			{"/policies/bindings/{policy_binding_uuid}/", "/policies/bindings/" + fx.pbUser.Pk + "/"},
			{"/policies/bindings/{policy_binding_uuid}/", "/policies/bindings/" + fx.pbGroup.Pk + "/"},
			{"/events/events/", "/events/events/?page_size=100"},
			{"/events/events/{event_uuid}/", "/events/events/" + fx.event + "/"},
			{"/managed/blueprints/", "/managed/blueprints/"},
			{"/managed/blueprints/{instance_uuid}/", "/managed/blueprints/" + fx.instance.Pk + "/"},
			{"/managed/blueprints/available/", "/managed/blueprints/available/"},
		} {
			t.Run(tc.path, func(t *testing.T) {
				status, _, raw := e.do("GET", "/api/v3"+tc.path, nil, e.adminKey)
				if status != 200 {
					t.Fatalf("status %d: %s", status, raw)
				}
				var v any
				must(t, json.Unmarshal(raw, &v))
				if errs := schemaErrorsNoting(t, v, responseSchema(t, tc.tmpl, "get", "200"), notes); len(errs) > 0 {
					t.Errorf("%d schema violations:\n%s", len(errs), strings.Join(errs, "\n"))
				}
			})
		}
		// Every property authentik's schema declares is rendered, and the
		// only additions are usher's own, documented ones.
		for note := range notes {
			if !knownDifferences[note] {
				t.Errorf("undocumented difference from the schema: %s", note)
			}
		}
	})
}

// knownDifferences are the deliberate differences between usher's answers
// and authentik's schema.
var knownDifferences = map[string]bool{
	// Only present while impersonating, which usher does not offer.
	"SessionUser lacks original": true,
	// usher's invitation additions (issue 6): max_uses, uses, status, link
	// and the bound email address.
	"Invitation adds max_uses": true, "Invitation adds uses": true, "Invitation adds status": true,
	"Invitation adds link": true, "Invitation adds email": true,
	// issue 18: the groups the invitee joins on enrollment.
	"Invitation adds groups": true, "Invitation adds groups_obj": true, "Invitation adds redirect": true,
	// used_by names who used the invitation and when.
	"UsedBy adds user": true, "UsedBy adds username": true, "UsedBy adds used_at": true, "UsedBy adds client_ip": true,
	// issue 16: an invitation bound to an address may count as verifying it.
	"InvitationStage adds trust_invitation_email": true, "Stage adds trust_invitation_email": true,
}

func init() {
	// /stages/all/ renders each stage with its own type's fields too, so a
	// console can show them without a second request.
	for _, f := range []string{"continue_flow_without_invitation", "fields", "validation_policies",
		"user_creation_mode", "create_users_as_inactive", "create_users_group", "user_type", "user_path_template",
		"session_duration", "terminate_other_sessions", "remember_me_offset", "network_binding", "geoip_binding",
		"remember_device", "user_fields", "password_stage", "captcha_stage", "case_insensitive_matching",
		"show_matched_user", "enrollment_flow", "recovery_flow", "passwordless_flow", "sources", "show_source_labels",
		"pretend_user_exists", "enable_remember_me", "webauthn_stage", "backends", "configure_flow",
		"failed_attempts_before_cancel", "allow_show_password", "deny_message"} {
		knownDifferences["Stage adds "+f] = true
	}
}

// TestSchemaFlowlessInvitation: an invitation without a flow renders
// flow_obj as null, as authentik does, although authentik's schema marks
// flow_obj as required and not nullable. The Go client therefore cannot
// decode such an invitation (its Flow decoder is handed null); this is
// authentik's behaviour and is kept. The raw answer is checked instead.
func TestSchemaFlowlessInvitation(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		status, created, raw := e.do("POST", "/api/v3/stages/invitation/invitations/", map[string]any{"name": "universal"}, e.adminKey)
		if status != 201 {
			t.Fatalf("create: %d %s", status, raw)
		}
		pk := created["pk"].(string)
		for _, path := range []string{"/stages/invitation/invitations/" + pk + "/", "/stages/invitation/invitations/"} {
			status, _, raw := e.do("GET", "/api/v3"+path, nil, e.adminKey)
			if status != 200 {
				t.Fatalf("%s: %d %s", path, status, raw)
			}
			var v any
			must(t, json.Unmarshal(raw, &v))
			tmpl := "/stages/invitation/invitations/"
			if strings.Count(path, "/") > 4 {
				tmpl += "{invite_uuid}/"
			}
			errs := schemaErrors(t, v, responseSchema(t, tmpl, "get", "200"))
			if len(errs) != 1 || !strings.HasSuffix(errs[0], "flow_obj: null is not allowed") {
				t.Errorf("%s: want only the null flow_obj, got %v", path, errs)
			}
		}
		if created["flow"] != nil || created["flow_obj"] != nil || created["link"] != nil {
			t.Errorf("flowless invitation = %v", created)
		}
		_, _, err := e.client.StagesAPI.StagesInvitationInvitationsRetrieve(ctx, pk).Execute()
		if err == nil || !strings.Contains(err.Error(), "required property") {
			t.Errorf("client decoding a null flow_obj: %v (if the client learned to accept it, drop the workaround in TestSchemaClient)", err)
		}
	})
}

func itoa32(n int32) string { return strconv.Itoa(int(n)) }
