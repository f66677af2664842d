package console

import (
	"errors"
	"net/http"

	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/flow/stage/email"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/store"
)

// recoveryCard reads what the user page's recovery card offers: the
// brand's recovery flow and the email stages.
func (h *Handler) recoveryCard(r *http.Request) (recoveryCard, error) {
	var rc recoveryCard
	ctx := r.Context()
	b, err := brand.ForRequest(ctx, h.App.Store, r)
	if err != nil {
		return rc, err
	}
	if b.FlowRecovery != nil {
		f, err := h.App.Store.GetFlow(ctx, *b.FlowRecovery)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return rc, err
		}
		rc.Flow = f.Slug
	}
	stages, err := h.App.Store.ListStages(ctx)
	if err != nil {
		return rc, err
	}
	for _, s := range stages {
		if s.Kind == store.StageEmail {
			rc.Stages = append(rc.Stages, s)
		}
	}
	return rc, nil
}

// userRecoveryLink shows a new recovery link for the administrator to hand
// over (the same as the API's core/users/<pk>/recovery/). The link is a
// secret: it is shown on this response only, never stored in the session.
func (h *Handler) userRecoveryLink(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.User], target store.User) error {
	exec := flow.NewExecutor(h.App, policy.NewEngine(h.App))
	var link string
	err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		var err error
		link, _, err = exec.RecoveryLink(r, q, target, h.App.Clock().Add(email.DefaultTokenDuration))
		return err
	})
	if errors.Is(err, flow.ErrNoRecoveryFlow) || errors.Is(err, flow.ErrNotApplicable) {
		return h.redirect(w, r, userBase(target), flash{"error", err.Error()})
	}
	if err != nil {
		return err
	}
	return h.renderUserDetailLink(w, r, u, target, http.StatusOK, adminPasswordForm(userBase(target)), link)
}

// userRecoveryEmail mails the user a recovery link through the chosen email
// stage (the API's core/users/<pk>/recovery_email/).
func (h *Handler) userRecoveryEmail(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.User], target store.User) error {
	exec := flow.NewExecutor(h.App, policy.NewEngine(h.App))
	err := email.SendRecovery(r, exec, r.PostFormValue("email_stage"), target, h.App.Clock().Add(email.DefaultTokenDuration))
	for _, known := range []error{flow.ErrNoRecoveryFlow, flow.ErrNotApplicable, email.ErrNoEmail, email.ErrStageMissing} {
		if errors.Is(err, known) {
			return h.redirect(w, r, userBase(target), flash{"error", known.Error()})
		}
	}
	if err != nil {
		return err
	}
	return h.redirect(w, r, userBase(target), flash{"ok", "Recovery email queued for delivery to " + target.Email + "."})
}
