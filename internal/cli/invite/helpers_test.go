package invite_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// fixture is a migrated SQLite store with an admin and an enrollment flow
// that has an invitation stage and a prompt stage asking for email and name.
type fixture struct {
	app   *app.App
	admin *store.User
	flow  store.Flow
	now   time.Time
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	f := &fixture{now: time.Now().UTC().Truncate(time.Second)}
	clock := func() time.Time { return f.now }
	f.app = &app.App{Store: st, Log: slog.New(slog.DiscardHandler), Events: &event.Recorder{Now: clock}, Now: clock}

	f.admin = &store.User{Username: "akadmin", Name: "authentik Default Admin", IsActive: true,
		Type: store.UserTypeInternal, Path: "users", Attributes: map[string]any{}}
	must(t, st.CreateUser(ctx, f.admin))
	f.flow = store.Flow{Name: "Enrollment", Slug: "enroll", Title: "Welcome", Designation: store.DesignationEnrollment,
		Authentication: "require_unauthenticated", Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
	must(t, st.CreateFlow(ctx, &f.flow))
	invStage, err := store.NewStage(store.StageInvitation, "enroll-invitation")
	must(t, err)
	must(t, st.CreateStage(ctx, &invStage))
	var promptIDs []string
	for i, key := range []string{"email", "name"} {
		p := store.Prompt{Name: "enroll-" + key, FieldKey: key, Label: key, Type: "text", Required: true, Order: i}
		must(t, st.CreatePrompt(ctx, &p))
		promptIDs = append(promptIDs, p.UUID)
	}
	promptStage, err := store.NewStage(store.StagePrompt, "enroll-prompt")
	must(t, err)
	promptStage.Prompt.Fields = promptIDs
	must(t, st.CreateStage(ctx, &promptStage))
	for i, s := range []string{invStage.UUID, promptStage.UUID} {
		b := store.FlowStageBinding{Target: f.flow.UUID, Stage: s, Order: 10 * (i + 1), EvaluateOnPlan: true,
			ReEvaluatePolicies: true, InvalidResponseAction: "retry", PolicyEngineMode: "any"}
		must(t, st.CreateBinding(ctx, &b))
	}
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) invitations(t testing.TB) []store.Invitation {
	t.Helper()
	all, _, err := f.app.Store.ListInvitations(context.Background(), store.InvitationFilter{Ordering: "name"})
	must(t, err)
	return all
}

func (f *fixture) events(t testing.TB, action string) []store.Event {
	t.Helper()
	ev, _, err := f.app.Store.ListEvents(context.Background(), store.EventFilter{Action: action})
	must(t, err)
	return ev
}
