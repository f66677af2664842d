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
// values to API data, save through the model (the API's rules), record the
// audit event, redirect. T is the model's row type.
type entity[T any] struct {
	h        *Handler
	Singular string // "Flow"
	Base     string // list URL, "/if/admin/flows/"
	Nav      string
	model    *resource.Model[T]
	// NewPath overrides Base+"new/" (stages have one per kind).
	NewPath string
	// IDParam is the path wildcard holding the row's id (default "id").
	IDParam string
	load    func(ctx context.Context, id string) (T, error)
	// form returns the empty form (fields and options) for obj (nil = new).
	form func(ctx context.Context, obj *T) (*formDef, error)
	// values returns the form values of obj, or the defaults when nil.
	values func(obj *T) url.Values
	// data converts submitted values to API data, adding parse errors to f
	// (default: genericData).
	data func(f *formDef, v url.Values, obj *T) map[string]any
	// ident returns the row's URL id and display name.
	ident func(obj T) (id, name string)
	// next is where to go after saving (default: the list).
	next func(obj T) string
	// notes are flash messages to add after a save (the new invitation's
	// link, say).
	notes func(r *http.Request, obj T, created bool) []flash
}

// objectFunc handles a page about one row of e.
type objectFunc[T any] func(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[T], obj T) error

func (e *entity[T]) newPath() string {
	if e.NewPath != "" {
		return e.NewPath
	}
	return e.Base + "new/"
}

func (e *entity[T]) after(obj T) string {
	if e.next != nil {
		return e.next(obj)
	}
	return e.Base
}

// mount registers new/edit/delete routes for e under its base path.
func (e *entity[T]) mount(mux *routes) {
	h := e.h
	mux.HandleFunc("GET "+e.newPath(), h.admin(func(w http.ResponseWriter, r *http.Request, u *store.User) error {
		return e.show(w, r, u, nil)
	}))
	mux.HandleFunc("POST "+e.newPath(), h.admin(func(w http.ResponseWriter, r *http.Request, u *store.User) error {
		return e.submit(w, r, u, nil)
	}))
	mux.HandleFunc("GET "+e.Base+"{id}/edit/", h.admin(e.with(editForm)))
	mux.HandleFunc("POST "+e.Base+"{id}/edit/", h.admin(e.with(editSave)))
	mux.HandleFunc("GET "+e.Base+"{id}/delete/", h.admin(e.with(confirmDelete)))
	mux.HandleFunc("POST "+e.Base+"{id}/delete/", h.admin(e.with(deleteRow)))
}

// with loads the {id} row (404 when missing) and hands it to fn.
func (e *entity[T]) with(fn objectFunc[T]) pageFunc {
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

// The edit and delete pages of a loaded row.
func editForm[T any](w http.ResponseWriter, r *http.Request, u *store.User, e *entity[T], obj T) error {
	return e.show(w, r, u, &obj)
}

func editSave[T any](w http.ResponseWriter, r *http.Request, u *store.User, e *entity[T], obj T) error {
	return e.submit(w, r, u, &obj)
}

func (e *entity[T]) formFor(ctx context.Context, obj *T) (*formDef, error) {
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
		id, name := e.ident(*obj)
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

// show renders the create (obj nil) or edit form with the row's values.
func (e *entity[T]) show(w http.ResponseWriter, r *http.Request, u *store.User, obj *T) error {
	f, err := e.formFor(r.Context(), obj)
	if err != nil {
		return err
	}
	f.fill(e.values(obj))
	return e.h.renderForm(w, r, u, e.Nav, http.StatusOK, f)
}

func (h *Handler) renderForm(w http.ResponseWriter, r *http.Request, u *store.User, nav string, status int, f *formDef) error {
	v := h.view(r, u, f.Title, nav)
	v.Back = &link{URL: f.Cancel, Label: "Back"}
	v.P = f
	return h.render(w, r, status, "form", v)
}

// submit validates and stores the submitted form (obj nil creates); on
// errors the form is shown again with the user's input and the messages
// beside the fields.
func (e *entity[T]) submit(w http.ResponseWriter, r *http.Request, u *store.User, obj *T) error {
	f, err := e.formFor(r.Context(), obj)
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
		// Report the model's complaints too, so every field is fixed in
		// one round rather than the name only after the rest.
		if ve := e.check(r, u, obj, data); ve != nil {
			for k := range ve.Fields {
				if f.has(k) && len(f.field(k).Errors) > 0 {
					delete(ve.Fields, k) // the form's own message says it
				}
			}
			f.applyErrors(ve)
		}
		return &invalidForm{e.Nav, f}
	}
	saved, warnings, err := e.save(r, u, obj, data)
	var ve *resource.ValidationError
	if errors.As(err, &ve) {
		f.applyErrors(ve)
		return &invalidForm{e.Nav, f}
	}
	if err != nil {
		return err
	}
	_, name := e.ident(saved)
	verb := "created"
	if obj != nil {
		verb = "updated"
	}
	msgs := []flash{{"ok", e.Singular + " " + name + " " + verb + "."}}
	if e.notes != nil {
		msgs = append(msgs, e.notes(r, saved, obj == nil)...)
	}
	for _, m := range warnings {
		msgs = append(msgs, flash{"warn", m})
	}
	return e.h.redirect(w, r, e.after(saved), msgs...)
}

type confirmPage struct {
	Question, Detail, Action, Cancel, Button string
}

func confirmDelete[T any](w http.ResponseWriter, r *http.Request, u *store.User, e *entity[T], obj T) error {
	id, name := e.ident(obj)
	v := e.h.view(r, u, "Delete "+e.Singular, e.Nav)
	v.P = confirmPage{
		Question: "Delete " + e.Singular + " " + name + "?",
		Detail:   "This cannot be undone. Objects that depend on it may be deleted too or lose their reference.",
		Action:   e.Base + url.PathEscape(id) + "/delete/", Cancel: e.Base, Button: "Delete",
	}
	return e.h.render(w, r, http.StatusOK, "confirm", v)
}

func deleteRow[T any](w http.ResponseWriter, r *http.Request, u *store.User, e *entity[T], obj T) error {
	_, name := e.ident(obj)
	if err := e.remove(r, u, obj); err != nil {
		if errors.Is(err, store.ErrReferenced) {
			return e.h.redirect(w, r, e.Base, flash{"error", e.Singular + " " + name + " is still in use and was not deleted."})
		}
		return err
	}
	return e.h.redirect(w, r, e.Base, flash{"ok", e.Singular + " " + name + " deleted."})
}
