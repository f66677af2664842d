package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// Handlers return an error instead of answering it; writeError is the one
// place an error becomes a response. The error kinds it knows:
//
//   - *resource.ValidationError: 400 with DRF's {"field": ["msg"]}
//   - store.ErrNotFound: 404 {"detail": "Not found."}
//   - store.ErrConflict, store.ErrReferenced: 400 non_field_errors
//   - *http.MaxBytesError: 413 {"detail": ...}
//   - *apiError: its own status and body (detail, forbidden, invalid page,
//     authentik's {"error": msg} on send_email, ...)
//
// Anything else is a 500 that names only the request ID, logged once.

// apiError is an answer whose status and JSON body the handler chose.
type apiError struct {
	status int
	body   any
}

func (e *apiError) Error() string { return fmt.Sprintf("api: %d %v", e.status, e.body) }

// errDetail answers status with DRF's {"detail": msg}.
func errDetail(status int, msg string) error {
	return &apiError{status: status, body: map[string]string{"detail": msg}}
}

// errBody answers status with body as it is, for authentik's own shapes.
func errBody(status int, body any) error { return &apiError{status: status, body: body} }

// errField is a 400 naming one field, as a serializer's validation error.
func errField(field, msg string) error { return resource.NewValidationError(field, msg) }

var (
	errForbidden = errDetail(http.StatusForbidden, msgForbidden)
	// errInvalidPage is DRF's answer to a page out of range.
	errInvalidPage = errDetail(http.StatusNotFound, "Invalid page.")
)

// writeError answers err in authentik's JSON shapes.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ae *apiError
	var ve *resource.ValidationError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &ae):
		writeJSON(w, ae.status, ae.body)
	case errors.As(err, &ve):
		writeJSON(w, http.StatusBadRequest, ve.Fields)
	case errors.Is(err, store.ErrNotFound):
		writeDetail(w, http.StatusNotFound, "Not found.")
	case errors.As(err, &tooBig):
		writeDetail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body is larger than %d bytes.", tooBig.Limit))
	case errors.Is(err, store.ErrReferenced):
		writeJSON(w, http.StatusBadRequest, map[string][]string{"non_field_errors": {"A referenced object does not exist, or another object still uses this one."}})
	case errors.Is(err, store.ErrConflict):
		writeJSON(w, http.StatusBadRequest, map[string][]string{"non_field_errors": {"An object with these values already exists."}})
	default:
		// The logger from server.NewLogger adds the request ID from the context.
		if h.App.Log != nil {
			h.App.Log.ErrorContext(r.Context(), "api request failed", "path", r.URL.Path, "method", r.Method, "error", err)
		}
		writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "A server error occurred.",
			"request_id": httpx.RequestID(r.Context())})
	}
}
