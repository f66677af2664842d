package storetest

import (
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// Deletes keep references consistent: schema cascades and SET NULL, plus
// references held in stage settings JSON or policy binding targets, which
// the store cleans in the same transaction.

func testDeleteUserCascades(t *testing.T, s store.Store) {
	admin := mkUser(t, s, "admin")
	other := mkUser(t, s, "other")
	g := mkGroup(t, s, "g", nil)
	check(t, s.AddGroupMember(ctx, g.UUID, admin.PK), "member")
	mine := mkInvitation(t, s, "mine", admin.PK, nil)
	theirs := mkInvitation(t, s, "theirs", other.PK, nil)
	check(t, s.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: theirs.UUID, UserPK: &admin.PK, Username: "admin"}), "use")
	check(t, s.CreateToken(ctx, &store.Token{Identifier: "t", KeyHash: "h", UserPK: admin.PK}), "token")
	check(t, s.CreateSession(ctx, &store.Session{ID: "s", UserPK: &admin.PK, Expires: ts(0)}), "session")

	check(t, s.DeleteUser(ctx, admin.PK), "delete user")
	_, err := s.GetInvitation(ctx, mine.UUID)
	wantErr(t, err, store.ErrNotFound, "invitation created by the deleted user")
	if _, err := s.GetInvitation(ctx, theirs.UUID); err != nil {
		t.Errorf("other user's invitation: %v", err)
	}
	uses, _ := s.ListInvitationUses(ctx, theirs.UUID)
	if len(uses) != 1 || uses[0].UserPK != nil || uses[0].Username != "admin" {
		t.Errorf("use after user delete = %+v", uses)
	}
	_, err = s.GetToken(ctx, "t")
	wantErr(t, err, store.ErrNotFound, "token")
	_, err = s.GetSession(ctx, "s")
	wantErr(t, err, store.ErrNotFound, "session")
	members, total, _ := s.ListUsers(ctx, store.UserFilter{GroupUUID: g.UUID})
	if total != 0 || len(members) != 0 {
		t.Errorf("members after delete = %d", total)
	}
}

func testDeleteFlowCleanup(t *testing.T, s store.Store) {
	u := mkUser(t, s, "admin")
	f := mkFlow(t, s, "enroll")
	keep := mkFlow(t, s, "keep")
	ident, _ := store.NewStage(store.StageIdentification, "ident")
	ident.Identification.EnrollmentFlow, ident.Identification.RecoveryFlow = &f.UUID, &f.UUID
	ident.Identification.PasswordlessFlow = &keep.UUID
	check(t, s.CreateStage(ctx, &ident), "ident")
	pw, _ := store.NewStage(store.StagePassword, "pw")
	pw.Password.ConfigureFlow = &f.UUID
	check(t, s.CreateStage(ctx, &pw), "pw")
	b := store.Brand{Domain: "x", FlowAuthentication: &f.UUID, FlowRecovery: &keep.UUID}
	check(t, s.CreateBrand(ctx, &b), "brand")
	inv := store.Invitation{Name: "i", Flow: &f.UUID, CreatedBy: u.PK}
	check(t, s.CreateInvitation(ctx, &inv), "invitation")
	fsb := store.FlowStageBinding{Target: f.UUID, Stage: pw.UUID, Order: 1}
	check(t, s.CreateBinding(ctx, &fsb), "binding")
	p := store.Policy{Name: "p"}
	check(t, s.CreatePolicy(ctx, &p), "policy")
	for i, target := range []string{f.UUID, fsb.UUID, keep.UUID} {
		check(t, s.CreatePolicyBinding(ctx, &store.PolicyBinding{Target: target, Policy: &p.UUID, Order: i}), "policy binding")
	}

	check(t, s.DeleteFlow(ctx, f.UUID), "delete flow")
	gi, _ := s.GetStage(ctx, ident.UUID)
	if gi.Identification.EnrollmentFlow != nil || gi.Identification.RecoveryFlow != nil ||
		gi.Identification.PasswordlessFlow == nil || *gi.Identification.PasswordlessFlow != keep.UUID {
		t.Errorf("identification after flow delete = %+v", gi.Identification)
	}
	if gp, _ := s.GetStage(ctx, pw.UUID); gp.Password.ConfigureFlow != nil || gp.Password.FailedAttemptsBeforeCancel != 5 {
		t.Errorf("password stage after flow delete = %+v", gp.Password)
	}
	if gb, _ := s.GetBrand(ctx, b.UUID); gb.FlowAuthentication != nil || gb.FlowRecovery == nil {
		t.Errorf("brand after flow delete = %+v", gb)
	}
	if gi, err := s.GetInvitation(ctx, inv.UUID); err != nil || gi.Flow != nil {
		t.Errorf("invitation after flow delete = %+v, %v", gi, err)
	}
	all, _ := s.ListPolicyBindings(ctx, "")
	if len(all) != 1 || all[0].Target != keep.UUID {
		t.Errorf("policy bindings after flow delete = %+v", all)
	}
	if l, _ := s.ListBindings(ctx, ""); len(l) != 0 {
		t.Errorf("stage bindings after flow delete = %+v", l)
	}
}

func testDeleteStageCleanup(t *testing.T, s store.Store) {
	f := mkFlow(t, s, "f")
	pw := mkStage(t, s, store.StagePassword, "pw")
	ident, _ := store.NewStage(store.StageIdentification, "ident")
	ident.Identification.PasswordStage = &pw.UUID
	check(t, s.CreateStage(ctx, &ident), "ident")
	fsb := store.FlowStageBinding{Target: f.UUID, Stage: pw.UUID, Order: 1}
	check(t, s.CreateBinding(ctx, &fsb), "binding")
	p := store.Policy{Name: "p"}
	check(t, s.CreatePolicy(ctx, &p), "policy")
	for i, target := range []string{pw.UUID, fsb.UUID, f.UUID} {
		check(t, s.CreatePolicyBinding(ctx, &store.PolicyBinding{Target: target, Policy: &p.UUID, Order: i}), "policy binding")
	}
	check(t, s.DeleteStage(ctx, pw.UUID), "delete stage")
	if gi, _ := s.GetStage(ctx, ident.UUID); gi.Identification.PasswordStage != nil {
		t.Errorf("password_stage after delete = %v", *gi.Identification.PasswordStage)
	}
	all, _ := s.ListPolicyBindings(ctx, "")
	if len(all) != 1 || all[0].Target != f.UUID {
		t.Errorf("policy bindings after stage delete = %+v", all)
	}
	// Deleting a binding alone removes the policy bindings on it too.
	st := mkStage(t, s, store.StageDeny, "deny")
	b2 := store.FlowStageBinding{Target: f.UUID, Stage: st.UUID, Order: 2}
	check(t, s.CreateBinding(ctx, &b2), "binding 2")
	check(t, s.CreatePolicyBinding(ctx, &store.PolicyBinding{Target: b2.UUID, Policy: &p.UUID, Order: 9}), "policy binding")
	check(t, s.DeleteBinding(ctx, b2.UUID), "delete binding")
	if l, _ := s.ListPolicyBindings(ctx, b2.UUID); len(l) != 0 {
		t.Errorf("policy bindings on deleted binding = %+v", l)
	}
}

func testDeleteGroupCleanup(t *testing.T, s store.Store) {
	g := mkGroup(t, s, "enrolled", nil)
	keep := mkGroup(t, s, "keep", nil)
	w1, _ := store.NewStage(store.StageUserWrite, "w1")
	w1.UserWrite.CreateUsersGroup = &g.UUID
	w1.UserWrite.UserCreationMode = "always_create"
	check(t, s.CreateStage(ctx, &w1), "w1")
	w2, _ := store.NewStage(store.StageUserWrite, "w2")
	w2.UserWrite.CreateUsersGroup = &keep.UUID
	check(t, s.CreateStage(ctx, &w2), "w2")
	check(t, s.DeleteGroup(ctx, g.UUID), "delete group")
	if got, _ := s.GetStage(ctx, w1.UUID); got.UserWrite.CreateUsersGroup != nil || got.UserWrite.UserCreationMode != "always_create" {
		t.Errorf("w1 after group delete = %+v", got.UserWrite)
	}
	if got, _ := s.GetStage(ctx, w2.UUID); got.UserWrite.CreateUsersGroup == nil || *got.UserWrite.CreateUsersGroup != keep.UUID {
		t.Errorf("w2 after group delete = %+v", got.UserWrite)
	}
}

func testDeleteApplicationCleanup(t *testing.T, s store.Store) {
	app := store.Application{Name: "A", Slug: "a"}
	check(t, s.CreateApplication(ctx, &app), "app")
	b := store.Brand{Domain: "x", DefaultApplication: &app.UUID}
	check(t, s.CreateBrand(ctx, &b), "brand")
	p := store.Policy{Name: "p"}
	check(t, s.CreatePolicy(ctx, &p), "policy")
	check(t, s.CreatePolicyBinding(ctx, &store.PolicyBinding{Target: app.UUID, Policy: &p.UUID}), "policy binding")
	check(t, s.DeleteApplication(ctx, app.UUID), "delete")
	if gb, _ := s.GetBrand(ctx, b.UUID); gb.DefaultApplication != nil {
		t.Errorf("brand default_application after delete = %v", *gb.DefaultApplication)
	}
	if l, _ := s.ListPolicyBindings(ctx, app.UUID); len(l) != 0 {
		t.Errorf("policy bindings on deleted application = %+v", l)
	}
}
