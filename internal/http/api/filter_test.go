package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	ak "goauthentik.io/api/v3"
)

// listed turns a typed page into the names it holds, in order.
func listed[T any](items []T, name func(T) string) string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = name(it)
	}
	return strings.Join(out, ",")
}

// TestFilters drives the filters authentik's API documents for invitations, stages, flows, bindings, prompts, policies and users
// through the authentik client, so parameter names and encodings are the
// client's own, on the example blueprint plus the audit fixture.
func TestFilters(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		fx := newSchemaFixture(t, e)
		c := e.client
		unbound, res, err := c.StagesAPI.StagesInvitationStagesCreate(ctx).InvitationStageRequest(
			*ak.NewInvitationStageRequest("audit-unbound")).Execute()
		ok(t, "unbound stage", res, err, 201)
		flowExt, _, err := c.FlowsAPI.FlowsInstancesRetrieve(ctx, "invitation-enrollment-flow-external").Execute()
		must(t, err)
		creds, _, err := c.StagesAPI.StagesPromptStagesList(ctx).Name("invitation-enrollment-prompt-credentials").Execute()
		must(t, err)
		userField, _, err := c.StagesAPI.StagesPromptPromptsList(ctx).Name("invitation-enrollment-field-username").Execute()
		must(t, err)
		login, _, err := c.StagesAPI.StagesUserLoginList(ctx).Name("invitation-enrollment-user-login").Execute()
		must(t, err)
		eng, _, err := c.CoreAPI.CoreGroupsList(ctx).Name("engineering-team").Execute()
		must(t, err)
		if len(creds.Results) != 1 || len(userField.Results) != 1 || len(login.Results) != 1 || len(eng.Results) != 1 {
			t.Fatal("example blueprint objects missing")
		}

		invStage := func(s ak.InvitationStage) string { return s.Name }
		binding := func(b ak.FlowStageBinding) string { return b.StageObj.Name + "@" + itoa32(b.Order) }
		prompt := func(p ak.Prompt) string { return p.Name }
		promptStage := func(s ak.PromptStage) string { return s.Name }
		user := func(u ak.User) string { return u.Username }
		group := func(g ak.Group) string { return g.Name }
		pb := func(b ak.PolicyBinding) string { return itoa32(b.Order) }

		for _, tc := range []struct {
			name string
			got  func() (string, *http.Response, error)
			want string
		}{
			// a.4 invitation stages.
			{"invitation stages no_flows", func() (string, *http.Response, error) {
				l, r, err := c.StagesAPI.StagesInvitationStagesList(ctx).NoFlows(true).Execute()
				return listed(l.GetResults(), invStage), r, err
			}, "audit-unbound"},
			{"invitation stages no_flows false", func() (string, *http.Response, error) {
				l, r, err := c.StagesAPI.StagesInvitationStagesList(ctx).NoFlows(false).Execute()
				return listed(l.GetResults(), invStage), r, err
			}, "audit-invitation,invitation-enrollment-invitation-external,invitation-enrollment-invitation-internal,invitation-enrollment-invitation-internal-engineering"},
			{"invitation stages continue_flow_without_invitation", func() (string, *http.Response, error) {
				l, r, err := c.StagesAPI.StagesInvitationStagesList(ctx).ContinueFlowWithoutInvitation(true).Execute()
				return listed(l.GetResults(), invStage), r, err
			}, "audit-invitation"},
			{"invitation stages stage_uuid", func() (string, *http.Response, error) {
				l, r, err := c.StagesAPI.StagesInvitationStagesList(ctx).StageUuid(unbound.Pk).Execute()
				return listed(l.GetResults(), invStage), r, err
			}, "audit-unbound"},
			// c.2 bindings.
			{"bindings target", func() (string, *http.Response, error) {
				l, r, err := c.FlowsAPI.FlowsBindingsList(ctx).Target(flowExt.Pk).Execute()
				return listed(l.GetResults(), binding), r, err
			}, "invitation-enrollment-invitation-external@5,invitation-enrollment-prompt-credentials@10,invitation-enrollment-prompt-details@15,invitation-enrollment-user-write-external@20,invitation-enrollment-user-login@100"},
			{"bindings stage", func() (string, *http.Response, error) {
				l, r, err := c.FlowsAPI.FlowsBindingsList(ctx).Stage(creds.Results[0].Pk).Execute()
				return listed(l.GetResults(), binding), r, err
			}, "invitation-enrollment-prompt-credentials@10,invitation-enrollment-prompt-credentials@10,invitation-enrollment-prompt-credentials@10"},
			{"bindings target and order", func() (string, *http.Response, error) {
				l, r, err := c.FlowsAPI.FlowsBindingsList(ctx).Target(flowExt.Pk).Order(100).Execute()
				return listed(l.GetResults(), binding), r, err
			}, "invitation-enrollment-user-login@100"},
			{"bindings invalid_response_action", func() (string, *http.Response, error) {
				l, r, err := c.FlowsAPI.FlowsBindingsList(ctx).InvalidResponseAction(ak.INVALIDRESPONSEACTIONENUM_RESTART).Execute()
				return listed(l.GetResults(), binding), r, err
			}, "audit-invitation@10"},
			// c.1 flows.
			{"flows designation", func() (string, *http.Response, error) {
				l, r, err := c.FlowsAPI.FlowsInstancesList(ctx).Designation(ak.FLOWDESIGNATIONENUM_AUTHENTICATION).Execute()
				return listed(l.GetResults(), func(f ak.Flow) string { return f.Slug }), r, err
			}, "audit-login"},
			// d prompts and prompt stages.
			{"prompts field_key", func() (string, *http.Response, error) {
				l, r, err := c.StagesAPI.StagesPromptPromptsList(ctx).FieldKey("email").Execute()
				return listed(l.GetResults(), prompt), r, err
			}, "invitation-enrollment-field-email"},
			{"prompts type", func() (string, *http.Response, error) {
				l, r, err := c.StagesAPI.StagesPromptPromptsList(ctx).Type_(ak.PROMPTTYPEENUM_PASSWORD).Execute()
				return listed(l.GetResults(), prompt), r, err
			}, "invitation-enrollment-field-password,invitation-enrollment-field-password-repeat"},
			{"prompt stages fields", func() (string, *http.Response, error) {
				l, r, err := c.StagesAPI.StagesPromptStagesList(ctx).Fields([]string{userField.Results[0].Pk}).Execute()
				return listed(l.GetResults(), promptStage), r, err
			}, "invitation-enrollment-prompt-credentials"},
			{"prompt stages validation_policies", func() (string, *http.Response, error) {
				l, r, err := c.StagesAPI.StagesPromptStagesList(ctx).ValidationPolicies([]string{fx.policy.Pk}).Execute()
				return listed(l.GetResults(), promptStage), r, err
			}, "audit-prompts"},
			// e, f and the other stages.
			{"user write user_type", func() (string, *http.Response, error) {
				l, r, err := c.StagesAPI.StagesUserWriteList(ctx).UserType(ak.USERTYPEENUM_EXTERNAL).Execute()
				return listed(l.GetResults(), func(s ak.UserWriteStage) string { return s.Name }), r, err
			}, "audit-write,invitation-enrollment-user-write-external"},
			{"user write create_users_group", func() (string, *http.Response, error) {
				l, r, err := c.StagesAPI.StagesUserWriteList(ctx).CreateUsersGroup(eng.Results[0].Pk).Execute()
				return listed(l.GetResults(), func(s ak.UserWriteStage) string { return s.Name }), r, err
			}, "invitation-enrollment-user-write-internal-engineering"},
			{"user login session_duration", func() (string, *http.Response, error) {
				l, r, err := c.StagesAPI.StagesUserLoginList(ctx).SessionDuration("hours=8").Execute()
				return listed(l.GetResults(), func(s ak.UserLoginStage) string { return s.Name }), r, err
			}, "audit-login"},
			{"identification password_stage", func() (string, *http.Response, error) {
				l, r, err := c.StagesAPI.StagesIdentificationList(ctx).PasswordStage(fx.password.Pk).Execute()
				return listed(l.GetResults(), func(s ak.IdentificationStage) string { return s.Name }), r, err
			}, "audit-identification"},
			{"password failed_attempts_before_cancel", func() (string, *http.Response, error) {
				l, r, err := c.StagesAPI.StagesPasswordList(ctx).FailedAttemptsBeforeCancel(3).Execute()
				return listed(l.GetResults(), func(s ak.PasswordStage) string { return s.Name }), r, err
			}, "audit-password"},
			{"deny deny_message", func() (string, *http.Response, error) {
				l, r, err := c.StagesAPI.StagesDenyList(ctx).DenyMessage("Not today.").Execute()
				return listed(l.GetResults(), func(s ak.DenyStage) string { return s.Name }), r, err
			}, "audit-deny"},
			// i users.
			{"users username", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreUsersList(ctx).Username("alice").Execute()
				return listed(l.GetResults(), user), r, err
			}, "alice"},
			{"users path", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreUsersList(ctx).Path("users/audit").Execute()
				return listed(l.GetResults(), user), r, err
			}, "audit-bob"},
			{"users path_startswith", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreUsersList(ctx).PathStartswith("users").Execute()
				return listed(l.GetResults(), user), r, err
			}, "akadmin,alice,audit-bob"},
			{"users type", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreUsersList(ctx).Type_([]ak.UserTypeEnum{ak.USERTYPEENUM_EXTERNAL}).Execute()
				return listed(l.GetResults(), user), r, err
			}, "audit-bob"},
			{"users several types", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreUsersList(ctx).Type_([]ak.UserTypeEnum{ak.USERTYPEENUM_EXTERNAL, ak.USERTYPEENUM_SERVICE_ACCOUNT}).Execute()
				return listed(l.GetResults(), user), r, err
			}, "audit-bob"},
			{"users is_active", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreUsersList(ctx).IsActive(false).Execute()
				return listed(l.GetResults(), user), r, err
			}, ""},
			{"users groups_by_name", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreUsersList(ctx).GroupsByName([]string{"audit-staff-child"}).Execute()
				return listed(l.GetResults(), user), r, err
			}, "audit-bob"},
			{"users groups_by_name any of", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreUsersList(ctx).GroupsByName([]string{"authentik Admins", "audit-staff-child"}).Execute()
				return listed(l.GetResults(), user), r, err
			}, "akadmin,audit-bob"},
			{"users groups_by_pk", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreUsersList(ctx).GroupsByPk([]string{fx.child.Pk}).Execute()
				return listed(l.GetResults(), user), r, err
			}, "audit-bob"},
			{"users is_superuser", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreUsersList(ctx).IsSuperuser(true).Execute()
				return listed(l.GetResults(), user), r, err
			}, "akadmin"},
			{"users name", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreUsersList(ctx).Name("Alice").Execute()
				return listed(l.GetResults(), user), r, err
			}, "alice"},
			{"users attributes", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreUsersList(ctx).Attributes(`{"team": "red"}`).Execute()
				return listed(l.GetResults(), user), r, err
			}, "audit-bob"},
			{"users uuid", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreUsersList(ctx).Uuid(fx.user.Uuid).Execute()
				return listed(l.GetResults(), user), r, err
			}, "audit-bob"},
			{"users last_login__isnull, paged", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreUsersList(ctx).LastLoginIsnull(true).PageSize(2).Page(2).Execute()
				return listed(l.GetResults(), user), r, err
			}, "audit-bob"},
			// Groups.
			{"groups is_superuser", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreGroupsList(ctx).IsSuperuser(true).Execute()
				return listed(l.GetResults(), group), r, err
			}, "authentik Admins"},
			{"groups members_by_username", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreGroupsList(ctx).MembersByUsername([]string{"audit-bob"}).Execute()
				return listed(l.GetResults(), group), r, err
			}, "audit-staff-child"},
			{"groups attributes", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreGroupsList(ctx).Attributes(`{"floor": 3}`).Execute()
				return listed(l.GetResults(), group), r, err
			}, "audit-staff"},
			// h policy bindings (orders: policy 0, group 1, user 2).
			{"policy bindings policy__isnull", func() (string, *http.Response, error) {
				l, r, err := c.PoliciesAPI.PoliciesBindingsList(ctx).PolicyIsnull(true).Execute()
				return listed(l.GetResults(), pb), r, err
			}, "1,2"},
			{"policy bindings policy__isnull false", func() (string, *http.Response, error) {
				l, r, err := c.PoliciesAPI.PoliciesBindingsList(ctx).PolicyIsnull(false).Execute()
				return listed(l.GetResults(), pb), r, err
			}, "0"},
			{"policy bindings target_in", func() (string, *http.Response, error) {
				l, r, err := c.PoliciesAPI.PoliciesBindingsList(ctx).TargetIn([]string{fx.flow.Pk, fx.binding.Pk}).Execute()
				return listed(l.GetResults(), pb), r, err
			}, "0,2"},
			{"policy bindings target", func() (string, *http.Response, error) {
				l, r, err := c.PoliciesAPI.PoliciesBindingsList(ctx).Target(fx.app.Pk).Execute()
				return listed(l.GetResults(), pb), r, err
			}, "1"},
			{"policy bindings policy", func() (string, *http.Response, error) {
				l, r, err := c.PoliciesAPI.PoliciesBindingsList(ctx).Policy(fx.policy.Pk).Execute()
				return listed(l.GetResults(), pb), r, err
			}, "0"},
			{"policy bindings timeout", func() (string, *http.Response, error) {
				l, r, err := c.PoliciesAPI.PoliciesBindingsList(ctx).Timeout(10).Execute()
				return listed(l.GetResults(), pb), r, err
			}, "0"},
			// Brands.
			{"brands flow_authentication", func() (string, *http.Response, error) {
				l, r, err := c.CoreAPI.CoreBrandsList(ctx).FlowAuthentication(fx.otherFlow.Pk).Execute()
				return listed(l.GetResults(), func(b ak.Brand) string { return b.Domain }), r, err
			}, "audit.example.com"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, res, err := tc.got()
				ok(t, tc.name, res, err, 200)
				if got != tc.want {
					t.Errorf("got %q, want %q", got, tc.want)
				}
			})
		}

		// Bad filter values are answered with django-filter's messages.
		for _, tc := range []struct{ name, query, field, msg string }{
			{"unknown group name", "/api/v3/core/users/?groups_by_name=nope", "groups_by_name",
				"Select a valid choice. nope is not one of the available choices."},
			{"group pk not a uuid", "/api/v3/core/users/?groups_by_pk=x", "groups_by_pk", "“x” is not a valid UUID."},
			{"unknown user type", "/api/v3/core/users/?type=robot", "type",
				"Select a valid choice. robot is not one of the available choices."},
			{"attributes not JSON", "/api/v3/core/users/?attributes=%7B", "attributes", "filter: failed to parse JSON"},
			{"attributes not an object", "/api/v3/core/groups/?attributes=%5B1%5D", "attributes", "filter: value must be key:value mapping"},
			{"bad date", "/api/v3/core/users/?date_joined__gt=soon", "date_joined__gt", "Enter a valid date/time."},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, m, raw := e.do("GET", tc.query, nil, e.adminKey)
				if status != 400 || firstMsg(m, tc.field) != tc.msg {
					t.Errorf("%d %s, want 400 %s: %q", status, raw, tc.field, tc.msg)
				}
			})
		}
	})
}
