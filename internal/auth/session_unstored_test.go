package auth

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// A page that shows a form before anything is worth storing sends the
// cookie without a row; the next request (any instance) adopts the ID, so
// the form's CSRF token stays valid. Only IDs this server could have
// minted within the TTL are adopted; anything else starts over.
func TestUnstoredSessionKeepsItsID(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	m := &Manager{Store: st, TTL: time.Hour, Now: func() time.Time { return now }}

	first, c := roundTrip(t, m, nil, func(s *Session) { s.KeepCookie() })
	if c == nil || c.Value != first.ID {
		t.Fatalf("KeepCookie sent no cookie: %v", c)
	}
	if _, err := st.GetSession(ctx, HashID(c.Value)); err == nil {
		t.Fatal("KeepCookie stored a row")
	}
	token := CSRFToken([]byte("secret"), first)

	// Back with the cookie: same ID, nothing stored, no second cookie.
	again, c2 := roundTrip(t, m, c, func(s *Session) { s.KeepCookie() })
	if again.ID != c.Value || !again.Unstored() || again.Stored() {
		t.Fatalf("the unstored ID was not adopted: %+v", again)
	}
	if c2 != nil {
		t.Errorf("the cookie was sent again: %v", c2)
	}
	if !CSRFValid([]byte("secret"), again, token) {
		t.Error("the form's CSRF token is invalid on the next request")
	}

	// Progress stores the row under the same ID.
	_, c3 := roundTrip(t, m, c, func(s *Session) { s.Set("flow_plan", 1) })
	if c3 == nil || c3.Value != c.Value {
		t.Fatalf("stored under another ID: %v", c3)
	}
	if s, _ := roundTrip(t, m, c, func(*Session) {}); !s.Stored() || s.Unstored() {
		t.Errorf("the stored session was not loaded: %+v", s)
	}

	// Not adopted: an ID minted before the TTL (its row may have expired
	// and been cleaned up), a malformed one, or one from the future.
	for name, id := range map[string]string{"old": newID(now.Add(-2 * time.Hour)),
		"future": newID(now.Add(time.Hour)), "malformed": "attacker-chosen"} {
		req := httptest.NewRequest("GET", "/", nil)
		ck := *c
		ck.Value = id
		req.AddCookie(&ck)
		s, err := m.Load(req)
		if err != nil {
			t.Fatal(err)
		}
		if s.ID == id || s.Unstored() {
			t.Errorf("%s ID adopted", name)
		}
	}

	// An expired row is not adopted either.
	now = now.Add(2 * time.Hour)
	if s, _ := roundTrip(t, m, c, func(*Session) {}); s.ID == c.Value {
		t.Error("the ID of an expired session was adopted")
	}
}

// A session row keeps at most MaxUserAgent bytes of the User-Agent, as
// valid UTF-8.
func TestSessionUserAgentCapped(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testUserAgentCapped(t, b.Open(t)) })
	}
}

func testUserAgentCapped(t *testing.T, st store.Store) {
	m := &Manager{Store: st, TTL: time.Hour}
	for name, ua := range map[string]string{"60 KB": strings.Repeat("a", 60<<10),
		"split rune": strings.Repeat("a", MaxUserAgent-1) + "é" + "tail", "invalid UTF-8": "Mozilla\xff\xfe/5.0"} {
		req := httptest.NewRequest("GET", "/", nil)
		req.Header.Set("User-Agent", ua)
		s, err := m.Load(req)
		if err != nil {
			t.Fatal(err)
		}
		s.Set("k", 1)
		if err := m.Save(httptest.NewRecorder(), req, s); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		row, err := st.GetSession(context.Background(), HashID(s.ID))
		if err != nil {
			t.Fatal(err)
		}
		if len(row.UserAgent) > MaxUserAgent || !strings.HasPrefix(ua, row.UserAgent[:1]) {
			t.Errorf("%s: stored %d bytes", name, len(row.UserAgent))
		}
		if strings.ToValidUTF8(row.UserAgent, "") != row.UserAgent {
			t.Errorf("%s: stored invalid UTF-8 %q", name, row.UserAgent)
		}
	}
}
