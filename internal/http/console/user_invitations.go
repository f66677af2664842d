package console

import (
	"errors"
	"net/http"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// userInvitationsPage is /if/user/invitations/: a delegate's own
// invitations and the form to invite someone (issue 18).
type userInvitationsPage struct {
	Allowances []invitation.Allowance
	Mine       []userInvitationRow
	Form       *formDef
}

type userInvitationRow struct {
	Inv    store.Invitation
	Status string
	Link   string
}

// delegatedForm offers Send by email only when an SMTP server is
// configured (noEmail is false).
func delegatedForm(allow []invitation.Allowance, noEmail bool) *formDef {
	var opts []option
	for _, a := range allow {
		opts = append(opts, option{Value: a.Flow.UUID, Label: a.Flow.Name})
	}
	f := &formDef{Action: "/if/user/invitations/", Submit: "Invite", Fields: []*field{
		{Name: "email", Label: "Email address", Kind: "email", Required: true, Autocomplete: "off",
			Help: "The invitation works once, for this address only, for 7 days."},
		{Name: "flow", Label: "Invite to", Kind: "select", Options: opts},
	}}
	if noEmail {
		f.Fields[0].Help += " This server does not send email: copy the link from the list below and share it yourself."
	} else {
		f.Fields = append(f.Fields, &field{Name: "send", Label: "Send the invitation by email", Kind: "checkbox"})
	}
	return f
}

func (h *Handler) userInvitations(w http.ResponseWriter, r *http.Request, u *store.User) error {
	allow, err := invitation.Allowances(r.Context(), h.App.Store, u.PK)
	if err != nil {
		return err
	}
	f := delegatedForm(allow, h.App.EmailNotConfigured)
	f.fill(map[string][]string{"send": {"on"}})
	return h.renderUserInvitations(w, r, u, http.StatusOK, allow, f)
}

func (h *Handler) renderUserInvitations(w http.ResponseWriter, r *http.Request, u *store.User, status int, allow []invitation.Allowance, f *formDef) error {
	if ok, err := h.internalOnly(w, r, u); !ok {
		return err
	}
	if len(allow) == 0 {
		return errPage(http.StatusForbidden, "Permission denied",
			"You may not invite people. An administrator can allow your group to (usher invitation delegate).")
	}
	mine, _, err := h.App.Store.ListInvitations(r.Context(), store.InvitationFilter{CreatedByUsername: u.Username,
		Ordering: "-created", Limit: 100})
	if err != nil {
		return err
	}
	flows := map[string]store.Flow{}
	for _, a := range allow {
		flows[a.Flow.UUID] = a.Flow
	}
	base, now := httpx.BaseURL(r), h.App.Clock()
	rows := make([]userInvitationRow, 0, len(mine))
	for _, inv := range mine {
		row := userInvitationRow{Inv: inv, Status: inv.Status(now)}
		if inv.Flow != nil {
			if fl, ok := flows[*inv.Flow]; ok && row.Status == store.InvitationActive {
				row.Link = invitationURL(base, fl.Slug, inv.UUID)
			}
		}
		rows = append(rows, row)
	}
	v := h.view(r, u, "My invitations", "")
	v.P = userInvitationsPage{Allowances: allow, Mine: rows, Form: f}
	return h.render(w, r, status, "user_invitations", v)
}

// userInvitationCreate creates a delegated invitation through the domain
// service, which checks the delegation and the quota.
func (h *Handler) userInvitationCreate(w http.ResponseWriter, r *http.Request, u *store.User) error {
	ctx := r.Context()
	allow, err := invitation.Allowances(ctx, h.App.Store, u.PK)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return errBadForm
	}
	f := delegatedForm(allow, h.App.EmailNotConfigured)
	f.fill(r.PostForm)
	var inv store.Invitation
	err = h.App.Store.Tx(ctx, func(q store.Queries) error {
		var err error
		inv, err = invitation.CreateDelegated(ctx, h.App, q, u, invitation.DelegatedOptions{FlowUUID: r.PostForm.Get("flow"),
			Email: r.PostForm.Get("email"), Send: checked(r.PostForm, "send") && !h.App.EmailNotConfigured, BaseURL: httpx.BaseURL(r)})
		return err
	})
	var fe *invitation.FieldError
	var qe *invitation.QuotaError
	switch {
	case errors.As(err, &fe):
		f.addError(fe.Field, fe.Msg)
	case errors.As(err, &qe):
		f.NonField = append(f.NonField, qe.Msg)
	case errors.Is(err, invitation.ErrNotDelegated):
		f.addError("flow", err.Error())
	case err != nil:
		return err
	default:
		msg := "Invitation for " + inv.Email + " created."
		if checked(r.PostForm, "send") && !h.App.EmailNotConfigured {
			msg += " The email is on its way."
		}
		return h.redirect(w, r, "/if/user/invitations/", flash{"ok", msg})
	}
	return h.renderUserInvitations(w, r, u, http.StatusUnprocessableEntity, allow, f)
}
