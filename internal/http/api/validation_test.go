package api_test

import (
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// TestValidationMessages posts bad data to every writable model and checks
// the 400 body carries authentik's exact message on the right field, and
// that nothing was written.
func TestValidationMessages(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		fx := newSchemaFixture(t, e)
		const (
			slugMsg     = "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."
			required    = "This field is required."
			dictMsg     = "Value must be a dictionary, and not have any duplicate keys."
			missingUUID = "00000000-0000-4000-8000-000000000000"
			missingRef  = `Invalid pk "` + missingUUID + `" - object does not exist.`
		)
		flow := func(kv ...any) map[string]any {
			m := map[string]any{"name": "V", "slug": "valid", "title": "V", "designation": "enrollment"}
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i+1] == nil {
					delete(m, kv[i].(string))
					continue
				}
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		}
		user := func(kv ...any) map[string]any {
			m := map[string]any{"username": "valid-user", "name": "Valid"}
			for i := 0; i+1 < len(kv); i += 2 {
				m[kv[i].(string)] = kv[i+1]
			}
			return m
		}
		var (
			flows, invs, bindings = "/api/v3/flows/instances/", "/api/v3/stages/invitation/invitations/", "/api/v3/flows/bindings/"
			pbs, users, prompts   = "/api/v3/policies/bindings/", "/api/v3/core/users/", "/api/v3/stages/prompt/prompts/"
			nonField              = "non_field_errors"
			bothFlagsOff          = "Either evaluation on plan or evaluation on run must be enabled"
			onlyOne               = "Only one of 'group', 'policy', 'user' can be set."
			oneOf                 = "One of 'group', 'policy', 'user' must be set."
		)
		for _, tc := range []struct {
			name, method, path string
			body               map[string]any
			field, msg         string
		}{
			// c.1 flows: slug rule, unique slug, choices, required fields.
			{"flow slug rule", "POST", flows, flow("slug", "not a slug"), "slug", slugMsg},
			{"flow slug unique", "POST", flows, flow("slug", "audit"), "slug", "Flow with this slug already exists."},
			{"flow designation choice", "POST", flows, flow("designation", "nope"), "designation", `"nope" is not a valid choice.`},
			{"flow authentication choice", "POST", flows, flow("authentication", "sometimes"), "authentication", `"sometimes" is not a valid choice.`},
			{"flow title required", "POST", flows, flow("title", nil), "title", required},
			{"flow slug on PATCH", "PATCH", flows + "audit/", map[string]any{"slug": "a b"}, "slug", slugMsg},
			// a.3 invitations: slug rule, fixed_data dictionary, expires format, flow reference.
			{"invitation name slug rule", "POST", invs, map[string]any{"name": "not a slug!"}, "name", slugMsg},
			{"invitation name required", "POST", invs, map[string]any{}, "name", required},
			{"invitation fixed_data string", "POST", invs, map[string]any{"name": "x", "fixed_data": "a"}, "fixed_data", dictMsg},
			{"invitation fixed_data list", "POST", invs, map[string]any{"name": "x", "fixed_data": []any{1}}, "fixed_data", dictMsg},
			{"invitation fixed_data on PATCH", "PATCH", invs + fx.invitation.Pk + "/", map[string]any{"fixed_data": 3}, "fixed_data", dictMsg},
			{"invitation expires format", "POST", invs, map[string]any{"name": "x", "expires": "tomorrow"}, "expires",
				"Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."},
			{"invitation unknown flow", "POST", invs, map[string]any{"name": "x", "flow": missingUUID}, "flow", missingRef},
			{"invitation flow not a uuid", "POST", invs, map[string]any{"name": "x", "flow": "abc"}, "flow", "“abc” is not a valid UUID."},
			// c.2 flow stage bindings: evaluation flags, unique (target, stage, order).
			{"binding evaluation flags", "POST", bindings, map[string]any{"target": fx.flow.Pk, "stage": fx.deny.Pk, "order": 50,
				"evaluate_on_plan": false, "re_evaluate_policies": false}, nonField, bothFlagsOff},
			{"binding evaluation flags on PATCH", "PATCH", bindings + fx.binding.Pk + "/", map[string]any{"evaluate_on_plan": false,
				"re_evaluate_policies": false}, nonField, bothFlagsOff},
			{"binding unique together", "POST", bindings, map[string]any{"target": fx.flow.Pk, "stage": fx.invStage.Pk, "order": 10},
				nonField, "The fields target, stage, order must make a unique set."},
			{"binding order required", "POST", bindings, map[string]any{"target": fx.flow.Pk, "stage": fx.deny.Pk}, "order", required},
			{"binding unknown stage", "POST", bindings, map[string]any{"target": fx.flow.Pk, "stage": missingUUID, "order": 1}, "stage", missingRef},
			// h policy bindings: exactly one of policy, group, user.
			{"policy binding none set", "POST", pbs, map[string]any{"target": fx.flow.Pk, "order": 5}, nonField, oneOf},
			{"policy binding two set", "POST", pbs, map[string]any{"target": fx.flow.Pk, "order": 5, "policy": fx.policy.Pk,
				"group": fx.group.Pk}, nonField, onlyOne},
			{"policy binding three set", "POST", pbs, map[string]any{"target": fx.flow.Pk, "order": 5, "policy": fx.policy.Pk,
				"group": fx.group.Pk, "user": fx.user.Pk}, nonField, onlyOne},
			{"policy binding second on PATCH", "PATCH", pbs + fx.pbPolicy.Pk + "/", map[string]any{"user": fx.user.Pk}, nonField, onlyOne},
			{"policy binding unknown target", "POST", pbs, map[string]any{"target": missingUUID, "order": 5, "policy": fx.policy.Pk},
				"target", missingRef},
			{"policy binding unique", "POST", pbs, map[string]any{"target": fx.flow.Pk, "order": 0, "policy": fx.policy.Pk},
				nonField, "The fields policy, target, order must make a unique set."},
			// h expression policies.
			{"policy syntax", "POST", "/api/v3/policies/expression/", map[string]any{"name": "p", "expression": "if True\n    return 1"},
				"expression", "Expression Syntax Error: line 2, column 1: got newline, want ':'"},
			{"policy name unique", "POST", "/api/v3/policies/expression/", map[string]any{"name": "audit-policy", "expression": "return True"},
				"name", "Policy with this name already exists."},
			// i users: path rules, internal service accounts, username rules.
			{"user path leading slash", "POST", users, user("path", "/users"), "path", "No leading or trailing slashes allowed."},
			{"user path trailing slash", "POST", users, user("path", "users/"), "path", "No leading or trailing slashes allowed."},
			{"user path empty segment", "POST", users, user("path", "users//x"), "path", "No empty segments in user path allowed."},
			{"user path blank", "POST", users, user("path", ""), "path", "This field may not be blank."},
			{"user internal service account", "POST", users, user("type", "internal_service_account"), "type",
				"Setting a user to internal service account is not allowed."},
			{"user internal service account on PATCH", "PATCH", users + itoa32(fx.user.Pk) + "/", map[string]any{"type": "internal_service_account"},
				"type", "Setting a user to internal service account is not allowed."},
			{"user type choice", "POST", users, user("type", "robot"), "type", `"robot" is not a valid choice.`},
			{"username unique", "POST", users, user("username", "alice"), "username", "A user with that username already exists."},
			{"username characters", "POST", users, user("username", "no spaces"), "username",
				"Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."},
			{"username length", "POST", users, user("username", strings.Repeat("a", 151)), "username",
				"Ensure this field has no more than 150 characters."},
			{"user name required", "POST", users, map[string]any{"username": "valid-user"}, "name", required},
			{"user email", "POST", users, user("email", "not-an-address"), "email", "Enter a valid email address."},
			{"user attributes dictionary", "POST", users, user("attributes", "x"), "attributes", dictMsg},
			// d prompts: type choices, unique names.
			{"prompt type choice", "POST", prompts, map[string]any{"name": "p", "field_key": "k", "label": "L", "type": "nope"},
				"type", `"nope" is not a valid choice.`},
			{"prompt name unique", "POST", prompts, map[string]any{"name": "audit-field-nickname", "field_key": "k", "label": "L", "type": "text"},
				"name", "Prompt with this name already exists."},
			{"prompt field_key required", "POST", prompts, map[string]any{"name": "p", "label": "L", "type": "text"}, "field_key", required},
			// Stages: names unique across all stage types, per-type rules.
			{"stage name unique across types", "POST", "/api/v3/stages/deny/", map[string]any{"name": "audit-invitation"},
				"name", "stage with this name already exists."},
			{"prompt stage needs fields", "POST", "/api/v3/stages/prompt/stages/", map[string]any{"name": "ps", "fields": []any{}},
				"fields", "This list may not be empty."},
			{"user write creation mode", "POST", "/api/v3/stages/user_write/", map[string]any{"name": "uw", "user_creation_mode": "sometimes"},
				"user_creation_mode", `"sometimes" is not a valid choice.`},
			{"user login duration format", "POST", "/api/v3/stages/user_login/", map[string]any{"name": "ul", "session_duration": "forever"},
				"session_duration", "forever is not in the correct format of 'hours=3;minutes=1'."},
			{"identification needs user fields", "POST", "/api/v3/stages/identification/", map[string]any{"name": "id", "user_fields": []any{}},
				nonField, "When no user fields are selected, at least one source must be selected"},
			{"password backends required", "POST", "/api/v3/stages/password/", map[string]any{"name": "pw"}, "backends", required},
			// Groups, applications, brands, blueprint instances.
			{"group name unique", "POST", "/api/v3/core/groups/", map[string]any{"name": "audit-staff"}, "name", "Group with this name already exists."},
			{"group own ancestor", "PATCH", "/api/v3/core/groups/" + fx.group.Pk + "/", map[string]any{"parents": []any{fx.child.Pk}},
				"parents", "A group cannot be its own ancestor."},
			{"application slug rule", "POST", "/api/v3/core/applications/", map[string]any{"name": "A", "slug": "a b"}, "slug", slugMsg},
			{"application slug unique", "POST", "/api/v3/core/applications/", map[string]any{"name": "A", "slug": "audit-wiki"},
				"slug", "Application with this slug already exists."},
			{"blueprint instance needs path or content", "POST", "/api/v3/managed/blueprints/", map[string]any{"name": "empty"},
				nonField, "Either path or content must be set."},
			{"blueprint instance content", "POST", "/api/v3/managed/blueprints/", map[string]any{"name": "v2", "content": "version: 2\nentries: []\n"},
				"content", "Failed to validate blueprint"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := e.countRows()
				status, m, raw := e.do(tc.method, tc.path, tc.body, e.adminKey)
				if status != 400 {
					t.Fatalf("status %d, want 400: %s", status, raw)
				}
				if got := firstMsg(m, tc.field); got != tc.msg {
					t.Errorf("%s = %q, want %q (body %s)", tc.field, got, tc.msg, raw)
				}
				if after := e.countRows(); after != before {
					t.Errorf("rows changed on a refused write: %v -> %v", before, after)
				}
			})
		}

		// A second default brand is refused.
		if status, _, raw := e.do("POST", "/api/v3/core/brands/", map[string]any{"domain": "one.example", "default": true}, e.adminKey); status != 201 {
			t.Fatalf("first default brand: %d %s", status, raw)
		}
		status, m, raw := e.do("POST", "/api/v3/core/brands/", map[string]any{"domain": "two.example", "default": true}, e.adminKey)
		if status != 400 || firstMsg(m, "default") != "Only a single brand can be set as default." {
			t.Errorf("second default brand: %d %s", status, raw)
		}
	})
}

// countRows sums the rows of the tables the validation cases write to.
func (e *env) countRows() [8]int {
	e.t.Helper()
	ctx := e.t.Context()
	var n [8]int
	flows, _ := e.store.ListFlows(ctx)
	stages, _ := e.store.ListStages(ctx)
	bindings, _ := e.store.ListBindings(ctx, "")
	pbs, _ := e.store.ListPolicyBindings(ctx, "")
	prompts, _ := e.store.ListPrompts(ctx)
	_, users, _ := e.store.ListUsers(ctx, store.UserFilter{})
	_, invs, _ := e.store.ListInvitations(ctx, store.InvitationFilter{})
	policies, _ := e.store.ListPolicies(ctx)
	n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7] = len(flows), len(stages), len(bindings), len(pbs), len(prompts), users, invs, len(policies)
	return n
}
