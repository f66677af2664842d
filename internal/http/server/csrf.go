package server

import (
	"mime"
	"net/http"
	"strings"

	"github.com/usher-id/usher/internal/auth"
)

// csrf enforces the rules in the package doc.
func (s *Server) csrf(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			next.ServeHTTP(w, r)
			return
		}
		if oauthEndpoints[r.URL.Path] {
			// Called by applications, authenticated by their client
			// credentials or a bearer token, never by the browser session
			// (the authorization request may be POSTed by the application's
			// page, which is what it is for).
			next.ServeHTTP(w, r)
			return
		}
		sess := auth.FromContext(r.Context())
		if strings.HasPrefix(r.URL.Path, "/api/") {
			if r.Header.Get("Authorization") != "" || !hasSessionCookie(r) {
				next.ServeHTTP(w, r)
				return
			}
			if tok := r.Header.Get(auth.CSRFHeader); tok != "" {
				if sess != nil && auth.CSRFValid(s.app.Secret, sess, tok) {
					next.ServeHTTP(w, r)
					return
				}
			} else if isJSON(r) {
				next.ServeHTTP(w, r)
				return
			}
			writeError(w, r, http.StatusForbidden, "Forbidden", "CSRF Failed: CSRF token missing or incorrect.")
			return
		}
		tok := r.Header.Get(auth.CSRFHeader)
		if tok == "" {
			// ParseMultipartForm hides ParseForm's error for url-encoded
			// bodies (it reports ErrNotMultipart), so read those first: an
			// oversize body of undeclared length must be a 413, not a 403.
			err := r.ParseForm()
			if err == nil {
				err = r.ParseMultipartForm(8 << 20)
			}
			if err != nil && err != http.ErrNotMultipart {
				if IsTooLarge(err) {
					tooLarge(w, r, s.limitFor(r.URL.Path))
					return
				}
				writeError(w, r, http.StatusBadRequest, "Bad request", "The submitted form could not be read.")
				return
			}
			tok = r.PostFormValue(auth.CSRFField)
		}
		if sess == nil || !auth.CSRFValid(s.app.Secret, sess, tok) {
			s.app.Log.InfoContext(r.Context(), "csrf check failed", "method", r.Method, "path", r.URL.Path)
			writeError(w, r, http.StatusForbidden, "This form has expired",
				"The form you sent has expired or did not come from this site. Go back, reload the page and try again.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// oauthEndpoints are the OpenID Provider's endpoints applications POST to.
var oauthEndpoints = map[string]bool{"/application/o/token/": true, "/application/o/introspect/": true,
	"/application/o/revoke/": true, "/application/o/userinfo/": true, "/application/o/authorize/": true}

func hasSessionCookie(r *http.Request) bool {
	c, err := r.Cookie(auth.CookieName)
	return err == nil && c.Value != ""
}

func isJSON(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}
