package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// saveObject validates and writes data through the model registry (the
// API's rules), falling back to e.fallback while a kind is not registered,
// and records model_created/model_updated in the same transaction.
func (h *Handler) saveObject(r *http.Request, u *store.User, e *entity, existing resource.Object, data map[string]any) (resource.Object, error) {
	ctx := r.Context()
	var out resource.Object
	err := h.App.Store.Tx(ctx, func(q store.Queries) error {
		c := h.resourceCtx(r, q, u)
		var err error
		if k, ok := resource.Lookup(e.Model); ok {
			out, err = k.Save(c, existing, data)
		} else {
			out, err = e.fallback(c, existing, data)
		}
		if err != nil {
			return err
		}
		action := event.ModelCreated
		if existing != nil {
			action = event.ModelUpdated
		}
		return h.recordModel(r, q, u, action, e.Model, out, e)
	})
	return out, err
}

// deleteObject deletes through the registry (or e.remove) and records
// model_deleted.
func (h *Handler) deleteObject(r *http.Request, u *store.User, e *entity, obj resource.Object) error {
	ctx := r.Context()
	return h.App.Store.Tx(ctx, func(q store.Queries) error {
		var err error
		if k, ok := resource.Lookup(e.Model); ok {
			err = k.Delete(h.resourceCtx(r, q, u), obj)
		} else {
			err = e.remove(ctx, q, obj)
		}
		if err != nil {
			return err
		}
		return h.recordModel(r, q, u, event.ModelDeleted, e.Model, obj, e)
	})
}

func (h *Handler) resourceCtx(r *http.Request, q store.Queries, u *store.User) *resource.Ctx {
	return &resource.Ctx{Context: r.Context(), Q: q, User: u, BaseURL: httpx.BaseURL(r), Now: h.App.Clock(), Passwords: h.App.Passwords}
}

// recordModel records a model event shaped like authentik's: the model
// reference with app, model_name, pk (UUIDs as hex) and name.
func (h *Handler) recordModel(r *http.Request, q store.Queries, u *store.User, action, model string, obj resource.Object, e *entity) error {
	app, name, _ := strings.Cut(model, ".")
	_, pk, display := e.ident(obj)
	if s, ok := pk.(string); ok {
		pk = strings.ReplaceAll(s, "-", "")
	}
	return h.record(r.Context(), q, r, u, action, map[string]any{"model": event.Model(app, name, pk, display)})
}

// ctxOf is the request context a fallback save runs in.
func ctxOf(c *resource.Ctx) context.Context {
	if c.Context != nil {
		return c.Context
	}
	return context.Background()
}
