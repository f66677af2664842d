package server

import (
	"context"
	"net/http"
	"time"
)

// statusWriter records what a handler wrote, for the access log and
// metrics.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (Flush, ...).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// route is filled in by capturePattern once the mux has matched.
type route struct{ pattern string }

type routeKey struct{}

// capturePattern records the pattern the mux matched (the mux sets
// r.Pattern on the request it is handed, which outer middleware never sees).
func capturePattern(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt, ok := r.Context().Value(routeKey{}).(*route); ok {
			defer func() { rt.pattern = r.Pattern }()
		}
		mux.ServeHTTP(w, r)
	})
}

// observe writes the access log line and records metrics. The query string
// is never logged: it may hold invitation tokens.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rt := &route{}
		sw := &statusWriter{ResponseWriter: w}
		r = r.WithContext(context.WithValue(r.Context(), routeKey{}, rt))
		defer func() {
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			elapsed := time.Since(start)
			s.metrics.observe(rt.pattern, status, elapsed)
			s.app.Log.InfoContext(r.Context(), "request", "method", r.Method, "path", r.URL.Path,
				"route", rt.pattern, "status", status, "bytes", sw.bytes,
				"duration_ms", float64(elapsed.Microseconds())/1000, "user_agent", r.UserAgent())
		}()
		next.ServeHTTP(sw, r)
	})
}
