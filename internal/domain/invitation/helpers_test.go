package invitation_test

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

// fixture is a migrated SQLite store with an admin, on a clock the test
// moves.
type fixture struct {
	app   *app.App
	admin *store.User
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
