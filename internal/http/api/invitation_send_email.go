package api

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
)

// sendEmailRequest is the body of send_email/ (authentik reads it raw).
type sendEmailRequest struct {
	EmailAddresses []string `json:"email_addresses"`
	CcAddresses    []string `json:"cc_addresses"`
	BccAddresses   []string `json:"bcc_addresses"`
	Template       string   `json:"template"`
	// Expires (usher, issue 18) moves the invitation's expiry before
	// sending: resend with a new expiry in one call.
	Expires *string `json:"expires"`
}

// invitationSendEmail answers POST .../invitations/{pk}/send_email/: one
// email per address goes to the outbox in one transaction (delivered by
// the mail worker), then 204. Errors use authentik's {"error": msg}.
func (h *Handler) invitationSendEmail(w http.ResponseWriter, r *http.Request, c *call) error {
	id, ok := resource.NormUUID(r.PathValue("pk"))
	if !ok {
		return store.ErrNotFound
	}
	var req sendEmailRequest
	body := io.LimitReader(r.Body, 1<<20)
	if err := json.NewDecoder(body).Decode(&req); err != nil && !errors.Is(err, io.EOF) {
		return errBody(http.StatusBadRequest, map[string]string{"error": "Invalid JSON body: " + err.Error()})
	}
	for _, list := range [][]string{req.EmailAddresses, req.CcAddresses, req.BccAddresses} {
		for _, a := range list {
			if _, err := mail.Address(a); err != nil {
				return errBody(http.StatusBadRequest, map[string]string{"error": err.Error()})
			}
		}
	}
	var expires *time.Time
	if req.Expires != nil && *req.Expires != "" {
		t, ok := parseTime(*req.Expires)
		if !ok {
			return errField("expires", "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].")
		}
		expires = &t
	}
	err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		inv, err := q.GetInvitation(r.Context(), id)
		if err != nil {
			return err
		}
		u := c.User
		_, err = invitation.Send(r.Context(), h.App, q, inv, invitation.SendOptions{To: req.EmailAddresses,
			Cc: req.CcAddresses, Bcc: req.BccAddresses, BaseURL: httpx.BaseURL(r), Inviter: &u, Template: req.Template,
			Expires: expires})
		return err
	})
	var terr *mail.TemplateError
	switch {
	case errors.As(err, &terr):
		return errField("template", terr.Error())
	case errors.Is(err, invitation.ErrExpiryPast), errors.Is(err, invitation.ErrExpiryRevoked):
		return errField("expires", err.Error())
	case errors.Is(err, invitation.ErrNoAddresses), errors.Is(err, invitation.ErrNoFlow), errors.Is(err, invitation.ErrEmailNotConfigured):
		return errBody(http.StatusBadRequest, map[string]string{"error": err.Error()})
	case err != nil:
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
