package invitation

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
)

// ActionExpiryChanged records a moved expiry (resend with a new expiry).
const ActionExpiryChanged = "invitation_expiry_changed"

// Errors of SetExpiry; front ends report them on the "expires" field.
var (
	ErrExpiryPast    = errors.New("The new expiry must be in the future.")
	ErrExpiryRevoked = errors.New("A revoked invitation cannot be given a new expiry.")
)

// SetExpiry moves a live invitation's expiry to exp (later or sooner; an
// expired one comes back to life) through q and records
// invitation_expiry_changed with the old and new expiry.
func SetExpiry(ctx context.Context, a *app.App, q store.Queries, by *store.User, inv store.Invitation, exp time.Time) (store.Invitation, error) {
	exp = exp.UTC()
	if msg := fieldrule.Time(exp); msg != "" {
		return inv, errors.New(msg)
	}
	if !exp.After(a.Clock()) {
		return inv, ErrExpiryPast
	}
	if inv.RevokedAt != nil {
		return inv, ErrExpiryRevoked
	}
	before := ""
	if inv.Expires != nil {
		before = fieldrule.FormatTime(*inv.Expires)
	}
	inv.Expires, inv.Expiring = &exp, true
	if err := q.UpdateInvitation(ctx, &inv); err != nil {
		return inv, fmt.Errorf("invitation: set expiry: %w", err)
	}
	return inv, record(ctx, a, q, by, ActionExpiryChanged, inv, map[string]any{
		"expires_before": before, "expires": fieldrule.FormatTime(exp)})
}

// HistoryEntry is one line of an invitation's history.
type HistoryEntry struct {
	At     time.Time
	What   string // Created, Edited, Email queued, Email delivered, Email failed, Expiry moved, Used, Failed attempt, Revoked
	By     string // username, "" when anonymous or unknown
	Detail string
}

// historyActions are the events that make up an invitation's history.
var historyActions = []string{event.ModelCreated, event.ModelUpdated, ActionSent, ActionExpiryChanged,
	ActionRevoked, event.InvitationUsed, "invitation_failed"}

// History is what happened to inv, oldest first, from the events usher
// writes anyway plus the delivery state of its emails (the outbox): created,
// edited, emails queued / delivered / failed, expiry moved, uses (with the
// account), failed attempts (with the cause), revocation. Opening a link
// stores nothing (link scanners must cost nothing), so "opened" shows only
// as a failed attempt or a use. Events name an invitation by the first 8
// hex digits of its UUID and its name, so two invitations sharing both would
// share a history. limit caps the events read (0: no cap).
func History(ctx context.Context, q store.Queries, inv store.Invitation, limit int) ([]HistoryEntry, error) {
	evs, err := q.InvitationEvents(ctx, event.InvitationRef(inv.UUID).(string), inv.Name, historyActions, limit)
	if err != nil {
		return nil, err
	}
	out := make([]HistoryEntry, 0, len(evs))
	for _, e := range evs {
		h := HistoryEntry{At: e.Created}
		if u, _ := e.User["username"].(string); u != "" && u != "AnonymousUser" {
			h.By = u
		}
		switch e.Action {
		case event.ModelCreated:
			h.What = "Created"
		case event.ModelUpdated:
			h.What = "Edited"
		case ActionSent:
			h.What, h.Detail = "Email queued", joinAny(e.Context["to"])
		case ActionExpiryChanged:
			h.What = "Expiry moved"
			h.Detail = fmt.Sprintf("%v → %v", orNever(e.Context["expires_before"]), e.Context["expires"])
		case ActionRevoked:
			h.What = "Revoked"
		case event.InvitationUsed:
			h.What = "Used"
			var parts []string
			if e.Context["existing_user"] == true {
				parts = append(parts, "by an existing account")
			}
			if gs := joinAny(e.Context["groups"]); gs != "" {
				parts = append(parts, "joined "+gs)
			}
			h.Detail = strings.Join(parts, "; ")
		default:
			h.What = "Failed attempt"
			h.Detail, _ = e.Context["message"].(string)
		}
		out = append(out, h)
	}
	msgs, err := q.InvitationOutbox(ctx, []string{inv.UUID})
	if err != nil {
		return nil, err
	}
	for _, m := range msgs[inv.UUID] {
		to := ""
		if msg, err := mail.Decode(m.Payload); err == nil {
			to = strings.Join(msg.To, ", ")
		}
		switch {
		case m.SentAt != nil:
			out = append(out, HistoryEntry{At: *m.SentAt, What: "Email delivered", Detail: to})
		case m.Failed:
			out = append(out, HistoryEntry{At: m.NextAttempt, What: "Email failed", Detail: to + ": " + m.LastError})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

func joinAny(v any) string {
	list, _ := v.([]any)
	parts := make([]string, 0, len(list))
	for _, x := range list {
		parts = append(parts, fmt.Sprint(x))
	}
	return strings.Join(parts, ", ")
}

func orNever(v any) any {
	if s, _ := v.(string); s == "" {
		return "never"
	}
	return v
}
