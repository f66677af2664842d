package console

import (
	"errors"
	"net/http"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// addInvitationStage answers the one-click fix offered where an enrollment
// flow has no invitation stage (e.g. authentik's "Example - Enrollment (2
// Stage)" blueprint with invitations pointed at default-enrollment-flow):
// it creates an Invitation Stage that refuses visitors without an
// invitation and binds it before every other stage, in one transaction,
// through the same models (and audit events) as the forms.
func (h *Handler) addInvitationStage(w http.ResponseWriter, r *http.Request, u *store.User, _ *entity[store.Flow], f store.Flow) error {
	back := "/if/admin/flows/" + f.Slug + "/bindings/"
	name := f.Slug + "-invitation"
	err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		bindings, err := q.ListBindings(r.Context(), f.UUID)
		if err != nil {
			return err
		}
		order := 10
		for i, b := range bindings {
			s, err := q.GetStage(r.Context(), b.Stage)
			if err != nil {
				return err
			}
			if s.Kind == store.StageInvitation {
				return errAlreadyInvitable
			}
			if i == 0 || b.Order-10 < order {
				order = b.Order - 10
			}
		}
		rc := h.resourceCtx(r, q, u)
		stage, err := resource.InvitationStages.Create(rc, map[string]any{
			"name": name, "continue_flow_without_invitation": false})
		if err != nil {
			return err
		}
		if err := h.record(r.Context(), q, r, u, event.ModelCreated, ref(resource.InvitationStages, stage)); err != nil {
			return err
		}
		// Evaluated when the flow is planned, as the invitation stage's
		// binding is in authentik's example invitation blueprints.
		b, err := resource.FlowStageBindings.Create(rc, map[string]any{
			"target": f.UUID, "stage": stage.UUID, "order": order, "evaluate_on_plan": true})
		if err != nil {
			return err
		}
		return h.record(r.Context(), q, r, u, event.ModelCreated, ref(resource.FlowStageBindings, b))
	})
	var ve *resource.ValidationError
	switch {
	case errors.Is(err, errAlreadyInvitable):
		return h.redirect(w, r, back, flash{"ok", "This flow already has an invitation stage."})
	case errors.As(err, &ve):
		return h.redirect(w, r, back, flash{"error", "The invitation stage could not be added: " + ve.Error() +
			" Create an Invitation Stage under Stages and bind it here instead."})
	case err != nil:
		return err
	}
	return h.redirect(w, r, back, flash{"ok", "Invitation stage " + name + " added first in this flow: the flow now needs a valid invitation."})
}

var errAlreadyInvitable = errors.New("the flow already has an invitation stage")
