package api

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("GET /api/v3/flows/inspector/{slug}/{$}", h.superuser(h.flowInspector))
	})
}

// flowInspector answers authentik's flow inspector: the plan of the flow
// running in the caller's own browser session (so it needs a signed-in
// superuser's session, not an API token): the stage it is at, the next
// one, and the plan's context with secrets masked as events mask them.
// usher keeps no history of earlier plans, so plans holds the current one.
func (h *Handler) flowInspector(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	f, err := h.App.Store.GetFlowBySlug(ctx, r.PathValue("slug"))
	if err != nil {
		return err
	}
	sess := auth.FromContext(ctx)
	if sess == nil && h.App.Sessions != nil {
		sess, _ = h.App.Sessions.Load(r)
	}
	var plan *flow.Plan
	if sess != nil {
		plan = flow.PlanIn(sess)
	}
	if plan == nil || plan.FlowPK != f.UUID {
		return errDetail(http.StatusBadRequest, "No flow plan in session: run the flow in this browser first (its Execute link), then inspect it.")
	}
	rc := h.resourceCtx(r, c, h.App.Store)
	rest := plan.Remaining()
	binding := func(i int) (any, error) {
		if i >= len(rest) {
			return nil, nil
		}
		b, err := h.App.Store.GetBinding(ctx, rest[i].UUID)
		if errors.Is(err, store.ErrNotFound) {
			// Deleted since the plan was made: what the plan holds.
			return map[string]any{"pk": rest[i].UUID, "stage": rest[i].Stage, "order": rest[i].Order}, nil
		}
		if err != nil {
			return nil, err
		}
		return resource.FlowStageBindings.Serialize(rc, b)
	}
	current, err := binding(0)
	if err != nil {
		return err
	}
	next, err := binding(1)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(sess.ID))
	cur := map[string]any{"current_stage": current, "next_planned_stage": next,
		"plan_context": event.Cleanse(plan.Context), "session_id": hex.EncodeToString(sum[:])}
	writeJSON(w, http.StatusOK, map[string]any{"plans": []any{cur}, "current_plan": cur, "is_completed": len(rest) == 0})
	return nil
}
