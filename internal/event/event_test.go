package event_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

func TestCleanseMasksSecrets(t *testing.T) {
	in := map[string]any{
		"itoken": "6d1e2a2e", "password": "hunter2", "password_repeat": "hunter2", "token": "t",
		"passing": true, "password_change_date": "2026-01-01", "auth_method": "password",
		"auth_method_args": map[string]any{"x": 1}, "username": "jane", "API_KEY": "k", "client_secret": "s",
		"nested": map[string]any{"args": map[string]any{"itoken": "abc", "next": "/"}},
		"list":   []any{map[string]any{"Signature": "sig", "ok": "fine"}},
		"when":   time.Date(2026, 5, 1, 10, 0, 0, 0, time.FixedZone("x", 3600)),
	}
	out := event.Cleanse(in).(map[string]any)
	masked := []string{"itoken", "password", "password_repeat", "token", "API_KEY", "client_secret"}
	for _, k := range masked {
		if out[k] != event.Mask {
			t.Errorf("%s = %v, want masked", k, out[k])
		}
	}
	kept := map[string]any{"passing": true, "password_change_date": "2026-01-01", "auth_method": "password", "username": "jane"}
	for k, v := range kept {
		if out[k] != v {
			t.Errorf("%s = %v, want %v", k, out[k], v)
		}
	}
	if args := out["nested"].(map[string]any)["args"].(map[string]any); args["itoken"] != event.Mask || args["next"] != "/" {
		t.Errorf("nested args %v", args)
	}
	if l := out["list"].([]any)[0].(map[string]any); l["Signature"] != event.Mask || l["ok"] != "fine" {
		t.Errorf("list %v", l)
	}
	if out["when"] != "2026-05-01T09:00:00.000000Z" {
		t.Errorf("when = %v", out["when"])
	}
	if in["password"] != "hunter2" {
		t.Error("Cleanse changed its input")
	}
}

// The stored rows are what the events API shows: check them there.
func TestRecordStoresMaskedEvents(t *testing.T) {
	st := storetest.OpenSQLite(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	rec := &event.Recorder{Retention: 48 * time.Hour, Now: func() time.Time { return now }}
	jane := store.User{Username: "jane", Email: "jane@example.com", IsActive: true, Type: store.UserTypeExternal, Path: "users"}
	if err := st.CreateUser(ctx, &jane); err != nil {
		t.Fatal(err)
	}
	admin := store.User{Username: "akadmin", IsActive: true, Type: store.UserTypeInternal, Path: "users"}
	if err := st.CreateUser(ctx, &admin); err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/api/v3/flows/executor/enroll/?query=itoken%3Dabc", nil)
	r.RemoteAddr = "192.0.2.9:5555"
	inv := store.Invitation{UUID: "6d1e2a2e-6a51-4f43-8a0d-3f3f0c9b7e11", Name: "jane-invite"}
	promptData := map[string]any{"username": "jane", "password": "hunter2", "password_repeat": "hunter2",
		"token": "6d1e2a2e", "component": "ak-stage-prompt"}

	steps := []struct {
		action string
		do     func() error
	}{
		{event.InvitationUsed, func() error { return rec.InvitationUsed(ctx, st, r, &jane, inv) }},
		{event.UserWrite, func() error { return rec.UserWritten(ctx, st, r, &jane, promptData, true) }},
		{event.Login, func() error {
			return rec.LoggedIn(ctx, st, r, &jane, map[string]any{"auth_method": "password", "other": 1})
		}},
		{event.ModelCreated, func() error {
			return rec.ModelCreated(ctx, st, r, &admin, event.Model(store.ModelInvitation, inv.UUID, inv.Name))
		}},
		{event.ModelUpdated, func() error {
			return rec.ModelUpdated(ctx, st, r, &admin, event.Model(store.ModelUser, jane.PK, jane.Username))
		}},
		{event.ModelDeleted, func() error {
			return rec.ModelDeleted(ctx, st, r, &admin, event.Model(store.ModelInvitation, inv.UUID, inv.Name))
		}},
		{event.PasswordSet, func() error { return rec.PasswordChanged(ctx, st, r, &jane) }},
		{event.LoginFailed, func() error { return rec.LoginFailedFor(ctx, st, r, "jane", "default-password") }},
		{event.Logout, func() error { return rec.LoggedOut(ctx, st, r, &jane) }},
		{"custom_hello", func() error { return rec.CustomEvent(ctx, st, r, nil, "hello", map[string]any{"x": 1}) }},
		{"custom_again", func() error { return rec.CustomEvent(ctx, st, r, nil, "custom_again", nil) }},
		{event.PolicyException, func() error {
			return rec.RecordFor(ctx, st, r, &jane, &admin, event.PolicyException, map[string]any{"message": "boom"})
		}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.action, err)
		}
	}
	evs, total, err := st.ListEvents(ctx, store.EventFilter{Ordering: "created"})
	if err != nil {
		t.Fatal(err)
	}
	if total != len(steps) {
		t.Fatalf("stored %d events, want %d", total, len(steps))
	}
	byAction := map[string]store.Event{}
	for _, e := range evs {
		byAction[e.Action] = e
		if e.ClientIP != "192.0.2.9" || !e.Expires.Equal(now.Add(48*time.Hour)) {
			t.Errorf("%s: client_ip %q expires %v", e.Action, e.ClientIP, e.Expires)
		}
		hr, _ := e.Context["http_request"].(map[string]any)
		if hr["path"] != "/api/v3/flows/executor/enroll/" || hr["method"] != "GET" {
			t.Errorf("%s: http_request %v", e.Action, hr)
		}
	}
	for _, s := range steps {
		if _, ok := byAction[s.action]; !ok {
			t.Errorf("no %s event stored", s.action)
		}
	}
	uw := byAction[event.UserWrite].Context
	for _, k := range []string{"password", "password_repeat", "token"} {
		if uw[k] != event.Mask {
			t.Errorf("user_write %s = %v, want masked", k, uw[k])
		}
	}
	if uw["username"] != "jane" || uw["created"] != true || uw["component"] != nil {
		t.Errorf("user_write context %v", uw)
	}
	hr, _ := byAction[event.InvitationUsed].Context["http_request"].(map[string]any)
	if args, _ := hr["args"].(map[string]any); args["itoken"] != event.Mask || args["query"] != nil {
		t.Errorf("executor args should be the parsed wrapped query, masked: %v", hr)
	}
	if byAction[event.InvitationUsed].Context["invitation_uuid"] != "6d1e2a2e…" {
		t.Errorf("invitation_used context %v", byAction[event.InvitationUsed].Context)
	}
	if m := byAction[event.ModelDeleted].Context["model"].(map[string]any); m["pk"] != "6d1e2a2e…" ||
		m["app"] != "authentik_stages_invitation" || m["model_name"] != "invitation" || m["name"] != "jane-invite" {
		t.Errorf("model ref %v", m)
	}
	if l := byAction[event.Login].Context; l["auth_method"] != "password" || l["other"] != nil {
		t.Errorf("login context %v", l)
	}
	if u := byAction[event.LoginFailed].User; u["username"] != "AnonymousUser" || byAction[event.LoginFailed].Context["username"] != "jane" {
		t.Errorf("login_failed %v %v", u, byAction[event.LoginFailed].Context)
	}
	pe := byAction[event.PolicyException].User
	if pe["username"] != "jane" || pe["authenticated_as"].(map[string]any)["username"] != "akadmin" {
		t.Errorf("authenticated_as: %v", pe)
	}
	// Filters the events API relies on.
	for _, c := range []struct {
		f    store.EventFilter
		want int
	}{
		{store.EventFilter{Action: event.Login}, 1},
		{store.EventFilter{Username: "akadmin"}, 3},
		{store.EventFilter{Since: ptr(now.Add(-time.Minute)), Until: ptr(now.Add(time.Minute))}, len(steps)},
		{store.EventFilter{Since: ptr(now.Add(time.Minute))}, 0},
	} {
		if _, n, err := st.ListEvents(ctx, c.f); err != nil || n != c.want {
			t.Errorf("filter %+v: %d events (err %v), want %d", c.f, n, err, c.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestRetentionDeletesExpiredUnderLease(t *testing.T) {
	st := storetest.OpenSQLite(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	old := &event.Recorder{Retention: time.Hour, Now: func() time.Time { return now.Add(-2 * time.Hour) }}
	fresh := &event.Recorder{Retention: time.Hour, Now: func() time.Time { return now }}
	for i := 0; i < 3; i++ {
		if err := old.Record(ctx, st, nil, nil, event.Login, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := fresh.Record(ctx, st, nil, nil, event.Logout, nil); err != nil {
		t.Fatal(err)
	}
	a := &event.Retention{Store: st, Holder: "a", Every: time.Minute, Now: func() time.Time { return now }}
	b := &event.Retention{Store: st, Holder: "b", Every: time.Minute, Now: func() time.Time { return now }}
	if n, err := a.RunOnce(ctx); err != nil || n != 3 {
		t.Fatalf("a deleted %d (err %v), want 3", n, err)
	}
	// b does not get the lease while a holds it.
	if err := old.Record(ctx, st, nil, nil, event.Login, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := b.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("b deleted %d (err %v) while a holds the lease", n, err)
	}
	if n, err := a.RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("a deleted %d (err %v), want 1", n, err)
	}
	_, left, _ := st.ListEvents(ctx, store.EventFilter{})
	if left != 1 {
		t.Errorf("%d events left, want the fresh one", left)
	}
}
