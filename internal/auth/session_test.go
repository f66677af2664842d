package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// roundTrip loads the session for a request carrying cookie, lets fn change
// it, saves it and returns the cookie set (nil when none).
func roundTrip(t *testing.T, m *Manager, cookie *http.Cookie, fn func(s *Session)) (*Session, *http.Cookie) {
	t.Helper()
	req := httptest.NewRequest("GET", "/", nil)
	if cookie != nil {
		req.AddCookie(cookie)
	}
	s, err := m.Load(req)
	if err != nil {
		t.Fatal(err)
	}
	fn(s)
	rec := httptest.NewRecorder()
	if err := m.Save(rec, req, s); err != nil {
		t.Fatal(err)
	}
	for _, c := range rec.Result().Cookies() {
		if c.Name == CookieName {
			return s, c
		}
	}
	return s, nil
}

func TestSessionLifecycle(t *testing.T) {
	st := openStore(t)
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	m := &Manager{Store: st, TTL: time.Hour, Now: func() time.Time { return now }}
	ctx := context.Background()

	// An anonymous session with nothing in it is neither stored nor sent.
	if _, c := roundTrip(t, m, nil, func(*Session) {}); c != nil {
		t.Fatalf("empty session set a cookie: %v", c)
	}

	// Storing a value sets an HttpOnly, SameSite=Lax cookie; the database
	// holds only a hash of its value.
	_, c1 := roundTrip(t, m, nil, func(s *Session) { s.Set("flow", "enroll") })
	if c1 == nil || !c1.HttpOnly || c1.SameSite != http.SameSiteLaxMode || c1.Secure {
		t.Fatalf("cookie = %+v", c1)
	}
	if _, err := st.GetSession(ctx, c1.Value); err == nil {
		t.Error("the raw cookie value is a database key")
	}
	if _, err := st.GetSession(ctx, HashID(c1.Value)); err != nil {
		t.Errorf("session row missing: %v", err)
	}

	// The next request sees the value.
	s, _ := roundTrip(t, m, c1, func(s *Session) {})
	var flow string
	if !s.Get("flow", &flow) || flow != "enroll" {
		t.Errorf("value lost: %q", flow)
	}

	// Login rotates the ID: the old cookie no longer works.
	u := store.User{Username: "alice", Name: "Alice", IsActive: true, Type: store.UserTypeInternal, Path: "users", Attributes: map[string]any{}}
	if err := st.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	loggedIn, c2 := roundTrip(t, m, c1, func(s *Session) { s.Login(u.PK, now.Add(24*time.Hour), true) })
	if c2 == nil || c2.Value == c1.Value {
		t.Fatal("login did not rotate the session ID")
	}
	if c2.Expires.IsZero() {
		t.Error("a persistent session's cookie has no expiry")
	}
	if _, err := st.GetSession(ctx, HashID(c1.Value)); err == nil {
		t.Error("the pre-login session row survived the rotation")
	}
	if old, _ := roundTrip(t, m, c1, func(*Session) {}); old.UserPK != nil {
		t.Error("the pre-login cookie still authenticates")
	}
	if s, _ := roundTrip(t, m, c2, func(*Session) {}); s.UserPK == nil || *s.UserPK != u.PK || !s.Persistent {
		t.Errorf("logged-in session not loaded: %+v", s)
	}

	// Expired sessions are not loaded.
	now = now.Add(25 * time.Hour)
	if s, _ := roundTrip(t, m, c2, func(*Session) {}); s.UserPK != nil {
		t.Error("an expired session was loaded")
	}
	now = now.Add(-25 * time.Hour)

	// Logout deletes the row and clears the cookie.
	req := httptest.NewRequest("POST", "/logout", nil)
	req.AddCookie(c2)
	rec := httptest.NewRecorder()
	if err := m.Destroy(rec, req, loggedIn); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetSession(ctx, HashID(c2.Value)); err == nil {
		t.Error("logout left the session row")
	}
	if cs := rec.Result().Cookies(); len(cs) != 1 || cs[0].MaxAge >= 0 {
		t.Errorf("logout cookie = %+v", cs)
	}
}

func TestSessionSecureCookie(t *testing.T) {
	m := &Manager{Store: openStore(t), TTL: time.Hour, Secure: func(*http.Request) bool { return true }}
	if _, c := roundTrip(t, m, nil, func(s *Session) { s.Keep() }); c == nil || !c.Secure {
		t.Errorf("cookie not Secure behind TLS: %+v", c)
	}
}

func TestCSRFToken(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	a, b := &Session{ID: "one"}, &Session{ID: "two"}
	tok := CSRFToken(secret, a)
	switch {
	case !CSRFValid(secret, a, tok):
		t.Error("own token rejected")
	case CSRFValid(secret, b, tok):
		t.Error("token valid for another session")
	case CSRFValid([]byte("another secret, another server.."), a, tok):
		t.Error("token valid under another secret")
	case CSRFValid(secret, a, ""):
		t.Error("empty token accepted")
	}
}

// An anonymous session's expiry moves on with each save; a logged-in
// session keeps the expiry its login set, however often it is saved.
func TestSessionExpirySlidesOnlyWhenAnonymous(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	u := store.User{Username: "jane", IsActive: true, Type: store.UserTypeInternal, Path: "users"}
	if err := st.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	m := &Manager{Store: st, TTL: time.Hour, Now: func() time.Time { return now }}

	_, c := roundTrip(t, m, nil, func(s *Session) { s.Set("k", 1) })
	now = now.Add(30 * time.Minute)
	s, c := roundTrip(t, m, c, func(s *Session) { s.Set("k", 2) })
	if want := now.Add(time.Hour); !s.Expires.Equal(want) {
		t.Errorf("anonymous expiry after a later save = %v, want %v", s.Expires, want)
	}

	login := now.Add(8 * time.Hour)
	_, c = roundTrip(t, m, c, func(s *Session) { s.Login(u.PK, login, false) })
	now = now.Add(7*time.Hour + 30*time.Minute) // TTL from here would pass the login expiry
	s, _ = roundTrip(t, m, c, func(s *Session) { s.Set("k", 3) })
	if !s.Expires.Equal(login) {
		t.Errorf("logged-in expiry after a later save = %v, want %v (set at login)", s.Expires, login)
	}
	row, err := st.GetSession(ctx, HashID(s.ID))
	if err != nil || !row.Expires.Equal(login) {
		t.Errorf("stored expiry = %v (%v), want %v", row.Expires, err, login)
	}
}
