package console

import (
	"errors"
	"net/http"

	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// Handlers return an error instead of answering it; showError is the one
// place an error becomes a page. The error kinds it knows:
//
//   - *invalidForm: the entity form again, 422, input and messages kept
//   - *pageError: the error page with its own status, title and message
//     (bad request, permission denied, no launch URL)
//   - store.ErrNotFound: the 404 page
//
// Anything else is a 500 page that shows only the request ID, logged once.

// handlerFunc is a console handler for anyone; it returns the error to show
// or nil once it has answered.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts fn to http.Handler.
func (h *Handler) handle(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.showError(w, r, nil, err)
		}
	}
}

// pageError is an error page with a chosen status, title and message.
type pageError struct {
	status     int
	title, msg string
}

func (e *pageError) Error() string { return e.title + ": " + e.msg }

// errPage shows the error page with status, title and msg.
func errPage(status int, title, msg string) error {
	return &pageError{status: status, title: title, msg: msg}
}

// errBadForm is the answer to a POST whose form cannot be read.
var errBadForm = errPage(http.StatusBadRequest, "Bad request", "The form could not be read. Go back and try again.")

// invalidForm shows entity e's form f again with 422: the user's input
// with the messages beside the fields.
type invalidForm struct {
	nav string
	f   *formDef
}

func (e *invalidForm) Error() string { return "web: form " + e.f.Title + " has errors" }

// showError answers err for u (nil when anonymous or unknown).
func (h *Handler) showError(w http.ResponseWriter, r *http.Request, u *store.User, err error) {
	var fe *invalidForm
	var pe *pageError
	switch {
	case errors.As(err, &fe):
		if rerr := h.renderForm(w, r, u, fe.nav, http.StatusUnprocessableEntity, fe.f); rerr != nil {
			h.showError(w, r, u, rerr)
		}
	case errors.As(err, &pe):
		h.errorPage(w, r, u, pe.status, pe.title, pe.msg)
	case errors.Is(err, store.ErrNotFound):
		h.errorPage(w, r, u, http.StatusNotFound, "Not found", "The page or object you asked for does not exist (it may have been deleted).")
	default:
		id := httpx.RequestID(r.Context())
		h.log().ErrorContext(r.Context(), "web: request failed", "path", r.URL.Path, "request_id", id, "error", err)
		msg := "Something went wrong on our side. Please try again."
		if id != "" {
			msg += " (request ID " + id + ")"
		}
		h.errorPage(w, r, nil, http.StatusInternalServerError, "Server error", msg)
	}
}
