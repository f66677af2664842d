package api

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/flow/stage/email"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("POST /api/v3/core/users/{id}/recovery/{$}", h.superuser(h.userRecovery))
		mux.HandleFunc("POST /api/v3/core/users/{id}/recovery_email/{$}", h.superuser(h.userRecoveryEmail))
	})
}

// userRecovery makes a recovery link for an administrator to hand over
// (authentik's UserViewSet.recovery: {"token_duration": "minutes=30"} ->
// {"link": ...}). The link opens the brand's recovery flow for the user
// and works once, until it expires.
func (h *Handler) userRecovery(w http.ResponseWriter, r *http.Request, c *call) error {
	u, expires, _, err := h.recoveryRequest(w, r)
	if err != nil {
		return err
	}
	exec := flow.NewExecutor(h.App, policy.NewEngine(h.App))
	var link string
	err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		var err error
		link, _, err = exec.RecoveryLink(r, q, u, expires)
		return err
	})
	if err := recoveryError(err); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"link": link})
	return nil
}

// userRecoveryEmail mails the user a recovery link through an email stage
// (authentik's UserViewSet.recovery_email: {"email_stage": uuid,
// "token_duration": ...} -> 204).
func (h *Handler) userRecoveryEmail(w http.ResponseWriter, r *http.Request, c *call) error {
	u, expires, data, err := h.recoveryRequest(w, r)
	if err != nil {
		return err
	}
	stage, _ := data["email_stage"].(string)
	if _, ok := data["email_stage"]; !ok {
		return resource.NewValidationError("email_stage", "This field is required.")
	}
	if _, ok := flow.ParseToken(stage); !ok {
		return resource.NewValidationError("email_stage", "Must be a valid UUID.")
	}
	stage, _ = flow.ParseToken(stage)
	exec := flow.NewExecutor(h.App, policy.NewEngine(h.App))
	if err := recoveryError(email.SendRecovery(r, exec, stage, u, expires)); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// recoveryRequest reads the user and token_duration (authentik's default
// is 30 minutes).
func (h *Handler) recoveryRequest(w http.ResponseWriter, r *http.Request) (store.User, time.Time, map[string]any, error) {
	pk, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return store.User{}, time.Time{}, nil, store.ErrNotFound
	}
	// The body is optional (authentik's client sends "null" without one).
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<16))
	if err != nil {
		return store.User{}, time.Time{}, nil, errDetail(http.StatusRequestEntityTooLarge, "Request body too large.")
	}
	if strings.TrimSpace(string(raw)) == "null" {
		raw = nil
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	data, err := h.readBody(w, r)
	if err != nil {
		return store.User{}, time.Time{}, nil, err
	}
	u, err := h.App.Store.GetUser(r.Context(), pk)
	if err != nil {
		return store.User{}, time.Time{}, nil, err
	}
	d := email.DefaultTokenDuration
	if raw, ok := data["token_duration"]; ok && raw != nil {
		s, _ := raw.(string)
		if d, err = resource.ParseTimedelta(s); err != nil || d <= 0 {
			return store.User{}, time.Time{}, nil, resource.NewValidationError("token_duration",
				"Enter a duration such as minutes=30 or hours=24;minutes=30.")
		}
	}
	return u, h.App.Clock().Add(d), data, nil
}

// recoveryError turns the refusals into authentik's non_field_errors.
func recoveryError(err error) error {
	for _, known := range []error{flow.ErrNoRecoveryFlow, flow.ErrNotApplicable, email.ErrNoEmail, email.ErrStageMissing} {
		if errors.Is(err, known) {
			return resource.NewValidationError("non_field_errors", known.Error())
		}
	}
	return err
}
