package invitation

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/brand"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
)

// Errors of Send, worded as authentik's send_email answers them.
var (
	ErrNoAddresses = errors.New("No email addresses provided")
	ErrNoFlow      = errors.New("Invitation has no associated flow")
	// ErrEmailNotConfigured: usher only (authentik always has an SMTP
	// setting), see app.App.EmailNotConfigured.
	ErrEmailNotConfigured = errors.New(EmailNotConfiguredMessage)
)

// EmailNotConfiguredMessage says why invitations cannot be sent by email
// and what to set.
const EmailNotConfiguredMessage = "Email is not configured: set USHER_EMAIL__HOST (and USHER_EMAIL__PORT, USHER_EMAIL__FROM, " +
	"and USHER_EMAIL__USERNAME/PASSWORD if the server needs them) and restart usher to send invitations by email. " +
	"Until then, copy the invitation's link and share it yourself."

// Link is the URL that opens inv's flow: <base>/if/flow/<slug>/?itoken=<pk>.
func Link(base string, inv store.Invitation, flow store.Flow) string {
	return strings.TrimRight(base, "/") + "/if/flow/" + flow.Slug + "/?itoken=" + inv.UUID
}

// SendOptions say whom to send an invitation to.
type SendOptions struct {
	To, Cc, Bcc []string
	// BaseURL is the scheme and host of the link (https://id.example.com).
	BaseURL string
	// Inviter is named in the email; nil leaves it out.
	Inviter  *store.User
	Template string // default "invitation"
	// Expires, when set, moves the invitation's expiry first (SetExpiry),
	// so the email names the new one: "resend with a new expiry".
	Expires *time.Time
}

// ExpiryFormat is how emails and the CLI print an expiry.
const ExpiryFormat = "2006-01-02 15:04 UTC"

// Send enqueues one invitation email per To address (Cc and Bcc copied
// onto each, as authentik does) through q, and records invitation_sent.
// Delivery happens in the outbox worker; it returns the outbox IDs.
func Send(ctx context.Context, a *app.App, q store.Queries, inv store.Invitation, o SendOptions) ([]int64, error) {
	if a.EmailNotConfigured {
		return nil, ErrEmailNotConfigured
	}
	if len(o.To) == 0 {
		return nil, ErrNoAddresses
	}
	if inv.Flow == nil {
		return nil, ErrNoFlow
	}
	if o.Expires != nil {
		var err error
		if inv, err = SetExpiry(ctx, a, q, o.Inviter, inv, *o.Expires); err != nil {
			return nil, err
		}
	}
	tmpl, err := mail.ResolveTemplate(a.TemplatesDir, o.Template)
	if err != nil {
		return nil, err
	}
	flow, err := q.GetFlow(ctx, *inv.Flow)
	if err != nil {
		return nil, fmt.Errorf("invitation: load flow: %w", err)
	}
	host := o.BaseURL
	if u, err := url.Parse(o.BaseURL); err == nil && u.Host != "" {
		host = u.Host
	}
	c := map[string]any{"url": Link(o.BaseURL, inv, flow), "host": host, "name": inv.Name,
		"brand": brandTitle(ctx, q, host), "expires": ""}
	if inv.Expires != nil {
		c["expires"] = inv.Expires.UTC().Format(ExpiryFormat)
	}
	if o.Inviter != nil {
		c["inviter"] = o.Inviter.Name
		if o.Inviter.Name == "" {
			c["inviter"] = o.Inviter.Username
		}
	}
	ids := make([]int64, 0, len(o.To))
	for _, to := range o.To {
		id, err := mail.Enqueue(ctx, q, mail.Message{To: []string{to}, Cc: o.Cc, Bcc: o.Bcc,
			Template: tmpl, Subject: mail.InvitationSubject(host), Context: c})
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	// The console shows each invitation's emails and their delivery state.
	if err := q.LinkInvitationOutbox(ctx, inv.UUID, ids); err != nil {
		return nil, err
	}
	err = record(ctx, a, q, o.Inviter, ActionSent, inv, map[string]any{"to": o.To, "cc": o.Cc, "bcc": o.Bcc, "outbox_ids": ids})
	return ids, err
}

// brandTitle is the title of the brand serving host.
func brandTitle(ctx context.Context, q store.Queries, host string) string {
	b, err := brand.ForHost(ctx, q, host)
	if err != nil {
		return brand.Title(brand.Builtin)
	}
	return brand.Title(b)
}
