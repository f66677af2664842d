package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
)

// invitationSendForm is Send by email: To (prefilled with the address the
// invitation is bound to), Cc and Bcc.
func (h *Handler) invitationSendForm(inv store.Invitation) *formDef {
	f := &formDef{
		Title: "Send invitation " + inv.Name + " by email", Submit: "Send",
		Action: "/if/admin/invitations/" + url.PathEscape(inv.UUID) + "/send/", Cancel: "/if/admin/invitations/",
		Fields: []*field{
			{Name: "to", Label: "To", Kind: "textarea", Required: true,
				Help: "One or more email addresses, separated by commas or new lines. Each address gets its own email with the invitation link."},
			{Name: "cc", Label: "Cc", Kind: "textarea", Help: "Optional. Copied on every email."},
			{Name: "bcc", Label: "Bcc", Kind: "textarea", Help: "Optional. Blind-copied on every email."},
			{Name: "expires", Label: "New expiry", Kind: "datetime",
				Help: "Optional. Moves the invitation's expiry (UTC) before sending, also for an expired invitation: resend with a new expiry in one step."},
		},
	}
	f.Intro = sendBlocker(inv, h.App.Clock())
	if h.App.EmailNotConfigured {
		f.Intro = invitation.EmailNotConfiguredMessage
	}
	return f
}

// sendBlocker says why sending the invitation would be useless, or "".
func sendBlocker(inv store.Invitation, now time.Time) string {
	switch inv.Status(now) {
	case store.InvitationRevoked:
		return "This invitation is revoked: its link no longer works, so it cannot be sent."
	case store.InvitationExpired:
		return "This invitation has expired. Give it a new expiry below to send it again."
	case store.InvitationUsedUp:
		return "Every allowed use of this invitation has been taken. Raise Max uses or create a new invitation before sending it."
	}
	if inv.Flow == nil {
		return noFlowToSend
	}
	return ""
}

const noFlowToSend = "This invitation has no flow, so there is no single link to send. Edit it and choose a flow first."

// addresses splits a list typed by a person (commas, semicolons, spaces or
// new lines) and checks each address; the error names the bad one.
func addresses(text string) ([]string, error) {
	parts := strings.FieldsFunc(text, func(r rune) bool {
		return r == ',' || r == ';' || r == '\n' || r == '\r' || r == ' ' || r == '\t'
	})
	var out []string
	var errs []string
	for _, p := range parts {
		a, err := mail.Address(p)
		if err != nil {
			errs = append(errs, "“"+p+"” is not a valid email address.")
			continue
		}
		out = append(out, a)
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, " "))
	}
	return out, nil
}

func (h *Handler) invitationSendShow(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.Invitation], inv store.Invitation) error {
	f := h.invitationSendForm(inv)
	f.fill(url.Values{"to": {inv.Email}})
	return h.renderForm(w, r, u, e.Nav, http.StatusOK, f)
}

// invitationSend enqueues one email per address in the outbox (delivered by
// the mail worker), links the messages to the invitation so its row shows
// their status, and records invitation_sent, all in one transaction.
func (h *Handler) invitationSend(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.Invitation], inv store.Invitation) error {
	f := h.invitationSendForm(inv)
	if err := r.ParseForm(); err != nil {
		return errBadForm
	}
	f.fill(r.PostForm)
	lists := map[string][]string{}
	for _, name := range []string{"to", "cc", "bcc"} {
		list, err := addresses(r.PostForm.Get(name))
		if err != nil {
			f.addError(name, err.Error())
		}
		lists[name] = list
	}
	if len(lists["to"]) == 0 && !f.hasErrors() {
		f.addError("to", "Enter at least one email address.")
	}
	exp := map[string]any{}
	f.timeValue(r.PostForm, "expires", exp)
	var newExpiry *time.Time
	if s, ok := exp["expires"].(string); ok {
		t, _ := time.Parse(time.RFC3339, s)
		newExpiry = &t
		if inv.Status(h.App.Clock()) == store.InvitationExpired && !h.App.EmailNotConfigured {
			f.Intro = "" // the new expiry revives it
		}
	}
	// A blocked send shows the reason as the form's intro.
	if f.hasErrors() || f.Intro != "" {
		return &invalidForm{e.Nav, f}
	}
	err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		_, err := invitation.Send(r.Context(), h.App, q, inv, invitation.SendOptions{To: lists["to"], Cc: lists["cc"],
			Bcc: lists["bcc"], BaseURL: httpx.BaseURL(r), Inviter: u, Expires: newExpiry})
		return err
	})
	switch {
	case errors.Is(err, invitation.ErrExpiryPast), errors.Is(err, invitation.ErrExpiryRevoked):
		f.addError("expires", err.Error())
		return &invalidForm{e.Nav, f}
	case errors.Is(err, invitation.ErrNoFlow):
		f.NonField = append(f.NonField, noFlowToSend)
		return &invalidForm{e.Nav, f}
	case errors.Is(err, invitation.ErrEmailNotConfigured):
		f.NonField = append(f.NonField, err.Error())
		return &invalidForm{e.Nav, f}
	case err != nil:
		return err
	}
	to := strings.Join(lists["to"], ", ")
	return h.redirect(w, r, invitationRowURL(inv), flash{"ok", "Invitation " + inv.Name + " queued for delivery to " + to + ". Its row shows the delivery status."})
}

// invitationRowURL lists inv with its row expanded.
func invitationRowURL(inv store.Invitation) string {
	return "/if/admin/invitations/?" + url.Values{"search": {inv.Name}, "open": {inv.UUID}}.Encode() + "#inv-" + inv.UUID
}
