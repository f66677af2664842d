package storetest

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

func testFlows(t *testing.T, s store.Store) {
	f := store.Flow{Name: "Enroll", Slug: "enroll", Title: "Welcome", Designation: store.DesignationEnrollment,
		CompatibilityMode: true, Background: "/bg.jpg"}
	check(t, s.CreateFlow(ctx, &f), "create")
	if len(f.UUID) != 36 || f.Authentication != "none" || f.Layout != "stacked" || f.PolicyEngineMode != "any" ||
		f.DeniedAction != "message_continue" {
		t.Errorf("create did not fill defaults: %+v", f)
	}
	got, err := s.GetFlow(ctx, f.UUID)
	check(t, err, "get")
	if !reflect.DeepEqual(got, f) {
		t.Errorf("get = %+v, want %+v", got, f)
	}
	if g, err := s.GetFlowBySlug(ctx, "enroll"); err != nil || g.UUID != f.UUID {
		t.Errorf("by slug = %+v, %v", g, err)
	}
	_, err = s.GetFlowBySlug(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "missing slug")
	wantErr(t, s.CreateFlow(ctx, &store.Flow{Name: "x", Slug: "enroll", Designation: "enrollment"}), store.ErrConflict, "duplicate slug")
	mkFlow(t, s, "authn")
	list, err := s.ListFlows(ctx)
	check(t, err, "list")
	sameStrings(t, names(list, func(f store.Flow) string { return f.Slug }), []string{"authn", "enroll"}, "flows")
	got.Title, got.Authentication, got.Layout = "Hi", "require_unauthenticated", "content_left"
	check(t, s.UpdateFlow(ctx, &got), "update")
	again, _ := s.GetFlow(ctx, f.UUID)
	if !reflect.DeepEqual(again, got) {
		t.Errorf("after update = %+v", again)
	}
	got.Slug = "authn"
	wantErr(t, s.UpdateFlow(ctx, &got), store.ErrConflict, "update to taken slug")
	check(t, s.DeleteFlow(ctx, f.UUID), "delete")
	wantErr(t, s.DeleteFlow(ctx, f.UUID), store.ErrNotFound, "delete twice")
}

func testStages(t *testing.T, s store.Store) {
	f := mkFlow(t, s, "enroll")
	g := mkGroup(t, s, "enrolled", nil)
	// Every kind round-trips its settings.
	for _, kind := range store.StageKinds {
		st, err := store.NewStage(kind, "stage-"+string(kind))
		check(t, err, "new %s", kind)
		switch kind {
		case store.StageInvitation:
			st.Invitation.ContinueFlowWithoutInvitation = true
		case store.StageUserWrite:
			st.UserWrite.CreateUsersGroup = &g.UUID
			st.UserWrite.UserCreationMode = "always_create"
			st.UserWrite.UserPathTemplate = "users/%(x)s"
		case store.StageUserLogin:
			st.UserLogin.SessionDuration = "hours=1"
		case store.StageIdentification:
			st.Identification.EnrollmentFlow = &f.UUID
			st.Identification.UserFields = []string{"username"}
		case store.StagePassword:
			st.Password.FailedAttemptsBeforeCancel = 3
		case store.StageDeny:
			st.Deny.DenyMessage = "no"
		}
		check(t, s.CreateStage(ctx, &st), "create %s", kind)
		got, err := s.GetStage(ctx, st.UUID)
		check(t, err, "get %s", kind)
		if !reflect.DeepEqual(got, st) {
			t.Errorf("%s round trip:\n got %+v\nwant %+v", kind, got, st)
		}
		if byName, err := s.GetStageByName(ctx, st.Name); err != nil || byName.UUID != st.UUID {
			t.Errorf("%s by name: %v", kind, err)
		}
	}
	// Names are unique across kinds.
	dup, _ := store.NewStage(store.StageDeny, "stage-invitation")
	wantErr(t, s.CreateStage(ctx, &dup), store.ErrConflict, "duplicate name across kinds")
	bad := store.Stage{Name: "weird", Kind: "nonsense"}
	if err := s.CreateStage(ctx, &bad); err == nil {
		t.Error("created a stage of an unknown kind")
	}
	list, err := s.ListStages(ctx)
	check(t, err, "list")
	if len(list) != len(store.StageKinds) || !slices.IsSortedFunc(list, func(a, b store.Stage) int { return strings.Compare(a.Name, b.Name) }) {
		t.Errorf("list = %v", names(list, func(s store.Stage) string { return s.Name }))
	}
	for _, st := range list {
		if st.Kind == store.StageIdentification && (st.Identification == nil || st.Identification.EnrollmentFlow == nil) {
			t.Errorf("listed identification stage lost its settings: %+v", st)
		}
	}
	st, _ := s.GetStageByName(ctx, "stage-deny")
	st.Name, st.Deny.DenyMessage = "denied", "go away"
	check(t, s.UpdateStage(ctx, &st), "update")
	again, _ := s.GetStage(ctx, st.UUID)
	if again.Name != "denied" || again.Deny.DenyMessage != "go away" {
		t.Errorf("after update = %+v", again)
	}
	st.Name = "stage-prompt"
	wantErr(t, s.UpdateStage(ctx, &st), store.ErrConflict, "rename to taken")
	check(t, s.DeleteStage(ctx, st.UUID), "delete")
	_, err = s.GetStage(ctx, st.UUID)
	wantErr(t, err, store.ErrNotFound, "get deleted")
	wantErr(t, s.DeleteStage(ctx, st.UUID), store.ErrNotFound, "delete twice")
}

func testPromptStageLists(t *testing.T, s store.Store) {
	var prompts []string
	for _, n := range []string{"username", "email", "password"} {
		p := store.Prompt{Name: "p-" + n, FieldKey: n, Label: n, Type: "text", Required: true}
		check(t, s.CreatePrompt(ctx, &p), "prompt %s", n)
		prompts = append(prompts, p.UUID)
	}
	pol := store.Policy{Name: "check", Expression: "return True"}
	check(t, s.CreatePolicy(ctx, &pol), "policy")
	st, _ := store.NewStage(store.StagePrompt, "fields")
	st.Prompt.Fields = []string{prompts[2], prompts[0], prompts[1]}
	st.Prompt.ValidationPolicies = []string{pol.UUID}
	check(t, s.CreateStage(ctx, &st), "create")
	other, _ := store.NewStage(store.StagePrompt, "other")
	other.Prompt.Fields = []string{prompts[0]}
	check(t, s.CreateStage(ctx, &other), "create other")

	got, err := s.GetStage(ctx, st.UUID)
	check(t, err, "get")
	sameStrings(t, got.Prompt.Fields, st.Prompt.Fields, "fields keep their order")
	sameStrings(t, got.Prompt.ValidationPolicies, []string{pol.UUID}, "policies")
	using, err := s.PromptStagesUsing(ctx, prompts[0])
	check(t, err, "stages using")
	sameStrings(t, names(using, func(s store.Stage) string { return s.Name }), []string{"fields", "other"}, "stages using prompt")
	if len(using[0].Prompt.Fields) != 3 {
		t.Errorf("PromptStagesUsing lost fields: %+v", using[0].Prompt)
	}

	bad, _ := store.NewStage(store.StagePrompt, "bad")
	bad.Prompt.Fields = []string{"00000000-0000-4000-8000-000000000000"}
	wantErr(t, s.CreateStage(ctx, &bad), store.ErrReferenced, "unknown prompt")
	if _, err := s.GetStageByName(ctx, "bad"); err == nil {
		t.Error("a failed create left the stage behind")
	}

	got.Prompt.Fields = []string{prompts[1]}
	check(t, s.UpdateStage(ctx, &got), "update")
	again, _ := s.GetStage(ctx, st.UUID)
	sameStrings(t, again.Prompt.Fields, []string{prompts[1]}, "fields after update")

	// Deleting a prompt or a policy removes it from stages.
	check(t, s.DeletePrompt(ctx, prompts[1]), "delete prompt")
	check(t, s.DeletePolicy(ctx, pol.UUID), "delete policy")
	again, _ = s.GetStage(ctx, st.UUID)
	if len(again.Prompt.Fields) != 0 || len(again.Prompt.ValidationPolicies) != 0 {
		t.Errorf("after deleting prompt and policy = %+v", again.Prompt)
	}
	list, _ := s.ListStages(ctx)
	for _, l := range list {
		if l.Name == "other" {
			sameStrings(t, l.Prompt.Fields, []string{prompts[0]}, "other stage in list")
		}
	}
}

func testBindings(t *testing.T, s store.Store) {
	f := mkFlow(t, s, "f")
	f2 := mkFlow(t, s, "g")
	a := mkStage(t, s, store.StagePrompt, "a")
	b := mkStage(t, s, store.StageUserWrite, "b")
	b1 := store.FlowStageBinding{Target: f.UUID, Stage: b.UUID, Order: 20, ReEvaluatePolicies: true}
	check(t, s.CreateBinding(ctx, &b1), "create")
	if b1.InvalidResponseAction != "retry" || b1.PolicyEngineMode != "any" || len(b1.UUID) != 36 {
		t.Errorf("defaults = %+v", b1)
	}
	b0 := store.FlowStageBinding{Target: f.UUID, Stage: a.UUID, Order: 10, EvaluateOnPlan: true, InvalidResponseAction: "restart"}
	check(t, s.CreateBinding(ctx, &b0), "create")
	check(t, s.CreateBinding(ctx, &store.FlowStageBinding{Target: f2.UUID, Stage: a.UUID, Order: 0}), "create in g")
	got, err := s.GetBinding(ctx, b0.UUID)
	check(t, err, "get")
	if !reflect.DeepEqual(got, b0) {
		t.Errorf("get = %+v, want %+v", got, b0)
	}
	wantErr(t, s.CreateBinding(ctx, &store.FlowStageBinding{Target: f.UUID, Stage: a.UUID, Order: 10}), store.ErrConflict, "same target, stage, order")
	check(t, s.CreateBinding(ctx, &store.FlowStageBinding{Target: f.UUID, Stage: a.UUID, Order: 30}), "same stage at another order")
	wantErr(t, s.CreateBinding(ctx, &store.FlowStageBinding{Target: f.UUID, Stage: "00000000-0000-4000-8000-000000000000"}), store.ErrReferenced, "missing stage")
	wantErr(t, s.CreateBinding(ctx, &store.FlowStageBinding{Target: "00000000-0000-4000-8000-000000000000", Stage: a.UUID}), store.ErrReferenced, "missing flow")

	list, err := s.ListBindings(ctx, f.UUID)
	check(t, err, "list")
	order := func(b store.FlowStageBinding) string { return string(rune('0' + b.Order/10)) }
	sameStrings(t, names(list, order), []string{"1", "2", "3"}, "flow bindings by order")
	all, _ := s.ListBindings(ctx, "")
	if len(all) != 4 {
		t.Errorf("all bindings = %d", len(all))
	}
	forA, _ := s.BindingsForStage(ctx, a.UUID)
	if len(forA) != 3 {
		t.Errorf("bindings for a = %d", len(forA))
	}
	got.Order = 40
	got.PolicyEngineMode = "all"
	check(t, s.UpdateBinding(ctx, &got), "update")
	again, _ := s.GetBinding(ctx, got.UUID)
	if again.Order != 40 || again.PolicyEngineMode != "all" {
		t.Errorf("after update = %+v", again)
	}
	check(t, s.DeleteBinding(ctx, b1.UUID), "delete")
	wantErr(t, s.DeleteBinding(ctx, b1.UUID), store.ErrNotFound, "delete twice")

	// Deleting a stage or a flow deletes their bindings.
	check(t, s.DeleteStage(ctx, a.UUID), "delete stage")
	if l, _ := s.ListBindings(ctx, ""); len(l) != 0 {
		t.Errorf("bindings after stage delete = %d", len(l))
	}
	check(t, s.CreateBinding(ctx, &store.FlowStageBinding{Target: f.UUID, Stage: b.UUID, Order: 1}), "rebind")
	check(t, s.DeleteFlow(ctx, f.UUID), "delete flow")
	if l, _ := s.ListBindings(ctx, ""); len(l) != 0 {
		t.Errorf("bindings after flow delete = %d", len(l))
	}
}

func testPrompts(t *testing.T, s store.Store) {
	p := store.Prompt{Name: "username", FieldKey: "username", Label: "Username", Type: "username", Required: true,
		Placeholder: "Username", PlaceholderExpression: true, InitialValue: "x", InitialValueExpression: true, Order: 5, SubText: "s"}
	check(t, s.CreatePrompt(ctx, &p), "create")
	got, err := s.GetPrompt(ctx, p.UUID)
	check(t, err, "get")
	if !reflect.DeepEqual(got, p) {
		t.Errorf("get = %+v, want %+v", got, p)
	}
	if g, err := s.GetPromptByName(ctx, "username"); err != nil || g.UUID != p.UUID {
		t.Errorf("by name: %v", err)
	}
	wantErr(t, s.CreatePrompt(ctx, &store.Prompt{Name: "username", FieldKey: "u", Type: "text"}), store.ErrConflict, "duplicate name")
	check(t, s.CreatePrompt(ctx, &store.Prompt{Name: "email", FieldKey: "email", Type: "email"}), "create email")
	list, err := s.ListPrompts(ctx)
	check(t, err, "list")
	sameStrings(t, names(list, func(p store.Prompt) string { return p.Name }), []string{"email", "username"}, "prompts")
	got.Label, got.Required = "User", false
	check(t, s.UpdatePrompt(ctx, &got), "update")
	again, _ := s.GetPrompt(ctx, p.UUID)
	if again.Label != "User" || again.Required {
		t.Errorf("after update = %+v", again)
	}
	check(t, s.DeletePrompt(ctx, p.UUID), "delete")
	wantErr(t, s.DeletePrompt(ctx, p.UUID), store.ErrNotFound, "delete twice")
	_, err = s.GetPrompt(ctx, p.UUID)
	wantErr(t, err, store.ErrNotFound, "get deleted")
}
