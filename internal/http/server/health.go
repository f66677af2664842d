package server

import (
	"context"
	"net/http"
	"time"

	"github.com/usher-id/usher/internal/app"
)

// health serves the liveness and readiness probes (authentik's paths).
type health struct{ a *app.App }

func (h health) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /-/health/live/", h.live)
	mux.HandleFunc("GET /-/health/ready/", h.ready)
}

// live answers 200 whenever the process serves HTTP.
func (h health) live(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// ready answers 200 when the database answers within two seconds, 503
// otherwise.
func (h health) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := h.a.Store.Ping(ctx); err != nil {
		h.a.Log.WarnContext(r.Context(), "readiness check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}
