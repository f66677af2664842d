package console

import (
	"fmt"
	"net/http"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// saveObject validates and writes data through the model registry (the
// API's rules) and records model_created/model_updated in the same
// transaction.
func (h *Handler) saveObject(r *http.Request, u *store.User, e *entity, existing resource.Object, data map[string]any) (resource.Object, error) {
	k, err := kindOf(e)
	if err != nil {
		return nil, err
	}
	ctx := r.Context()
	var out resource.Object
	err = h.App.Store.Tx(ctx, func(q store.Queries) error {
		var err error
		if out, err = k.Save(h.resourceCtx(r, q, u), existing, data); err != nil {
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

// deleteObject deletes through the registry and records model_deleted.
func (h *Handler) deleteObject(r *http.Request, u *store.User, e *entity, obj resource.Object) error {
	k, err := kindOf(e)
	if err != nil {
		return err
	}
	return h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		if err := k.Delete(h.resourceCtx(r, q, u), obj); err != nil {
			return err
		}
		return h.recordModel(r, q, u, event.ModelDeleted, e.Model, obj, e)
	})
}

// kindOf returns the registered model of e. Every model the console edits
// is registered; New checks that at startup, so this error means a bug.
func kindOf(e *entity) (*resource.Kind, error) {
	k, ok := resource.Lookup(e.Model)
	if !ok {
		return nil, fmt.Errorf("web: model %q is not registered in internal/resource", e.Model)
	}
	return k, nil
}

func (h *Handler) resourceCtx(r *http.Request, q store.Queries, u *store.User) *resource.Ctx {
	return &resource.Ctx{Context: r.Context(), Q: q, User: u, BaseURL: httpx.BaseURL(r), Now: h.App.Clock(), Passwords: h.App.Passwords}
}

// recordModel records a model event shaped like authentik's: the model
// reference with app, model_name, pk (UUIDs as hex) and name.
func (h *Handler) recordModel(r *http.Request, q store.Queries, u *store.User, action, model string, obj resource.Object, e *entity) error {
	_, pk, display := e.ident(obj)
	return h.record(r.Context(), q, r, u, action, map[string]any{"model": event.Model(model, pk, display)})
}

// checkModels makes sure every model the console edits is registered, so a
// missing kind fails at startup rather than on a save.
func checkModels() error {
	models := []string{applicationModel, bindingModel, brandModel, flowModel, groupModel, invitationModel,
		policyModel, policyBindingModel, promptModel, userModel}
	for _, t := range stageTypes {
		models = append(models, t.Model)
	}
	for _, m := range models {
		if _, ok := resource.Lookup(m); !ok {
			return fmt.Errorf("model %q is not registered in internal/resource", m)
		}
	}
	return nil
}
