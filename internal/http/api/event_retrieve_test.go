package api_test

import (
	"context"
	"strings"
	"testing"

	authentik "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
)

// TestEventRetrieveAndActions: GET /api/v3/events/events/{pk}/ returns one
// event (through authentik's client too) and ?actions= matches any of
// several actions.
func TestEventRetrieveAndActions(t *testing.T) {
	e, _ := newPolicyEnv(t)
	ctx := context.Background()
	e.adminJSON("POST", "/api/v3/policies/expression/", map[string]any{"name": "a", "expression": "return True"})
	jane := store.User{Username: "jane", Email: "jane@example.com", IsActive: true, Type: store.UserTypeExternal, Path: "users"}
	if err := e.store.CreateUser(ctx, &jane); err != nil {
		t.Fatal(err)
	}
	rec := &event.Recorder{}
	if err := rec.LoggedIn(ctx, e.store, nil, &jane, map[string]any{"auth_method": "password"}); err != nil {
		t.Fatal(err)
	}
	if err := rec.UserWritten(ctx, e.store, nil, &jane, map[string]any{"username": "jane", "password": "hunter2"}, true); err != nil {
		t.Fatal(err)
	}
	logins, _, err := e.store.ListEvents(ctx, store.EventFilter{Action: event.Login})
	if err != nil || len(logins) != 1 {
		t.Fatalf("login events: %v %v", logins, err)
	}
	login := logins[0]

	t.Run("retrieve", func(t *testing.T) {
		got, _, err := e.client.EventsAPI.EventsEventsRetrieve(ctx, login.UUID).Execute()
		if err != nil {
			t.Fatalf("retrieve: %v", err)
		}
		if got.Pk != login.UUID || got.Action != authentik.EVENTACTIONS_LOGIN || got.User["username"] != "jane" ||
			got.Context["auth_method"] != "password" {
			t.Errorf("event = %+v", got)
		}
		for _, id := range []string{strings.ToUpper(login.UUID), strings.ReplaceAll(login.UUID, "-", "")} {
			if status, body := e.adminJSON("GET", "/api/v3/events/events/"+id+"/", nil); status != 200 || body["pk"] != login.UUID {
				t.Errorf("%s: %d %v", id, status, body)
			}
		}
		for _, id := range []string{"0b6f2e4a-3c0d-4d7e-9a51-123456789abc", "not-a-uuid"} {
			if status, body := e.adminJSON("GET", "/api/v3/events/events/"+id+"/", nil); status != 404 || body["detail"] != "Not found." {
				t.Errorf("%s: %d %v, want 404 Not found.", id, status, body)
			}
		}
	})

	t.Run("actions", func(t *testing.T) {
		list, _, err := e.client.EventsAPI.EventsEventsList(ctx).
			Actions([]authentik.EventActions{authentik.EVENTACTIONS_LOGIN, authentik.EVENTACTIONS_USER_WRITE}).Execute()
		if err != nil {
			t.Fatalf("list: %v", err)
		}
		got := map[authentik.EventActions]int{}
		for _, ev := range list.Results {
			got[ev.Action]++
		}
		if list.Pagination.Count != 2 || got[authentik.EVENTACTIONS_LOGIN] != 1 || got[authentik.EVENTACTIONS_USER_WRITE] != 1 {
			t.Errorf("actions login+user_write: count %v, actions %v", list.Pagination.Count, got)
		}
		for _, ev := range list.Results {
			if ev.Action == authentik.EVENTACTIONS_USER_WRITE && ev.Context["password"] != event.Mask {
				t.Errorf("user_write password not masked: %v", ev.Context["password"])
			}
		}
		e.checkEventQueries(t, []eventQuery{
			{query: "?actions=model_created", status: 200, count: 1},
			{query: "?actions=model_created&actions=login&actions=user_write", status: 200, count: 3},
			{query: "?actions=login&username=akadmin", status: 200, count: 0},
			{query: "?actions=logout", status: 200, count: 0},
			{query: "?actions=login&actions=DROP%20TABLE", status: 400, field: "actions",
				msg: "Select a valid choice. DROP TABLE is not one of the available choices."},
		})
	})
}

// eventQuery is a GET of the events list and its answer: 200 with count
// events, or 400 whose body names field (with the one message msg, if set).
type eventQuery struct {
	query      string
	status     int
	count      float64
	field, msg string
}

func (e *env) checkEventQueries(t *testing.T, cases []eventQuery) {
	t.Helper()
	for _, c := range cases {
		status, body := e.adminJSON("GET", "/api/v3/events/events/"+c.query, nil)
		if status != c.status {
			t.Errorf("%s: status %d (%v)", c.query, status, body)
			continue
		}
		if status == 200 {
			if n := body["pagination"].(map[string]any)["count"]; n != c.count {
				t.Errorf("%s: count %v, want %v", c.query, n, c.count)
			}
			continue
		}
		if c.msg == "" {
			if body[c.field] == nil {
				t.Errorf("%s: body %v should name the parameter %s", c.query, body, c.field)
			}
		} else if msgs, _ := body[c.field].([]any); len(msgs) != 1 || msgs[0] != c.msg {
			t.Errorf("%s: body %v, want %s: [%q]", c.query, body, c.field, c.msg)
		}
	}
}
