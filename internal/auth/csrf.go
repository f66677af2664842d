package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// CSRFField is the hidden form field carrying the CSRF token; CSRFHeader is
// the header API clients using the session cookie send it in.
const (
	CSRFField  = "csrfmiddlewaretoken"
	CSRFHeader = "X-authentik-CSRF"
)

// CSRFToken is the session's CSRF token: an HMAC of the session ID under the
// server's secret key, so it needs no storage and differs per session.
func CSRFToken(secret []byte, s *Session) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("csrf\x00"))
	m.Write([]byte(s.ID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CSRFValid compares a submitted token with the session's in constant time.
func CSRFValid(secret []byte, s *Session, token string) bool {
	want := CSRFToken(secret, s)
	return token != "" && hmac.Equal([]byte(want), []byte(token))
}
