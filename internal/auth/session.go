package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// CookieName is the session cookie, named like authentik's.
const CookieName = "authentik_session"

// Session is a browser session loaded for one request. Values is its JSON
// state; areas keep their own keys in it (the flow executor keeps its plan
// under "flow_plan", for example). The row lives in the database, so any
// instance can serve the next request.
type Session struct {
	ID       string // the raw cookie value; never log it
	UserPK   *int64
	Values   map[string]json.RawMessage
	Expires  time.Time
	ClientIP string
	// Persistent sessions carry a cookie expiry; others end with the browser.
	Persistent bool

	isNew   bool
	dirty   bool
	rotated string // previous ID to delete on save, after a rotation
}

// Get decodes the value stored under key into v; it reports whether the key
// was present.
func (s *Session) Get(key string, v any) bool {
	raw, ok := s.Values[key]
	if !ok {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}

// Set stores v under key.
func (s *Session) Set(key string, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		panic("auth: session value not JSON-encodable: " + err.Error())
	}
	s.Values[key] = raw
	s.dirty = true
}

// Keep makes sure the session is stored and its cookie set, even when it
// holds nothing else yet (a page that renders a CSRF token calls it).
func (s *Session) Keep() {
	if _, ok := s.Values["_k"]; !ok {
		s.Set("_k", 1)
	}
}

// Delete removes key.
func (s *Session) Delete(key string) {
	if _, ok := s.Values[key]; ok {
		delete(s.Values, key)
		s.dirty = true
	}
}

// Login binds the session to a user and rotates its ID, so an ID known
// before login is worthless after it.
func (s *Session) Login(userPK int64, expires time.Time, persistent bool) {
	s.UserPK = &userPK
	s.Expires = expires
	s.Persistent = persistent
	s.Rotate()
}

// Rotate gives the session a new ID (at login and privilege changes).
func (s *Session) Rotate() {
	if !s.isNew && s.rotated == "" {
		s.rotated = s.ID
	}
	s.ID = newID()
	s.isNew = true
	s.dirty = true
}

// Manager loads and saves sessions in the store.
type Manager struct {
	Store store.Queries
	// TTL of an anonymous or non-persistent session since its last save.
	TTL time.Duration
	// Secure marks cookies Secure (TLS or trusted proxy).
	Secure func(r *http.Request) bool
	Now    func() time.Time
}

type ctxKey struct{}

// FromContext returns the session Middleware attached to the request.
func FromContext(ctx context.Context) *Session {
	s, _ := ctx.Value(ctxKey{}).(*Session)
	return s
}

// WithSession attaches s to ctx (for tests and handlers that load by hand).
func WithSession(ctx context.Context, s *Session) context.Context {
	return context.WithValue(ctx, ctxKey{}, s)
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// HashID is how a session ID is stored: the database never holds a usable
// cookie value.
func HashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func newID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Load returns the request's session, or a new anonymous one (not yet
// stored) when the cookie is missing, unknown or expired.
func (m *Manager) Load(r *http.Request) (*Session, error) {
	now := m.now()
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		row, err := m.Store.GetSession(r.Context(), HashID(c.Value))
		switch {
		case err == nil && row.Expires.After(now):
			s := &Session{ID: c.Value, UserPK: row.UserPK, Expires: row.Expires, ClientIP: row.ClientIP,
				Values: map[string]json.RawMessage{}}
			if len(row.Data) > 0 {
				if err := json.Unmarshal(row.Data, &s.Values); err != nil {
					s.Values = map[string]json.RawMessage{}
				}
			}
			s.Persistent = s.persistentFlag()
			return s, nil
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
	}
	return &Session{ID: newID(), Values: map[string]json.RawMessage{}, Expires: now.Add(m.TTL), isNew: true}, nil
}

func (s *Session) persistentFlag() bool {
	var p bool
	s.Get("_persistent", &p)
	return p
}

// Save writes the session when it changed and sets the cookie. Anonymous
// sessions with no values are not stored at all, so bots opening pages
// cost nothing.
func (m *Manager) Save(w http.ResponseWriter, r *http.Request, s *Session) error {
	ctx := r.Context()
	if s.rotated != "" {
		if err := m.Store.DeleteSession(ctx, HashID(s.rotated)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		s.rotated = ""
	}
	if !s.dirty {
		return nil
	}
	if s.isNew && s.UserPK == nil && len(s.Values) == 0 {
		return nil
	}
	now := m.now()
	// An anonymous session's expiry slides with each save; a logged-in one
	// keeps what its login set.
	if exp := now.Add(m.TTL); s.UserPK == nil && exp.After(s.Expires) {
		s.Expires = exp
	}
	if s.Persistent {
		s.Set("_persistent", true)
	}
	data, err := json.Marshal(s.Values)
	if err != nil {
		return err
	}
	row := store.Session{ID: HashID(s.ID), UserPK: s.UserPK, Data: data, Expires: s.Expires,
		Created: now, LastSeen: now, ClientIP: s.ClientIP, UserAgent: r.UserAgent()}
	if s.isNew {
		err = m.Store.CreateSession(ctx, &row)
	} else {
		err = m.Store.UpdateSession(ctx, &row)
		if errors.Is(err, store.ErrNotFound) {
			err = m.Store.CreateSession(ctx, &row)
		}
	}
	if err != nil {
		return err
	}
	s.isNew, s.dirty = false, false
	c := &http.Cookie{Name: CookieName, Value: s.ID, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: m.Secure != nil && m.Secure(r)}
	if s.Persistent {
		c.Expires = s.Expires
	}
	http.SetCookie(w, c)
	return nil
}

// Destroy deletes the session row and clears the cookie (logout).
func (m *Manager) Destroy(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := m.Store.DeleteSession(r.Context(), HashID(s.ID)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: m.Secure != nil && m.Secure(r)})
	*s = Session{ID: newID(), Values: map[string]json.RawMessage{}, Expires: m.now().Add(m.TTL), isNew: true}
	return nil
}
