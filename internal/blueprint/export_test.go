package blueprint

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// exportExtras adds what the example flows lack: a policy bound to a flow,
// a group bound to a stage binding, a prompt validation policy, and a login
// flow whose identification stage refers to an unbound password stage and
// to another flow, with a user bound to one of its stage bindings.
const exportExtras = `version: 1
entries:
- model: authentik_policies_expression.expressionpolicy
  id: pol-flow
  identifiers: {name: export-flow-policy}
  attrs:
    execution_logging: true
    expression: |
      # two lines, and a value YAML would read as a number
      return "10" == "10"
- model: authentik_policies_expression.expressionpolicy
  id: pol-valid
  identifiers: {name: "export: validation policy"}
  attrs: {expression: "return True"}
- model: authentik_stages_prompt.promptstage
  identifiers: {name: invitation-enrollment-prompt-credentials}
  attrs: {validation_policies: [!KeyOf pol-valid]}
- model: authentik_policies.policybinding
  identifiers: {policy: !KeyOf pol-flow, target: !Find [authentik_flows.flow, [slug, invitation-enrollment-flow-external]], order: 0}
  attrs: {negate: true, timeout: 12}
- model: authentik_policies.policybinding
  identifiers:
    group: !Find [authentik_core.group, [name, engineering-team]]
    target: !Find [authentik_flows.flowstagebinding, [target, !Find [authentik_flows.flow, [slug, invitation-enrollment-flow-external]]], [order, 20]]
    order: 1
- model: authentik_flows.flow
  id: login
  identifiers: {slug: export-login}
  attrs: {name: "Export: login", title: "true", designation: authentication, layout: content_left, denied_action: message}
- model: authentik_stages_password.passwordstage
  id: pw
  identifiers: {name: export-password}
  attrs: {backends: [authentik.core.auth.InbuiltBackend], failed_attempts_before_cancel: 3}
- model: authentik_stages_identification.identificationstage
  id: ident
  identifiers: {name: export-identification}
  attrs:
    user_fields: [username]
    password_stage: !KeyOf pw
    enrollment_flow: !Find [authentik_flows.flow, [slug, invitation-enrollment-flow-external]]
- model: authentik_flows.flowstagebinding
  id: login-ident
  identifiers: {target: !KeyOf login, stage: !KeyOf ident, order: 10}
  attrs: {evaluate_on_plan: true, re_evaluate_policies: false, invalid_response_action: restart}
- model: authentik_flows.flowstagebinding
  identifiers: {target: !KeyOf login, stage: !Find [authentik_stages_user_login.userloginstage, [name, invitation-enrollment-user-login]], order: 100}
- model: authentik_policies.policybinding
  identifiers: {user: !Find [authentik_core.user, [username, akadmin]], target: !KeyOf login-ident, order: 0}
  attrs: {enabled: false}
`

var exportSlugs = []string{"invitation-enrollment-flow-external", "invitation-enrollment-flow-internal-engineering", "export-login"}

// exportSource returns an app with the invitation example and the extras applied.
func exportSource(t *testing.T, s store.Store) *app.App {
	t.Helper()
	a := appOn(s)
	addSuperuser(t, a)
	for _, bp := range []*Blueprint{readExample(t, "flows-invitation-enrollment.yaml"), mustParse(t, exportExtras)} {
		if _, err := Apply(context.Background(), a, bp, Options{}); err != nil {
			t.Fatalf("%s: %v", bp.Name, err)
		}
	}
	return a
}

func TestExportFlowRoundTrip(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			src := exportSource(t, b.Open(t))
			exports := map[string][]byte{}
			for _, slug := range exportSlugs {
				data, err := ExportFlow(ctx, src.Store, slug)
				if err != nil {
					t.Fatalf("export %s: %v", slug, err)
				}
				exports[slug] = data
			}

			// (a) Re-importing into the same database finds every row.
			before := rowCounts(t, src.Store)
			for _, slug := range exportSlugs {
				bp, err := Parse(exports[slug], slug+".yaml")
				if err != nil {
					t.Fatalf("parse export of %s: %v\n%s", slug, err, exports[slug])
				}
				res, err := Apply(ctx, src, bp, Options{})
				if err != nil {
					t.Fatalf("re-import %s: %v\n%s", slug, err, exports[slug])
				}
				if c := res.Counts(); c[ActionUnchanged] != len(bp.Entries) {
					for _, ch := range res.Changes {
						if ch.Action != ActionUnchanged {
							t.Errorf("entry %d %s: %s", ch.Entry, ch.Model, ch.Action)
						}
					}
					t.Fatalf("re-import %s: %v, want all %d unchanged", slug, c, len(bp.Entries))
				}
			}
			if after := rowCounts(t, src.Store); after != before {
				t.Fatalf("re-import changed row counts: %v -> %v", before, after)
			}

			// (b) Importing into an empty database (with the group and user the
			// flows refer to by name) recreates the same rows with the same UUIDs.
			dst := appOn(b.Open(t))
			addSuperuser(t, dst)
			if err := dst.Store.CreateGroup(ctx, &store.Group{Name: "engineering-team"}); err != nil {
				t.Fatal(err)
			}
			for _, slug := range exportSlugs {
				bp, err := Parse(exports[slug], slug+".yaml")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := Apply(ctx, dst, bp, Options{}); err != nil {
					t.Fatalf("import %s into an empty database: %v\n%s", slug, err, exports[slug])
				}
			}
			for _, slug := range exportSlugs {
				want, got := flowState(t, src.Store, slug), flowState(t, dst.Store, slug)
				if !reflect.DeepEqual(want, got) {
					t.Fatalf("%s differs after import:\nwant %+v\ngot  %+v", slug, want, got)
				}
				again, err := ExportFlow(ctx, dst.Store, slug)
				if err != nil {
					t.Fatal(err)
				}
				if string(again) != string(exports[slug]) {
					t.Fatalf("%s: export of the imported flow differs:\n%s\nwant\n%s", slug, again, exports[slug])
				}
			}
		})
	}
}

func TestExportFlowShape(t *testing.T) {
	ctx := context.Background()
	src := exportSource(t, storetest.OpenSQLite(t))
	ext, err := ExportFlow(ctx, src.Store, "invitation-enrollment-flow-external")
	if err != nil {
		t.Fatal(err)
	}
	eng, err := ExportFlow(ctx, src.Store, "invitation-enrollment-flow-internal-engineering")
	if err != nil {
		t.Fatal(err)
	}
	login, err := ExportFlow(ctx, src.Store, "export-login")
	if err != nil {
		t.Fatal(err)
	}
	flow, err := src.Store.GetFlowBySlug(ctx, "invitation-enrollment-flow-external")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		data    []byte
		want    []string
		notWant []string
	}{
		{"metadata", ext, []string{"version: 1\n", "name: usher export - Invitation Enrollment Flow (External Users)\n",
			"blueprints.goauthentik.io/generated: \"true\"\n"}, nil},
		{"flow identified by pk and slug", ext, []string{"model: authentik_flows.flow\n    id: flow-invitation-enrollment-flow-external\n    identifiers:\n      pk: " + flow.UUID + "\n      slug: invitation-enrollment-flow-external\n"}, nil},
		{"references to earlier entries", ext, []string{
			"- !KeyOf prompt-invitation-enrollment-field-username\n",
			"validation_policies:\n        - !KeyOf policy-export-validation-policy\n",
			"target: !KeyOf flow-invitation-enrollment-flow-external\n      stage: !KeyOf stage-invitation-enrollment-user-write-external\n      order: 20\n",
			"policy: !KeyOf policy-export-flow-policy\n      target: !KeyOf flow-invitation-enrollment-flow-external\n      order: 0\n",
			"policy: null\n      target: !KeyOf binding-20-invitation-enrollment-user-write-external\n",
			"group: !Find [authentik_core.group, [name, engineering-team]]\n",
		}, nil},
		{"read-only fields left out", ext, nil, []string{"flow_set", "component:", "meta_model_name", "verbose_name",
			"_obj:", "export_url", "policybindingmodel_ptr_id", "background_url", "cache_count", "bound_to", "expiring"}},
		{"strings YAML would misread stay strings", login, []string{"title: \"true\"\n", "name: 'Export: login'"}, nil},
		{"multi-line text as a block", ext, []string{"expression: |\n        # two lines, and a value YAML would read as a number\n        return \"10\" == \"10\"\n"}, nil},
		{"objects outside the flow by natural key", eng, []string{"create_users_group: !Find [authentik_core.group, [name, engineering-team]]\n"}, nil},
		{"a flow outside and a user by natural key", login, []string{
			"enrollment_flow: !Find [authentik_flows.flow, [slug, invitation-enrollment-flow-external]]\n",
			"user: !Find [authentik_core.user, [username, akadmin]]\n",
			"password_stage: !KeyOf stage-export-password\n",
		}, []string{"export-flow-policy"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := string(tc.data)
			for _, w := range tc.want {
				if !strings.Contains(s, w) {
					t.Errorf("export lacks %q", w)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(s, w) {
					t.Errorf("export has %q", w)
				}
			}
			if t.Failed() {
				t.Logf("export:\n%s", s)
			}
		})
	}

	// Entries come in dependency order.
	rank := map[string]int{"authentik_flows.flow": 0, "authentik_stages_prompt.prompt": 1,
		"authentik_policies_expression.expressionpolicy": 2, "authentik_flows.flowstagebinding": 4,
		"authentik_policies.policybinding": 5}
	for _, data := range [][]byte{ext, login} {
		bp, err := Parse(data, "export.yaml")
		if err != nil {
			t.Fatal(err)
		}
		if bp.Metadata == nil || bp.Metadata.Labels[LabelGenerated] != "true" {
			t.Fatalf("metadata = %+v", bp.Metadata)
		}
		last, seen := -1, []string{}
		for _, e := range bp.Entries {
			r, ok := rank[e.Model()]
			if !ok {
				r = 3 // a stage
			}
			if r < last {
				t.Fatalf("entry %d (%s) after %v: not in dependency order", e.Index, e.Model(), seen)
			}
			last = r
			seen = append(seen, e.Model())
		}
	}
	pw, ident := strings.Index(string(login), "export-password\n"), strings.Index(string(login), "export-identification\n")
	if pw < 0 || ident < 0 || pw > ident {
		t.Fatalf("the password stage must come before the identification stage that refers to it:\n%s", login)
	}
}

func TestExportFlowUnknownSlug(t *testing.T) {
	a := appOn(storetest.OpenSQLite(t))
	_, err := ExportFlow(context.Background(), a.Store, "no-such-flow")
	if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), `"no-such-flow"`) {
		t.Fatalf("err = %v, want not found naming the slug", err)
	}
}

// counts are the row counts of the tables an export touches.
type counts struct{ flows, stages, prompts, bindings, policies, policyBindings, groups int }

func rowCounts(t *testing.T, q store.Queries) counts {
	t.Helper()
	ctx := context.Background()
	var c counts
	flows, err1 := q.ListFlows(ctx)
	stages, err2 := q.ListStages(ctx)
	prompts, err3 := q.ListPrompts(ctx)
	bindings, err4 := q.ListBindings(ctx, "")
	policies, err5 := q.ListPolicies(ctx)
	pbs, err6 := q.ListPolicyBindings(ctx, "")
	_, groups, err7 := q.ListGroups(ctx, store.GroupFilter{})
	if err := errors.Join(err1, err2, err3, err4, err5, err6, err7); err != nil {
		t.Fatal(err)
	}
	c.flows, c.stages, c.prompts, c.bindings, c.policies, c.policyBindings, c.groups =
		len(flows), len(stages), len(prompts), len(bindings), len(policies), len(pbs), groups
	return c
}

// state is one flow and everything it uses, with references to groups and
// users (which have other keys in another database) replaced by their names.
type state struct {
	Flow           store.Flow
	Bindings       []store.FlowStageBinding
	Stages         map[string]store.Stage
	Prompts        map[string]store.Prompt
	Policies       map[string]store.Policy
	PolicyBindings []store.PolicyBinding
	BoundUsers     []string
}

func flowState(t *testing.T, q store.Queries, slug string) state {
	t.Helper()
	ctx := context.Background()
	check := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	s := state{Stages: map[string]store.Stage{}, Prompts: map[string]store.Prompt{}, Policies: map[string]store.Policy{}}
	var err error
	s.Flow, err = q.GetFlowBySlug(ctx, slug)
	check(err)
	s.Bindings, err = q.ListBindings(ctx, s.Flow.UUID)
	check(err)
	addPolicy := func(id string) {
		p, err := q.GetPolicy(ctx, id)
		check(err)
		s.Policies[id] = p
	}
	var addStage func(id string)
	addStage = func(id string) {
		st, err := q.GetStage(ctx, id)
		check(err)
		switch {
		case st.UserWrite != nil && st.UserWrite.CreateUsersGroup != nil:
			g, err := q.GetGroup(ctx, *st.UserWrite.CreateUsersGroup)
			check(err)
			st.UserWrite.CreateUsersGroup = &g.Name
		case st.Prompt != nil:
			for _, p := range st.Prompt.Fields {
				pr, err := q.GetPrompt(ctx, p)
				check(err)
				s.Prompts[p] = pr
			}
			for _, p := range st.Prompt.ValidationPolicies {
				addPolicy(p)
			}
		case st.Identification != nil && st.Identification.PasswordStage != nil:
			addStage(*st.Identification.PasswordStage)
		}
		s.Stages[id] = st
	}
	targets := []string{s.Flow.UUID}
	for _, b := range s.Bindings {
		addStage(b.Stage)
		targets = append(targets, b.UUID)
	}
	for _, target := range targets {
		pbs, err := q.ListPolicyBindings(ctx, target)
		check(err)
		for _, pb := range pbs {
			switch {
			case pb.Policy != nil:
				addPolicy(*pb.Policy)
			case pb.Group != nil:
				g, err := q.GetGroup(ctx, *pb.Group)
				check(err)
				pb.Group = &g.Name
			case pb.User != nil:
				u, err := q.GetUser(ctx, *pb.User)
				check(err)
				pb.User = nil // user pks differ between databases: compared by username
				s.BoundUsers = append(s.BoundUsers, u.Username)
			}
			s.PolicyBindings = append(s.PolicyBindings, pb)
		}
	}
	return s
}
