package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// testEventStats: volume per UTC day and action within a range, and the
// applications most signed in to with their distinct users.
func testEventStats(t *testing.T, s store.Store) {
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	mk := func(action string, user float64, at time.Time, app map[string]any) {
		e := store.Event{Action: action, App: "usher", User: map[string]any{"pk": user, "username": fmt.Sprint("u", user)},
			Created: at, Expires: at.Add(24 * time.Hour)}
		if app != nil {
			e.Context = map[string]any{"authorized_application": app}
		}
		check(t, s.CreateEvent(ctx, &e), "create")
	}
	grafana := map[string]any{"app": "authentik_core", "model_name": "application", "name": "Grafana", "pk": "a1"}
	wiki := map[string]any{"app": "authentik_core", "model_name": "application", "name": "Wiki", "pk": "a2"}
	mk("login", 1, day.Add(time.Hour), nil)
	mk("login", 2, day.Add(23*time.Hour), nil)
	mk("login", 1, day.Add(25*time.Hour), nil)
	mk("model_created", 1, day.Add(25*time.Hour), nil)
	mk("login", 1, day.Add(-time.Hour), nil) // before the range
	mk("authorize_application", 1, day.Add(time.Hour), grafana)
	mk("authorize_application", 1, day.Add(2*time.Hour), grafana)
	mk("authorize_application", 2, day.Add(3*time.Hour), grafana)
	mk("authorize_application", 2, day.Add(4*time.Hour), wiki)

	vol, err := s.EventVolume(ctx, store.EventFilter{Action: "login", Since: &day})
	check(t, err, "volume")
	got := ""
	for _, c := range vol {
		got += fmt.Sprintf("%s %s %d;", c.Day.Format("01-02"), c.Action, c.Count)
	}
	if got != "11-20 login 2;11-21 login 1;" {
		t.Errorf("volume = %s", got)
	}
	top, err := s.EventTopApplications(ctx, "authorize_application", 10)
	check(t, err, "top applications")
	if len(top) != 2 || top[0].Events != 3 || top[0].Users != 2 || top[1].Events != 1 || top[1].Users != 1 {
		t.Fatalf("top = %+v", top)
	}
	if one, _ := s.EventTopApplications(ctx, "authorize_application", 1); len(one) != 1 {
		t.Errorf("limit 1 gave %d rows", len(one))
	}
}
