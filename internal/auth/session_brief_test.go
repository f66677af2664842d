package auth

import (
	"context"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// A session kept briefly lives DefaultBriefTTL until its next save, which
// gives it the TTL. Once expired, its cookie is adopted like that of a
// session never stored (the form it showed still validates) and the stale
// row is gone; a logged-in session's expired row is not adopted.
func TestBriefSession(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	m := &Manager{Store: st, TTL: 24 * time.Hour, Now: func() time.Time { return now }}

	s, c := roundTrip(t, m, nil, func(s *Session) { s.Set("flow_plan", 1); s.KeepBriefly() })
	row, err := st.GetSession(ctx, HashID(c.Value))
	if err != nil {
		t.Fatal(err)
	}
	if want := now.Add(DefaultBriefTTL); !row.Expires.Equal(want) {
		t.Fatalf("brief row expires %v, want %v", row.Expires, want)
	}
	token := CSRFToken([]byte("secret"), s)

	// An answer within the brief lifetime: the normal TTL from then on.
	now = now.Add(5 * time.Minute)
	if s, _ = roundTrip(t, m, c, func(s *Session) { s.Set("flow_plan", 2) }); !s.Stored() {
		t.Fatal("the brief row was not loaded")
	}
	if row, _ = st.GetSession(ctx, HashID(c.Value)); !row.Expires.Equal(now.Add(m.TTL)) {
		t.Errorf("after an answer the row expires %v, want %v", row.Expires, now.Add(m.TTL))
	}

	// Another brief one, left to expire: its ID is adopted, the row goes.
	_, c2 := roundTrip(t, m, nil, func(s *Session) { s.Set("flow_plan", 1); s.KeepBriefly() })
	now = now.Add(DefaultBriefTTL + time.Minute)
	again, _ := roundTrip(t, m, c2, func(*Session) {})
	if again.ID != c2.Value || !again.Unstored() {
		t.Fatalf("the expired brief session's ID was not adopted: %+v", again)
	}
	if _, err := st.GetSession(ctx, HashID(c2.Value)); err == nil {
		t.Error("the expired brief row is still there")
	}
	if !CSRFValid([]byte("secret"), s, token) {
		t.Error("CSRF token of the brief session invalid")
	}
	if again2, _ := roundTrip(t, m, c2, func(s *Session) { s.Set("flow_plan", 3) }); again2.ID != c2.Value {
		t.Error("progress after the adoption changed the ID")
	}
	if row, err := st.GetSession(ctx, HashID(c2.Value)); err != nil || !row.Expires.Equal(now.Add(m.TTL)) {
		t.Errorf("progress after the adoption: %v %v", row.Expires, err)
	}

	// A logged-in session's expired row is not adopted.
	u := store.User{Username: "brief", Name: "Brief", Attributes: map[string]any{}}
	if err := st.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	in, c3 := roundTrip(t, m, nil, func(s *Session) { s.Login(u.PK, now.Add(time.Hour), false) })
	now = now.Add(2 * time.Hour)
	if s, _ := roundTrip(t, m, c3, func(*Session) {}); s.ID == in.ID || s.UserPK != nil {
		t.Errorf("an expired logged-in session was adopted: %+v", s)
	}
}
