package server

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// ContentSecurityPolicy forbids inline scripts and framing.
const ContentSecurityPolicy = flowPagePolicy + "; form-action 'self'"

// flowPagePolicy is the policy of flow pages (/if/flow/), without
// form-action: a flow's last form submission ends in redirects to wherever
// the user goes next (?next=, the brand's default application on another
// origin), and browsers apply form-action to every redirect of it.
const flowPagePolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: https:; frame-ancestors 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if strings.HasPrefix(r.URL.Path, "/if/flow/") {
			h.Set("Content-Security-Policy", flowPagePolicy)
		} else {
			h.Set("Content-Security-Policy", ContentSecurityPolicy)
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// limitFor returns the body limit for a path.
func (s *Server) limitFor(path string) int64 {
	limit, best := s.opts.MaxBodyBytes, -1
	for prefix, n := range s.opts.BodyLimits {
		if strings.HasPrefix(path, prefix) && len(prefix) > best {
			limit, best = n, len(prefix)
		}
	}
	return limit
}

// limitBody caps request bodies; a body declared too large is refused
// before anything reads it.
func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.limitFor(r.URL.Path)
		if r.ContentLength > limit {
			tooLarge(w, r, limit)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// IsTooLarge reports whether err came from reading past the body limit.
func IsTooLarge(err error) bool {
	var mbe *http.MaxBytesError
	return errors.As(err, &mbe)
}

func tooLarge(w http.ResponseWriter, r *http.Request, limit int64) {
	w.Header().Set("Connection", "close")
	writeError(w, r, http.StatusRequestEntityTooLarge, "Request too large",
		fmt.Sprintf("The request body is larger than the %d bytes this server accepts.", limit))
}
