package server

import (
	"net/http"
	"net/http/pprof"
)

// DebugHandler serves Go's profiler (net/http/pprof) for the separate,
// loopback-only listener USHER_DEBUG_LISTEN opens. It is never mounted on
// the public handler: profiles and heap dumps can carry secrets from the
// process's memory.
func DebugHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		http.Redirect(w, r, "/debug/pprof/", http.StatusFound)
	})
	return mux
}
