package api

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// /api/v3/events/events/: the audit log, newest first, paged in SQL.
// Filters: action, actions (repeated: any of them), username (the event's
// user), search, ordering (created, action, app, client_ip, username; "-"
// for descending) and a time range with created__gte / created__gt /
// created__lte / created__lt (RFC 3339 or a date). {pk}/ is one event.
// Events are read-only here, as in authentik.
func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("GET /api/v3/events/events/{$}", h.superuser(h.eventList))
		mux.HandleFunc("GET /api/v3/events/events/{pk}/{$}", h.superuser(h.eventRetrieve))
	})
}

// actionRe is what an event action looks like (authentik's choices plus
// usher's own and custom_* actions).
var actionRe = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func (h *Handler) eventRetrieve(w http.ResponseWriter, r *http.Request, c *call) error {
	id, ok := resource.NormUUID(r.PathValue("pk"))
	if !ok {
		return store.ErrNotFound
	}
	e, err := h.App.Store.GetEvent(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, event.Serialize(e))
	return nil
}

func (h *Handler) eventList(w http.ResponseWriter, r *http.Request, c *call) error {
	p, ok := pageOf(r)
	if !ok {
		return errInvalidPage
	}
	f, err := eventFilter(r)
	if err != nil {
		return err
	}
	list := func() ([]store.Event, int, error) {
		f.Limit, f.Offset = p.Size, p.Offset()
		return h.App.Store.ListEvents(r.Context(), f)
	}
	evs, count, err := list()
	if err != nil {
		return err
	}
	before := p.Number
	if !checkPage(r, &p, count) {
		return errInvalidPage
	}
	if p.Number != before { // ?page=last
		if evs, count, err = list(); err != nil {
			return err
		}
	}
	results := make([]any, len(evs))
	for i, e := range evs {
		results[i] = event.Serialize(e)
	}
	writeJSON(w, http.StatusOK, envelope(p, count, results))
	return nil
}

// eventFilter reads the list's filters (shared by volume/).
func eventFilter(r *http.Request) (store.EventFilter, error) {
	q := r.URL.Query()
	f := store.EventFilter{Action: q.Get("action"), Username: q.Get("username"), Search: strings.TrimSpace(q.Get("search")),
		Ordering: eventOrdering(q.Get("ordering"))}
	verr := &resource.ValidationError{}
	for _, a := range q["actions"] {
		if a = strings.TrimSpace(a); !actionRe.MatchString(a) {
			verr.Add("actions", "Select a valid choice. "+a+" is not one of the available choices.")
			continue
		}
		f.Actions = append(f.Actions, a)
	}
	for _, b := range []struct {
		param string
		set   func(time.Time)
	}{
		{"created__gte", func(t time.Time) { f.Since = &t }},
		{"created__gt", func(t time.Time) { t = t.Add(time.Microsecond); f.Since = &t }},
		{"created__lt", func(t time.Time) { f.Until = &t }},
		{"created__lte", func(t time.Time) { t = t.Add(time.Microsecond); f.Until = &t }},
	} {
		s := q.Get(b.param)
		if s == "" {
			continue
		}
		t, ok := parseTime(s)
		if !ok {
			verr.Add(b.param, "Enter a valid date/time.")
			continue
		}
		b.set(t)
	}
	return f, verr.Err()
}

// eventOrdering keeps the first ordering field the store knows; the
// default is newest first.
func eventOrdering(s string) string {
	first, _, _ := strings.Cut(s, ",")
	switch strings.TrimPrefix(strings.TrimSpace(first), "-") {
	case "created", "action", "app", "client_ip", "username":
		return strings.TrimSpace(first)
	}
	return "-created"
}
