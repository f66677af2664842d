package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
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
	// unstored: the request's cookie names a session this server handed
	// out that has no row (nothing worth keeping has happened yet).
	unstored bool
	// cookie: send the cookie even if nothing is stored (KeepCookie).
	cookie bool
	// brief: a new row lives BriefTTL, not TTL (KeepBriefly).
	brief bool
	// configVersion is the database's config version read with the row
	// (ConfigVersion); hasVersion says it was.
	configVersion int64
	hasVersion    bool
}

// ConfigVersion is store.ConfigVersion as read in the same statement as
// the session row, when there was a row: the flow executor's configuration
// cache checks it instead of reading the counter again.
func (s *Session) ConfigVersion() (int64, bool) { return s.configVersion, s.hasVersion }

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

// KeepCookie makes sure the client holds this session's cookie, without
// storing a row for it: a form's CSRF token is bound to the session ID
// alone, so a page can show a form before anything is worth storing, and
// the POST validates on any instance (Load adopts the ID again). A session
// that stores values later keeps the same ID.
func (s *Session) KeepCookie() { s.cookie = true }

// Stored reports whether the session was loaded from a row.
func (s *Session) Stored() bool { return !s.isNew }

// Unstored reports whether the client sent the cookie of a session this
// server handed out and never stored: it has seen a page (a form, a
// challenge) of a visit that had no state worth keeping.
func (s *Session) Unstored() bool { return s.unstored }

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
	s.ID = newID(time.Now())
	s.isNew, s.unstored = true, false
	s.dirty = true
}

// Manager loads and saves sessions in the store.
type Manager struct {
	Store store.Queries
	// TTL of an anonymous or non-persistent session since its last save.
	TTL time.Duration
	// BriefTTL of a session stored with no answer yet (KeepBriefly); zero
	// is DefaultBriefTTL.
	BriefTTL time.Duration
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

// A session ID is 32 random bytes followed by the time it was minted (Unix
// seconds, big-endian), base64url-encoded. The time only decides whether
// an ID without a row may be adopted (see Load); a client forging it gains
// nothing, it can only name its own session.
const (
	idRandom = 32
	idLen    = idRandom + 8
)

func newID(now time.Time) string {
	b := make([]byte, idLen)
	if _, err := rand.Read(b[:idRandom]); err != nil {
		panic(err)
	}
	binary.BigEndian.PutUint64(b[idRandom:], uint64(now.Unix()))
	return base64.RawURLEncoding.EncodeToString(b)
}

// adoptable reports whether id, which has no row, is one this server may
// have handed out without storing it: well-formed and minted within ttl.
// An older ID may have had a row that expired and was cleaned up; that
// one starts over with a new ID, as an expired row does.
func adoptable(id string, now time.Time, ttl time.Duration) bool {
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil || len(b) != idLen {
		return false
	}
	minted := time.Unix(int64(binary.BigEndian.Uint64(b[idRandom:])), 0)
	return !minted.Before(now.Add(-ttl)) && !minted.After(now.Add(time.Minute))
}

// Load returns the request's session, or a new anonymous one (not yet
// stored) when the cookie is missing, unknown or expired.
func (m *Manager) Load(r *http.Request) (*Session, error) {
	now := m.now()
	var version int64
	haveVersion := false
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		var row store.Session
		row, version, err = m.Store.GetSessionAndConfigVersion(r.Context(), HashID(c.Value))
		haveVersion = err == nil || errors.Is(err, store.ErrNotFound)
		switch {
		case err == nil && row.Expires.After(now):
			s := &Session{ID: c.Value, UserPK: row.UserPK, Expires: row.Expires, ClientIP: row.ClientIP,
				Values: map[string]json.RawMessage{}, configVersion: version, hasVersion: true}
			if len(row.Data) > 0 {
				if err := json.Unmarshal(row.Data, &s.Values); err != nil {
					s.Values = map[string]json.RawMessage{}
				}
			}
			s.Persistent = s.persistentFlag()
			return s, nil
		case err == nil && row.UserPK == nil && adoptable(c.Value, now, m.TTL):
			// An anonymous row that expired (a brief one, KeepBriefly) is
			// as good as none: adopt its ID as below, so the form it showed
			// still validates.
			if err := m.Store.DeleteSession(r.Context(), HashID(c.Value)); err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, err
			}
			return &Session{ID: c.Value, Values: map[string]json.RawMessage{}, Expires: now.Add(m.TTL),
				isNew: true, unstored: true, configVersion: version, hasVersion: true}, nil
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return nil, err
		case err != nil && adoptable(c.Value, now, m.TTL):
			// No row: a visit that had nothing to store yet (KeepCookie).
			// Keeping its ID keeps the CSRF token of the form it was shown
			// valid, on whichever instance the answer arrives.
			return &Session{ID: c.Value, Values: map[string]json.RawMessage{}, Expires: now.Add(m.TTL),
				isNew: true, unstored: true, configVersion: version, hasVersion: true}, nil
		}
	}
	s := &Session{ID: newID(now), Values: map[string]json.RawMessage{}, Expires: now.Add(m.TTL), isNew: true}
	s.configVersion, s.hasVersion = version, haveVersion
	return s, nil
}

func (s *Session) persistentFlag() bool {
	var p bool
	s.Get("_persistent", &p)
	return p
}

// Save writes the session when it changed and sets the cookie. Anonymous
// sessions with no values are not stored at all, so bots opening pages
// cost nothing; one asked to KeepCookie gets the cookie without a row.
func (m *Manager) Save(w http.ResponseWriter, r *http.Request, s *Session) error {
	return m.SaveWith(w, r, s, nil)
}

// txStore is a store that groups writes (store.Store); Manager.Store may be
// a plain store.Queries in tests.
type txStore interface {
	Tx(ctx context.Context, fn func(q store.Queries) error) error
}

// SaveWith is Save with other writes of the request (writes, nil for none)
// committed in the same transaction as the session row: a login's
// last_login and event commit with the session that proves it, and the
// database's single writer is taken once instead of once per row.
func (m *Manager) SaveWith(w http.ResponseWriter, r *http.Request, s *Session, writes func(q store.Queries) error) error {
	ctx := r.Context()
	if writes != nil {
		if ts, ok := m.Store.(txStore); ok {
			var set bool
			err := ts.Tx(ctx, func(q store.Queries) error {
				if err := writes(q); err != nil {
					return err
				}
				var err error
				set, err = m.write(r, s, q)
				return err
			})
			if err != nil {
				return err
			}
			m.saved(w, r, s, set)
			return nil
		}
		if err := writes(m.Store); err != nil {
			return err
		}
	}
	set, err := m.write(r, s, m.Store)
	if err != nil {
		return err
	}
	m.saved(w, r, s, set)
	return nil
}

// write stores the session through q when it must be; set reports whether
// the client needs the cookie.
func (m *Manager) write(r *http.Request, s *Session, q store.Queries) (set bool, err error) {
	ctx := r.Context()
	if s.isNew && s.UserPK == nil && len(s.Values) == 0 {
		if s.rotated != "" {
			if err := q.DeleteSession(ctx, HashID(s.rotated)); err != nil && !errors.Is(err, store.ErrNotFound) {
				return false, err
			}
		}
		return s.cookie && !s.unstored, nil
	}
	if !s.dirty {
		return false, nil
	}
	now := m.now()
	// An anonymous session's expiry slides with each save; a logged-in one
	// keeps what its login set. A brief one starts short; its next save
	// (an answer) gives it the TTL.
	if s.brief && s.isNew && s.UserPK == nil {
		s.Expires = now.Add(m.briefTTL())
	} else if exp := now.Add(m.TTL); s.UserPK == nil && exp.After(s.Expires) {
		s.Expires = exp
	}
	if s.Persistent {
		s.Set("_persistent", true)
	}
	data, err := json.Marshal(s.Values)
	if err != nil {
		return false, err
	}
	row := store.Session{ID: HashID(s.ID), UserPK: s.UserPK, Data: data, Expires: s.Expires,
		Created: now, LastSeen: now, ClientIP: s.ClientIP, UserAgent: CapUserAgent(r.UserAgent())}
	switch {
	case s.rotated != "":
		// A rotation (login) moves the old row to the new ID in one write.
		err = q.RotateSession(ctx, HashID(s.rotated), &row)
		if errors.Is(err, store.ErrNotFound) {
			err = q.CreateSession(ctx, &row)
		}
	case s.isNew:
		err = q.CreateSession(ctx, &row)
	default:
		err = q.UpdateSession(ctx, &row)
		if errors.Is(err, store.ErrNotFound) {
			err = q.CreateSession(ctx, &row)
		}
	}
	return err == nil, err
}

// saved notes what write did once its transaction committed (a row is
// stored, the rotated ID gone) and sets the cookie when set.
func (m *Manager) saved(w http.ResponseWriter, r *http.Request, s *Session, set bool) {
	s.rotated = ""
	if s.isNew && s.UserPK == nil && len(s.Values) == 0 {
		if set { // KeepCookie: the cookie without a row
			m.setCookie(w, r, s)
		}
		return
	}
	if set {
		s.isNew, s.dirty, s.unstored = false, false, false
		m.setCookie(w, r, s)
	}
}

func (m *Manager) setCookie(w http.ResponseWriter, r *http.Request, s *Session) {
	c := &http.Cookie{Name: CookieName, Value: s.ID, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: m.Secure != nil && m.Secure(r)}
	if s.Persistent {
		c.Expires = s.Expires
	}
	http.SetCookie(w, c)
}

// Destroy deletes the session row and clears the cookie (logout).
func (m *Manager) Destroy(w http.ResponseWriter, r *http.Request, s *Session) error {
	if err := m.Store.DeleteSession(r.Context(), HashID(s.ID)); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	// The tokens applications got through this session end with it.
	if _, err := m.Store.RevokeOAuth2TokensOfSession(r.Context(), HashID(s.ID), m.now()); err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: m.Secure != nil && m.Secure(r)})
	*s = Session{ID: newID(m.now()), Values: map[string]json.RawMessage{}, Expires: m.now().Add(m.TTL), isNew: true}
	return nil
}
