package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// endpoint is a model viewset: list, create, retrieve, update, partial
// update and delete over one resource.Kind.
type endpoint struct {
	path   string // "/api/v3/flows/instances/"
	kind   *resource.Kind
	lookup string // URL lookup field; "" = pk
	// For lists served from Kind.List: exact filters (param -> serialized
	// field), search fields and the default ordering.
	filters map[string]string
	search  []string
	order   string
	// lister pages in SQL instead (users, groups, invitations).
	lister lister
}

// listQuery is a list request's parameters.
type listQuery struct {
	Page     page
	Ordering string
	Search   string
	Params   url.Values
}

// lister returns one page of objects and the total count.
type lister func(rc *resource.Ctx, q listQuery) ([]resource.Object, int, error)

func (h *Handler) crud(mux *http.ServeMux, e endpoint) {
	item := e.path + "{id}/{$}"
	mux.HandleFunc("GET "+e.path+"{$}", h.superuser(e.list(h)))
	mux.HandleFunc("POST "+e.path+"{$}", h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
		return h.save(w, r, c, e, "", false)
	}))
	mux.HandleFunc("GET "+item, h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
		rc := h.resourceCtx(r, c, h.App.Store)
		obj, err := e.get(rc, r.PathValue("id"))
		if err != nil {
			return err
		}
		out, err := e.kind.Serialize(rc, obj)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}))
	mux.HandleFunc("PUT "+item, h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
		return h.save(w, r, c, e, r.PathValue("id"), true)
	}))
	mux.HandleFunc("PATCH "+item, h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
		return h.save(w, r, c, e, r.PathValue("id"), false)
	}))
	mux.HandleFunc("DELETE "+item, h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
		err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
			rc := h.resourceCtx(r, c, q)
			obj, err := e.get(rc, r.PathValue("id"))
			if err != nil {
				return err
			}
			if err := e.kind.Delete(rc, obj); err != nil {
				return err
			}
			return h.record(r, q, c, event.ModelDeleted, e.kind, obj)
		})
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
}

// get finds the object the URL names.
func (e endpoint) get(rc *resource.Ctx, id string) (resource.Object, error) {
	key := "pk"
	if e.lookup != "" {
		key = e.lookup
	}
	obj, err := e.kind.Find(rc, map[string]any{key: id})
	if _, invalid := err.(*resource.ValidationError); invalid {
		return nil, store.ErrNotFound
	}
	return obj, err
}

// save creates (id == "") or updates an object, recording the audit event
// in the same transaction. full is a PUT: required fields must be present.
func (h *Handler) save(w http.ResponseWriter, r *http.Request, c *call, e endpoint, id string, full bool) error {
	data, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	var out map[string]any
	err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		rc := h.resourceCtx(r, c, q)
		rc.Full = full
		var existing resource.Object
		action := event.ModelCreated
		if id != "" {
			var err error
			if existing, err = e.get(rc, id); err != nil {
				return err
			}
			action = event.ModelUpdated
		}
		obj, err := e.kind.Save(rc, existing, data)
		if err != nil {
			return err
		}
		if out, err = e.kind.Serialize(rc, obj); err != nil {
			return err
		}
		return h.record(r, q, c, action, e.kind, obj)
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if id == "" {
		status = http.StatusCreated
	}
	writeJSON(w, status, out)
	return nil
}

// record writes a model_created/updated/deleted event (authentik's events/models.py EventAction).
func (h *Handler) record(r *http.Request, q store.Queries, c *call, action string, k *resource.Kind, obj resource.Object) error {
	if h.App.Events == nil {
		return nil
	}
	app, model, _ := strings.Cut(k.Model, ".")
	u := c.User
	return h.App.Events.Record(r.Context(), q, r, &u, action,
		map[string]any{"model": event.Model(app, model, k.PK(obj), k.Name(obj))})
}

// list serves GET on the collection.
func (e endpoint) list(h *Handler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		p, ok := pageOf(r)
		if !ok {
			return errInvalidPage
		}
		q := r.URL.Query()
		lq := listQuery{Page: p, Ordering: q.Get("ordering"), Search: q.Get("search"), Params: q}
		rc := h.resourceCtx(r, c, h.App.Store)
		if e.lister != nil {
			objs, count, err := e.lister(rc, lq)
			if err != nil {
				return err
			}
			before := lq.Page.Number
			if !checkPage(r, &lq.Page, count) {
				return errInvalidPage
			}
			if lq.Page.Number != before { // ?page=last: fetch the real last page
				if objs, count, err = e.lister(rc, lq); err != nil {
					return err
				}
			}
			results := make([]any, 0, len(objs))
			for _, o := range objs {
				m, err := e.kind.Serialize(rc, o)
				if err != nil {
					return err
				}
				results = append(results, m)
			}
			writeJSON(w, http.StatusOK, envelope(lq.Page, count, results))
			return nil
		}
		all, err := e.kind.List(rc)
		if err != nil {
			return err
		}
		objs := make([]map[string]any, 0, len(all))
		for _, o := range all {
			m, err := e.kind.Serialize(rc, o)
			if err != nil {
				return err
			}
			objs = append(objs, m)
		}
		return writePage(w, r, lq, objs, e.filters, e.search, e.order)
	}
}

// writePage filters, searches, orders and pages serialized objects, for
// small tables listed whole.
func writePage(w http.ResponseWriter, r *http.Request, lq listQuery, objs []map[string]any, fields map[string]string, searchFields []string, order string) error {
	objs = filterExact(objs, lq.Params, fields)
	objs = search(objs, lq.Search, searchFields)
	orderBy(objs, lq.Ordering, order)
	p := lq.Page
	if !checkPage(r, &p, len(objs)) {
		return errInvalidPage
	}
	results := []any{}
	for i := p.Offset(); i < len(objs) && i < p.Offset()+p.Size; i++ {
		results = append(results, objs[i])
	}
	writeJSON(w, http.StatusOK, envelope(p, len(objs), results))
	return nil
}
