package console

import (
	"net/http"
	"slices"
	"sort"

	"github.com/usher-id/usher/internal/store"
)

// blueprintList is System > Blueprints: instances with status and last apply.
func (h *Handler) blueprintList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	bps, err := h.App.Store.ListBlueprintInstances(r.Context())
	if err != nil {
		return err
	}
	sort.Slice(bps, func(i, j int) bool { return bps[i].Name < bps[j].Name })
	v := h.view(r, u, "Blueprints", "blueprints")
	v.P = bps
	return h.render(w, r, http.StatusOK, "blueprint_list", v)
}

// eventActions are offered in the Events filter.
var eventActions = []string{"model_created", "model_updated", "model_deleted", "invitation_used", "invitation_failed",
	"invitation_sent", "invitation_revoked", "invitation_expiry_changed", "invitation_expired", "user_write",
	"password_set", "login", "login_failed", "logout", "rate_limited", "policy_exception", "policy_execution",
	"system_exception", "configuration_error", "email_sent"}

// actionsWith is the filter's choices, with the active one added when it is
// not among them (a link may name any action), so the filter shows it.
func actionsWith(action string) []string {
	if action == "" || slices.Contains(eventActions, action) {
		return eventActions
	}
	return append(slices.Clone(eventActions), action)
}

// eventList is Events: newest first, paged, filtered by action.
func (h *Handler) eventList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	p := newPager(r, "/if/admin/events/", []string{"created"}, "-created")
	action := r.URL.Query().Get("action")
	if action != "" {
		p.Query.Set("action", action)
	}
	events, n, err := h.App.Store.ListEvents(r.Context(), store.EventFilter{Action: action, Search: p.Search,
		Ordering: p.Sort, Limit: p.Size, Offset: p.Offset()})
	if err != nil {
		return err
	}
	p.Count = n
	v := h.view(r, u, "Events", "events")
	v.P = struct {
		Events  []store.Event
		Actions []string
		Action  string
		Pager   *pager
	}{events, actionsWith(action), action, p}
	return h.render(w, r, http.StatusOK, "event_list", v)
}
