package server

import (
	"fmt"
	"net/http"
	"runtime/debug"
)

// recoverPanics turns a handler panic into a 500 that shows only the
// request ID; the panic and stack go to the log.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw, _ := w.(*statusWriter)
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v) // the server's own "abort this response" signal
			}
			s.app.Log.ErrorContext(r.Context(), "panic serving request", "panic", fmt.Sprint(v),
				"method", r.Method, "path", r.URL.Path, "stack", string(debug.Stack()))
			if sw != nil && sw.status != 0 {
				return // headers already sent; nothing more can be said
			}
			writeError(w, r, http.StatusInternalServerError, "Internal server error",
				"Something went wrong on our side. If it keeps happening, tell the administrator the request ID below.")
		}()
		next.ServeHTTP(w, r)
	})
}
