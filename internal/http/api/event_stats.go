package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/resource"
)

func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("GET /api/v3/events/events/volume/{$}", h.superuser(h.eventVolume))
		mux.HandleFunc("GET /api/v3/events/events/top_per_user/{$}", h.superuser(h.eventTopPerUser))
	})
}

// eventVolume is authentik's EventViewSet.volume: events per day and action
// over the last history_days (default 7, at most 60), with the list's
// filters. Actions are shown as authentik names them (event.APIAction).
func (h *Handler) eventVolume(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := eventFilter(r)
	if err != nil {
		return err
	}
	days := 7
	if s := r.URL.Query().Get("history_days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return resource.NewValidationError("history_days", "A valid positive integer is required.")
		}
		days = min(n, 60)
	}
	since := h.App.Clock().Add(-time.Duration(days) * 24 * time.Hour)
	if f.Since == nil || f.Since.Before(since) {
		f.Since = &since
	}
	counts, err := h.App.Store.EventVolume(r.Context(), f)
	if err != nil {
		return err
	}
	// usher's own actions map onto authentik's, so two may now share a day.
	type key struct {
		day    time.Time
		action string
	}
	merged := map[key]int{}
	var order []key
	for _, ec := range counts {
		a, _ := event.APIAction(ec.Action)
		k := key{ec.Day, a}
		if _, ok := merged[k]; !ok {
			order = append(order, k)
		}
		merged[k] += ec.Count
	}
	out := make([]map[string]any, 0, len(order))
	for _, k := range order {
		out = append(out, map[string]any{"action": k.action, "time": fieldrule.FormatTime(k.day), "count": merged[k]})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// eventTopPerUser is authentik's EventViewSet.top_per_user: for one action
// (default login), the applications named in the events' context
// (authorized_application), with how many events and distinct users each
// has, most events first, top_n (default 15) of them.
func (h *Handler) eventTopPerUser(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	action := q.Get("action")
	if action == "" {
		action = event.Login
	}
	if !actionRe.MatchString(action) {
		return resource.NewValidationError("action", "Select a valid choice. "+action+" is not one of the available choices.")
	}
	n := 15
	if s := q.Get("top_n"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			return resource.NewValidationError("top_n", "A valid positive integer is required.")
		}
		n = min(v, 1000)
	}
	rows, err := h.App.Store.EventTopApplications(r.Context(), action, n)
	if err != nil {
		return err
	}
	out := make([]map[string]any, 0, len(rows))
	for _, row := range rows {
		app := map[string]any{}
		_ = json.Unmarshal([]byte(row.Application), &app) // written by usher as an object
		out = append(out, map[string]any{"application": app, "counted_events": row.Events, "unique_users": row.Users})
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
