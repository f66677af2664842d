package api

import (
	"net/http"
	"net/url"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// endpoint is a model viewset: list, create, retrieve, update, partial
// update and delete over one resource.Model.
type endpoint[T any] struct {
	path   string // "/api/v3/flows/instances/"
	model  *resource.Model[T]
	lookup string // URL lookup field; "" = pk
	// For lists served from Model.List: exact filters (param -> serialized
	// field), search fields and the default ordering.
	filters map[string]string
	search  []string
	order   string
	// lister pages in SQL instead (users, groups, invitations).
	lister func(rc *resource.Ctx, q listQuery) ([]T, int, error)
}

// listQuery is a list request's parameters.
type listQuery struct {
	Page     page
	Ordering string
	Search   string
	Params   url.Values
}

// crud registers e's routes on mux.
func crud[T any](h *Handler, mux *http.ServeMux, e endpoint[T]) {
	item := e.path + "{id}/{$}"
	mux.HandleFunc("GET "+e.path+"{$}", h.superuser(e.list(h)))
	mux.HandleFunc("POST "+e.path+"{$}", h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
		return e.save(h, w, r, c, "", false)
	}))
	mux.HandleFunc("GET "+item, h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
		rc := h.resourceCtx(r, c, h.App.Store)
		row, err := e.get(rc, r.PathValue("id"))
		if err != nil {
			return err
		}
		out, err := e.model.Serialize(rc, row)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}))
	mux.HandleFunc("PUT "+item, h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
		return e.save(h, w, r, c, r.PathValue("id"), true)
	}))
	mux.HandleFunc("PATCH "+item, h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
		return e.save(h, w, r, c, r.PathValue("id"), false)
	}))
	mux.HandleFunc("DELETE "+item, h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
		err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
			rc := h.resourceCtx(r, c, q)
			row, err := e.get(rc, r.PathValue("id"))
			if err != nil {
				return err
			}
			if err := e.model.Delete(rc, row); err != nil {
				return err
			}
			return h.record(r, q, c, event.ModelDeleted, ref(e.model, row))
		})
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}))
}

// get finds the row the URL names.
func (e endpoint[T]) get(rc *resource.Ctx, id string) (T, error) {
	key := "pk"
	if e.lookup != "" {
		key = e.lookup
	}
	row, err := e.model.Find(rc, map[string]any{key: id})
	if _, invalid := err.(*resource.ValidationError); invalid {
		return row, store.ErrNotFound
	}
	return row, err
}

// save creates (id == "") or updates a row, recording the audit event in
// the same transaction. full is a PUT: required fields must be present.
func (e endpoint[T]) save(h *Handler, w http.ResponseWriter, r *http.Request, c *call, id string, full bool) error {
	data, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	var out map[string]any
	warnings := map[string][]string{}
	err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		clear(warnings) // a retried transaction starts over
		rc := h.resourceCtx(r, c, q)
		rc.Full = full
		rc.Warn = func(field, msg string) { warnings[field] = append(warnings[field], msg) }
		var row T
		action := event.ModelCreated
		if id == "" {
			row, err = e.model.Create(rc, data)
		} else {
			action = event.ModelUpdated
			if row, err = e.get(rc, id); err == nil {
				row, err = e.model.Update(rc, row, data)
			}
		}
		if err != nil {
			return err
		}
		if out, err = e.model.Serialize(rc, row); err != nil {
			return err
		}
		return h.record(r, q, c, action, ref(e.model, row))
	})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if id == "" {
		status = http.StatusCreated
	}
	if len(warnings) > 0 {
		// Not in authentik's schema: its clients ignore the key.
		out["warnings"] = warnings
	}
	writeJSON(w, status, out)
	return nil
}

// ref is the audit events' reference to row.
func ref[T any](m *resource.Model[T], row T) map[string]any {
	return event.Model(m.Name, m.PK(row), m.Title(row))
}

// record writes a model_created/updated/deleted event about the row model
// refers to (authentik's events/models.py EventAction).
func (h *Handler) record(r *http.Request, q store.Queries, c *call, action string, model map[string]any) error {
	if h.App.Events == nil {
		return nil
	}
	u := c.User
	return h.App.Events.Record(r.Context(), q, r, &u, action, map[string]any{"model": model})
}

// list serves GET on the collection.
func (e endpoint[T]) list(h *Handler) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		p, ok := pageOf(r)
		if !ok {
			return errInvalidPage
		}
		q := r.URL.Query()
		lq := listQuery{Page: p, Ordering: q.Get("ordering"), Search: q.Get("search"), Params: q}
		rc := h.resourceCtx(r, c, h.App.Store)
		if e.lister != nil {
			rows, count, err := e.lister(rc, lq)
			if err != nil {
				return err
			}
			before := lq.Page.Number
			if !checkPage(r, &lq.Page, count) {
				return errInvalidPage
			}
			if lq.Page.Number != before { // ?page=last: fetch the real last page
				if rows, count, err = e.lister(rc, lq); err != nil {
					return err
				}
			}
			results := make([]any, 0, len(rows))
			for _, row := range rows {
				m, err := e.model.Serialize(rc, row)
				if err != nil {
					return err
				}
				results = append(results, m)
			}
			writeJSON(w, http.StatusOK, envelope(lq.Page, count, results))
			return nil
		}
		all, err := e.model.List(rc)
		if err != nil {
			return err
		}
		objs := make([]map[string]any, 0, len(all))
		for _, row := range all {
			m, err := e.model.Serialize(rc, row)
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
