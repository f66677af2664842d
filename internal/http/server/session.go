package server

import (
	"net/http"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/httpx"
)

// session loads the browser session and attaches it to the context. It
// never saves: handlers that change the session save it themselves before
// writing (see the package doc).
func (s *Server) session(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.app.Sessions == nil {
			next.ServeHTTP(w, r)
			return
		}
		sess, err := s.app.Sessions.Load(r)
		if err != nil {
			s.app.Log.ErrorContext(r.Context(), "loading session", "err", err)
			writeError(w, r, http.StatusServiceUnavailable, "Service unavailable",
				"The server cannot reach its database right now. Please try again in a moment.")
			return
		}
		if sess.ClientIP == "" {
			sess.ClientIP = httpx.ClientIP(r)
		}
		next.ServeHTTP(w, r.WithContext(auth.WithSession(r.Context(), sess)))
	})
}
