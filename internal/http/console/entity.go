package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// entity describes one editable model so that create, edit and delete
// share a single implementation: show the form, convert the submitted
// values to API data, save through the model registry, record the audit
// event, redirect.
type entity struct {
	Singular string // "Flow"
	Base     string // list URL, "/if/admin/flows/"
	Nav      string
	Model    string // resource model, store.ModelFlow
	// NewPath overrides Base+"new/" (stages have one per kind).
	NewPath string
	// IDParam is the path wildcard holding the object id (default "id").
	IDParam string
	load    func(ctx context.Context, id string) (resource.Object, error)
	// form returns the empty form (fields and options) for obj (nil = new).
	form func(ctx context.Context, obj resource.Object) (*formDef, error)
	// values returns the form values of obj, or the defaults when nil.
	values func(obj resource.Object) url.Values
	// data converts submitted values to API data, adding parse errors to f
	// (default: genericData).
	data func(f *formDef, v url.Values, obj resource.Object) map[string]any
	// ident returns the object's URL id, event pk and display name.
	ident func(obj resource.Object) (id string, pk any, name string)
	// next is where to go after saving (default: the list).
	next func(obj resource.Object) string
}

func (e *entity) newPath() string {
	if e.NewPath != "" {
		return e.NewPath
	}
	return e.Base + "new/"
}

func (e *entity) after(obj resource.Object) string {
	if e.next != nil {
		return e.next(obj)
	}
	return e.Base
}

// mount registers new/edit/delete routes for e under its base path.
func (h *Handler) mountEntity(mux *routes, e *entity) {
	mux.HandleFunc("GET "+e.newPath(), h.admin(func(w http.ResponseWriter, r *http.Request, u *store.User) error {
		return h.entityShow(w, r, u, e, nil)
	}))
	mux.HandleFunc("POST "+e.newPath(), h.admin(func(w http.ResponseWriter, r *http.Request, u *store.User) error {
		return h.entitySave(w, r, u, e, nil)
	}))
	mux.HandleFunc("GET "+e.Base+"{id}/edit/", h.admin(h.withObject(e, h.entityShow)))
	mux.HandleFunc("POST "+e.Base+"{id}/edit/", h.admin(h.withObject(e, h.entitySave)))
	mux.HandleFunc("GET "+e.Base+"{id}/delete/", h.admin(h.withObject(e, h.entityConfirmDelete)))
	mux.HandleFunc("POST "+e.Base+"{id}/delete/", h.admin(h.withObject(e, h.entityDelete)))
}

type objectFunc func(w http.ResponseWriter, r *http.Request, u *store.User, e *entity, obj resource.Object) error

// withObject loads the {id} object (404 when missing).
func (h *Handler) withObject(e *entity, fn objectFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, u *store.User) error {
		param := e.IDParam
		if param == "" {
			param = "id"
		}
		obj, err := e.load(r.Context(), r.PathValue(param))
		if err != nil {
			return err // store.ErrNotFound: the 404 page
		}
		return fn(w, r, u, e, obj)
	}
}

func (h *Handler) entityForm(ctx context.Context, e *entity, obj resource.Object) (*formDef, error) {
	f, err := e.form(ctx, obj)
	if err != nil {
		return nil, err
	}
	if obj == nil {
		f.Action, f.Submit = e.newPath(), "Create"
		if f.Title == "" {
			f.Title = "Create " + e.Singular
		}
	} else {
		id, _, name := e.ident(obj)
		f.Action, f.Submit = e.Base+url.PathEscape(id)+"/edit/", "Save"
		if f.Title == "" {
			f.Title = "Update " + e.Singular + ": " + name
		}
	}
	if f.Cancel == "" {
		f.Cancel = e.Base
	}
	return f, nil
}

// entityShow renders the create or edit form with the object's values.
func (h *Handler) entityShow(w http.ResponseWriter, r *http.Request, u *store.User, e *entity, obj resource.Object) error {
	f, err := h.entityForm(r.Context(), e, obj)
	if err != nil {
		return err
	}
	f.fill(e.values(obj))
	return h.renderForm(w, r, u, e, http.StatusOK, f)
}

func (h *Handler) renderForm(w http.ResponseWriter, r *http.Request, u *store.User, e *entity, status int, f *formDef) error {
	v := h.view(r, u, f.Title, e.Nav)
	v.Back = &link{URL: f.Cancel, Label: "Back"}
	v.P = f
	return h.render(w, r, status, "form", v)
}

// entitySave validates and stores the submitted form; on errors the form is
// shown again with the user's input and the messages beside the fields.
func (h *Handler) entitySave(w http.ResponseWriter, r *http.Request, u *store.User, e *entity, obj resource.Object) error {
	f, err := h.entityForm(r.Context(), e, obj)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errBadForm
	}
	f.fill(r.PostForm)
	var data map[string]any
	if e.data != nil {
		data = e.data(f, r.PostForm, obj)
	} else {
		data = genericData(f, r.PostForm)
	}
	if f.hasErrors() {
		return &invalidForm{e, f}
	}
	saved, err := h.saveObject(r, u, e, obj, data)
	var ve *resource.ValidationError
	if errors.As(err, &ve) {
		f.applyErrors(ve)
		return &invalidForm{e, f}
	}
	if err != nil {
		return err
	}
	_, _, name := e.ident(saved)
	verb := "created"
	if obj != nil {
		verb = "updated"
	}
	return h.redirect(w, r, e.after(saved), flash{"ok", e.Singular + " " + name + " " + verb + "."})
}

type confirmPage struct {
	Question, Detail, Action, Cancel, Button string
}

func (h *Handler) entityConfirmDelete(w http.ResponseWriter, r *http.Request, u *store.User, e *entity, obj resource.Object) error {
	id, _, name := e.ident(obj)
	v := h.view(r, u, "Delete "+e.Singular, e.Nav)
	v.P = confirmPage{
		Question: "Delete " + e.Singular + " " + name + "?",
		Detail:   "This cannot be undone. Objects that depend on it may be deleted too or lose their reference.",
		Action:   e.Base + url.PathEscape(id) + "/delete/", Cancel: e.Base, Button: "Delete",
	}
	return h.render(w, r, http.StatusOK, "confirm", v)
}

func (h *Handler) entityDelete(w http.ResponseWriter, r *http.Request, u *store.User, e *entity, obj resource.Object) error {
	if err := h.deleteObject(r, u, e, obj); err != nil {
		if errors.Is(err, store.ErrReferenced) {
			_, _, name := e.ident(obj)
			return h.redirect(w, r, e.Base, flash{"error", e.Singular + " " + name + " is still in use and was not deleted."})
		}
		return err
	}
	_, _, name := e.ident(obj)
	return h.redirect(w, r, e.Base, flash{"ok", e.Singular + " " + name + " deleted."})
}

// as returns obj as a T: the registry hands back values or pointers.
func as[T any](obj resource.Object) T {
	if p, ok := obj.(*T); ok {
		return *p
	}
	return obj.(T)
}
