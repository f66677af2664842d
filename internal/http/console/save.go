package console

import (
	"errors"
	"net/http"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// save validates and writes data through e's model (the API's rules;
// existing nil creates) and records model_created/model_updated in the
// same transaction.
// Warnings the model gave about accepted values come back for the page to
// show.
func (e *entity[T]) save(r *http.Request, u *store.User, existing *T, data map[string]any) (T, []string, error) {
	h := e.h
	var out T
	var warnings []string
	err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		warnings = nil
		rc := h.resourceCtx(r, q, u)
		rc.Warn = func(_, msg string) { warnings = append(warnings, msg) }
		var err error
		action := event.ModelCreated
		if existing == nil {
			out, err = e.model.Create(rc, data)
		} else {
			action = event.ModelUpdated
			out, err = e.model.Update(rc, *existing, data)
		}
		if err != nil {
			return err
		}
		return h.record(r.Context(), q, r, u, action, ref(e.model, out))
	})
	return out, warnings, err
}

// remove deletes obj through e's model and records model_deleted.
func (e *entity[T]) remove(r *http.Request, u *store.User, obj T) error {
	h := e.h
	return h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		if err := e.model.Delete(h.resourceCtx(r, q, u), obj); err != nil {
			return err
		}
		return h.record(r.Context(), q, r, u, event.ModelDeleted, ref(e.model, obj))
	})
}

func (h *Handler) resourceCtx(r *http.Request, q store.Queries, u *store.User) *resource.Ctx {
	return &resource.Ctx{Context: r.Context(), Q: q, User: u, BaseURL: httpx.BaseURL(r), Now: h.App.Clock(), Passwords: h.App.Passwords,
		TemplatesDir: h.App.TemplatesDir}
}

// ref is the audit events' reference to row, shaped like authentik's:
// app, model_name, pk (UUIDs as hex) and name.
func ref[T any](m *resource.Model[T], row T) map[string]any {
	return map[string]any{"model": event.Model(m.Name, m.PK(row), m.Title(row))}
}

// errChecked rolls back the transaction check validated in.
var errChecked = errors.New("console: checked, roll back")

// check runs the model's validation of data without keeping anything: the
// write happens in a transaction that is rolled back. It returns the
// validation errors, or nil.
func (e *entity[T]) check(r *http.Request, u *store.User, existing *T, data map[string]any) *resource.ValidationError {
	h := e.h
	var ve *resource.ValidationError
	_ = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		rc := h.resourceCtx(r, q, u)
		var err error
		if existing == nil {
			_, err = e.model.Create(rc, data)
		} else {
			_, err = e.model.Update(rc, *existing, data)
		}
		errors.As(err, &ve)
		return errChecked
	})
	return ve
}
