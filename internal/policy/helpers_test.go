package policy_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// env is a migrated SQLite store with an engine and a flow to bind to.
type env struct {
	t   *testing.T
	ctx context.Context
	st  store.Store
	app *app.App
	eng *policy.Engine
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	a := &app.App{Store: st, Events: &event.Recorder{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	tt, _ := t.(*testing.T)
	return &env{t: tt, ctx: ctx, st: st, app: a, eng: policy.NewEngine(a)}
}

func (e *env) flow(slug string) store.Flow {
	e.t.Helper()
	f := store.Flow{Name: slug, Slug: slug, Title: slug, Designation: store.DesignationEnrollment,
		Authentication: "none", Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
	if err := e.st.CreateFlow(e.ctx, &f); err != nil {
		e.t.Fatal(err)
	}
	return f
}

func (e *env) policy(name, expr string, logging bool) store.Policy {
	e.t.Helper()
	if err := policy.Compile(expr); err != nil {
		e.t.Fatalf("policy %s does not compile: %v", name, err)
	}
	p := store.Policy{Name: name, Kind: "expression", Expression: expr, ExecutionLogging: logging}
	if err := e.st.CreatePolicy(e.ctx, &p); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *env) bind(target string, b store.PolicyBinding) store.PolicyBinding {
	e.t.Helper()
	b.Target = target
	if b.Timeout == 0 {
		b.Timeout = 30
	}
	if err := e.st.CreatePolicyBinding(e.ctx, &b); err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) user(username string) *store.User {
	e.t.Helper()
	u := store.User{Username: username, Name: username, Email: username + "@example.com", IsActive: true,
		Type: store.UserTypeInternal, Path: "users", Attributes: map[string]any{"team": "blue"}}
	if err := e.st.CreateUser(e.ctx, &u); err != nil {
		e.t.Fatal(err)
	}
	return &u
}

// staffEngineers creates group "staff" with child group "engineers", and
// puts member in engineers (so in staff through the child).
func (e *env) staffEngineers(member *store.User) (parent, child store.Group) {
	e.t.Helper()
	parent = store.Group{Name: "staff"}
	if err := e.st.CreateGroup(e.ctx, &parent); err != nil {
		e.t.Fatal(err)
	}
	child = store.Group{Name: "engineers", Parent: &parent.UUID}
	if err := e.st.CreateGroup(e.ctx, &child); err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.AddGroupMember(e.ctx, child.UUID, member.PK); err != nil {
		e.t.Fatal(err)
	}
	return parent, child
}

func (e *env) events(action string) []store.Event {
	e.t.Helper()
	evs, _, err := e.st.ListEvents(e.ctx, store.EventFilter{Action: action})
	if err != nil {
		e.t.Fatal(err)
	}
	return evs
}

func ptr[T any](v T) *T { return &v }

// plan stands in for the flow's live plan.
type plan struct{ ctx map[string]any }

func (p *plan) PlanContext() map[string]any { return p.ctx }

// invitedContext and uninvitedContext are built like the flow builds the
// policy context after the invitation stage.
func invitedContext() map[string]any {
	exp := time.Now().Add(time.Hour)
	inv := &store.Invitation{UUID: "6d1e2a2e-6a51-4f43-8a0d-3f3f0c9b7e11", Name: "jane", Expires: &exp,
		Expiring: true, MaxUses: ptr(1), FixedData: map[string]any{"department": "Engineering",
			"email": "jane@example.com"}}
	pd := map[string]any{"email": "jane@example.com", "department": "Engineering", "username": "jane"}
	return map[string]any{"invitation_in_effect": true, "invitation": inv, "prompt_data": pd,
		"flow_plan": &plan{ctx: map[string]any{"prompt_data": pd}}}
}

func uninvitedContext() map[string]any {
	pd := map[string]any{"email": "mallory@evil.test", "username": "mallory"}
	return map[string]any{"prompt_data": pd, "flow_plan": &plan{ctx: map[string]any{"prompt_data": pd}}}
}
