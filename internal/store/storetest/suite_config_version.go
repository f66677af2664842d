package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// testConfigVersion: every write to the configuration the flows run on
// raises ConfigVersion, through any path (a cascade, a transaction); writes
// of users, sessions, invitations and the like leave it alone, so a cache
// validated against it is not thrown away by every enrollment.
func testConfigVersion(t *testing.T, s store.Store) {
	u := mkUser(t, s, "owner")
	f := mkFlow(t, s, "f")
	st := mkStage(t, s, store.StageUserLogin, "login")
	g := mkGroup(t, s, "g", nil)
	inv := mkInvitation(t, s, "inv", u.PK, nil)
	var (
		flow2   store.Flow
		prompt  store.Prompt
		pstage  store.Stage
		binding store.FlowStageBinding
		policy  store.Policy
		pb      store.PolicyBinding
		brand   store.Brand
		app     store.Application
		gone    store.Group
		leaving store.User
		sess    = store.Session{ID: "sess", Expires: ts(time.Hour)}
	)
	steps := []struct {
		name  string
		bumps bool
		do    func() error
	}{
		{"create flow", true, func() error {
			flow2 = store.Flow{Name: "F2", Slug: "f2", Designation: "enrollment"}
			return s.CreateFlow(ctx, &flow2)
		}},
		{"update flow title", true, func() error { flow2.Title = "New title"; return s.UpdateFlow(ctx, &flow2) }},
		{"create prompt", true, func() error {
			prompt = store.Prompt{Name: "p", FieldKey: "username", Type: "username", Required: true}
			return s.CreatePrompt(ctx, &prompt)
		}},
		{"update prompt", true, func() error { prompt.Label = "User name"; return s.UpdatePrompt(ctx, &prompt) }},
		{"create prompt stage", true, func() error {
			var err error
			if pstage, err = store.NewStage(store.StagePrompt, "ps"); err != nil {
				return err
			}
			return s.CreateStage(ctx, &pstage)
		}},
		// Only the join table changes: the stage row is written the same.
		{"add a field to the prompt stage", true, func() error {
			pstage.Prompt.Fields = []string{prompt.UUID}
			return s.UpdateStage(ctx, &pstage)
		}},
		{"update stage settings", true, func() error { st.UserLogin.SessionDuration = "hours=1"; return s.UpdateStage(ctx, &st) }},
		{"create binding", true, func() error {
			binding = store.FlowStageBinding{Target: f.UUID, Stage: st.UUID, Order: 10, ReEvaluatePolicies: true}
			return s.CreateBinding(ctx, &binding)
		}},
		{"update binding", true, func() error { binding.Order = 20; return s.UpdateBinding(ctx, &binding) }},
		{"create policy", true, func() error {
			policy = store.Policy{Name: "pol", Expression: "return True"}
			return s.CreatePolicy(ctx, &policy)
		}},
		{"update policy", true, func() error { policy.Expression = "return False"; return s.UpdatePolicy(ctx, &policy) }},
		{"create policy binding", true, func() error {
			pb = store.PolicyBinding{Target: binding.UUID, Policy: &policy.UUID, Enabled: true, Order: 1, Timeout: 30}
			return s.CreatePolicyBinding(ctx, &pb)
		}},
		{"update policy binding", true, func() error { pb.Negate = true; return s.UpdatePolicyBinding(ctx, &pb) }},
		{"delete policy binding", true, func() error { return s.DeletePolicyBinding(ctx, pb.UUID) }},
		{"create brand", true, func() error {
			brand = store.Brand{Domain: "example.com", BrandingTitle: "Ex"}
			return s.CreateBrand(ctx, &brand)
		}},
		{"update brand", true, func() error { brand.BrandingTitle = "Example"; return s.UpdateBrand(ctx, &brand) }},
		{"create application", true, func() error { app = store.Application{Name: "App", Slug: "app"}; return s.CreateApplication(ctx, &app) }},
		{"update application", true, func() error { app.MetaLaunchURL = "https://app.example.com"; return s.UpdateApplication(ctx, &app) }},
		{"delete application", true, func() error { return s.DeleteApplication(ctx, app.UUID) }},
		{"delete brand", true, func() error { return s.DeleteBrand(ctx, brand.UUID) }},
		// Cascades: deleting a group or a user removes the policy bindings
		// that named them, which the cache may hold.
		{"delete a group with a policy binding", true, func() error {
			gone = mkGroup(t, s, "gone", nil)
			if err := s.CreatePolicyBinding(ctx, &store.PolicyBinding{Target: f.UUID, Group: &gone.UUID, Enabled: true}); err != nil {
				return err
			}
			v := version(t, s)
			if err := s.DeleteGroup(ctx, gone.UUID); err != nil {
				return err
			}
			if version(t, s) == v {
				return errors.New("the cascade did not raise the version")
			}
			return nil
		}},
		{"delete a user with a policy binding", true, func() error {
			leaving = mkUser(t, s, "leaving")
			if err := s.CreatePolicyBinding(ctx, &store.PolicyBinding{Target: f.UUID, User: &leaving.PK, Enabled: true}); err != nil {
				return err
			}
			v := version(t, s)
			if err := s.DeleteUser(ctx, leaving.PK); err != nil {
				return err
			}
			if version(t, s) == v {
				return errors.New("the cascade did not raise the version")
			}
			return nil
		}},
		{"delete a prompt (removes it from the stage)", true, func() error { return s.DeletePrompt(ctx, prompt.UUID) }},
		{"delete binding", true, func() error { return s.DeleteBinding(ctx, binding.UUID) }},
		{"delete policy", true, func() error { return s.DeletePolicy(ctx, policy.UUID) }},
		{"delete stage", true, func() error { return s.DeleteStage(ctx, pstage.UUID) }},
		{"delete flow", true, func() error { return s.DeleteFlow(ctx, flow2.UUID) }},
		{"config write in a transaction", true, func() error {
			return s.Tx(ctx, func(q store.Queries) error { f.Title = "In a transaction"; return q.UpdateFlow(ctx, &f) })
		}},

		{"rolled back config write", false, func() error {
			err := s.Tx(ctx, func(q store.Queries) error {
				f.Title = "Rolled back"
				if err := q.UpdateFlow(ctx, &f); err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				return err
			}
			return nil
		}},
		{"user writes", false, func() error {
			v := mkUser(t, s, "visitor")
			v.Name = "Visitor"
			if err := s.UpdateUser(ctx, &v); err != nil {
				return err
			}
			if err := s.SetLastLogin(ctx, v.PK, ts(0)); err != nil {
				return err
			}
			return s.DeleteUser(ctx, v.PK)
		}},
		{"group membership", false, func() error {
			if err := s.AddGroupMember(ctx, g.UUID, u.PK); err != nil {
				return err
			}
			g.Attributes = map[string]any{"team": "a"}
			if err := s.UpdateGroup(ctx, &g); err != nil {
				return err
			}
			return s.RemoveGroupMember(ctx, g.UUID, u.PK)
		}},
		{"sessions", false, func() error {
			if err := s.CreateSession(ctx, &sess); err != nil {
				return err
			}
			sess.Data = []byte(`{"a":1}`)
			if err := s.UpdateSession(ctx, &sess); err != nil {
				return err
			}
			return s.DeleteSession(ctx, sess.ID)
		}},
		{"invitations", false, func() error {
			inv.Email = "invitee@example.com"
			if err := s.UpdateInvitation(ctx, &inv); err != nil {
				return err
			}
			if err := s.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: inv.UUID, UsedAt: ts(0)}); err != nil {
				return err
			}
			return s.DeleteInvitation(ctx, inv.UUID)
		}},
		{"events, rate limits, settings, outbox", false, func() error {
			if err := s.CreateEvent(ctx, &store.Event{Action: "login", Created: ts(0), Expires: ts(time.Hour)}); err != nil {
				return err
			}
			if _, err := s.Hit(ctx, "login:1.2.3.4", ts(0), ts(time.Minute)); err != nil {
				return err
			}
			if err := s.SetSetting(ctx, "k", "v"); err != nil {
				return err
			}
			return s.EnqueueOutbox(ctx, &store.OutboxMessage{Kind: "email", Payload: []byte("{}"), NextAttempt: ts(0)})
		}},
		{"delete a group nothing refers to", false, func() error { return s.DeleteGroup(ctx, g.UUID) }},
	}
	for _, step := range steps {
		before := version(t, s)
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		after := version(t, s)
		switch {
		case after < before:
			t.Errorf("%s: config version went back from %d to %d", step.name, before, after)
		case step.bumps && after == before:
			t.Errorf("%s: config version stayed %d, want it raised", step.name, before)
		case !step.bumps && after != before:
			t.Errorf("%s: config version changed from %d to %d, want it unchanged", step.name, before, after)
		}
	}
}

var errRollback = errors.New("roll back")

func version(t *testing.T, q store.Queries) int64 {
	t.Helper()
	v, err := q.ConfigVersion(ctx)
	check(t, err, "config version")
	return v
}
