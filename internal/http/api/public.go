package api

import "net/http"

// public runs fn without authentication (authentik's AllowAny views) and
// answers the error it returns.
func (h *Handler) public(fn func(w http.ResponseWriter, r *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.writeError(w, r, err)
		}
	}
}
