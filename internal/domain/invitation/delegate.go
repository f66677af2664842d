package invitation

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
)

// Delegated invitations (issue 18): an administrator lets the members of a
// group invite people themselves, to one flow, within a quota. authentik
// has no such thing (only users with the add_invitation permission invite).

// DelegatedExpiry is how long a delegated invitation lasts.
const DelegatedExpiry = 7 * 24 * time.Hour

// ErrNotDelegated: none of the user's groups may invite to that flow.
var ErrNotDelegated = errors.New("You may not invite people to this flow; ask an administrator.")

// FieldError is bad input on one field of a delegated invitation.
type FieldError struct{ Field, Msg string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// QuotaError says which limit a new delegated invitation would pass.
type QuotaError struct{ Msg string }

func (e *QuotaError) Error() string { return e.Msg }

// Allowance is what a user may do as a delegate for one flow: the most
// generous of their groups' delegations for it.
type Allowance struct {
	Flow        store.Flow
	MaxLive     int
	MaxPerMonth int
}

// Allowances lists the flows u may invite people to, by flow name. Only
// direct group membership counts.
func Allowances(ctx context.Context, q store.Queries, userPK int64) ([]Allowance, error) {
	ds, err := q.ListInvitationDelegations(ctx)
	if err != nil || len(ds) == 0 {
		return nil, err
	}
	groups, err := q.UserGroups(ctx, userPK)
	if err != nil {
		return nil, err
	}
	member := map[string]bool{}
	for _, g := range groups {
		member[g.UUID] = true
	}
	byFlow := map[string]*Allowance{}
	var order []string
	for _, d := range ds {
		if !member[d.Group] {
			continue
		}
		a, ok := byFlow[d.Flow]
		if !ok {
			f, err := q.GetFlow(ctx, d.Flow)
			if err != nil {
				return nil, err
			}
			a = &Allowance{Flow: f}
			byFlow[d.Flow] = a
			order = append(order, d.Flow)
		}
		a.MaxLive = max(a.MaxLive, d.MaxLive)
		a.MaxPerMonth = max(a.MaxPerMonth, d.MaxPerMonth)
	}
	out := make([]Allowance, 0, len(order))
	for _, id := range order {
		out = append(out, *byFlow[id])
	}
	return out, nil
}

// DelegatedOptions describe one delegated invitation.
type DelegatedOptions struct {
	FlowUUID string
	Email    string // required: a delegated invitation is bound to it
	Send     bool   // queue the invitation email to Email
	BaseURL  string
}

// CreateDelegated creates, through q (a transaction), a single-use
// invitation bound to o.Email on a flow u may invite to, with u as
// created_by, expiring after DelegatedExpiry, after checking u's quota:
// live invitations and invitations created this calendar month (UTC).
// The quota row is locked first, so concurrent creations by u (on any
// instance) are counted one after the other. Delegated invitations carry no
// groups, attributes or redirect: those stay with administrators.
func CreateDelegated(ctx context.Context, a *app.App, q store.Queries, u *store.User, o DelegatedOptions) (store.Invitation, error) {
	email, err := mail.Address(strings.TrimSpace(o.Email))
	if strings.TrimSpace(o.Email) == "" {
		return store.Invitation{}, &FieldError{"email", "Enter the address of the person to invite."}
	}
	if err != nil {
		return store.Invitation{}, &FieldError{"email", err.Error()}
	}
	allow, err := Allowances(ctx, q, u.PK)
	if err != nil {
		return store.Invitation{}, err
	}
	var al *Allowance
	for i := range allow {
		if allow[i].Flow.UUID == strings.ToLower(o.FlowUUID) {
			al = &allow[i]
		}
	}
	if al == nil {
		return store.Invitation{}, ErrNotDelegated
	}
	if err := q.LockInvitationQuota(ctx, u.PK); err != nil {
		return store.Invitation{}, err
	}
	now := a.Clock().UTC()
	month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	live, created, err := q.CountInvitationsBy(ctx, u.PK, month, now)
	if err != nil {
		return store.Invitation{}, err
	}
	switch {
	case live >= al.MaxLive:
		return store.Invitation{}, &QuotaError{fmt.Sprintf("You already have %d open invitations, the most allowed at once. Revoke one or wait until one is used or expires.", live)}
	case created >= al.MaxPerMonth:
		return store.Invitation{}, &QuotaError{fmt.Sprintf("You have created %d invitations this month, the most allowed per month.", created)}
	}
	exp := now.Add(DelegatedExpiry).Truncate(time.Second)
	one := 1
	inv := store.Invitation{Name: delegatedName(email), Expires: &exp, Expiring: true, Flow: &al.Flow.UUID, MaxUses: &one,
		FixedData: map[string]any{"email": email}, CreatedBy: u.PK, Email: email}
	if err := q.CreateInvitation(ctx, &inv); err != nil {
		return store.Invitation{}, fmt.Errorf("invitation: create delegated: %w", err)
	}
	if err := record(ctx, a, q, u, modelCreated, inv, map[string]any{"delegated": true}); err != nil {
		return store.Invitation{}, err
	}
	if o.Send {
		if _, err := Send(ctx, a, q, inv, SendOptions{To: []string{email}, BaseURL: o.BaseURL, Inviter: u}); err != nil {
			return store.Invitation{}, err
		}
	}
	return inv, nil
}

// delegatedName is a valid invitation name from the address.
func delegatedName(email string) string { return "invite-" + Slug(email) }

// Delegate lets the members of group (name or pk) invite people to the flow
// (slug), within maxLive open invitations each and maxPerMonth created per
// calendar month; it replaces the group's previous delegation. Bad input
// is a *FieldError naming the field.
func Delegate(ctx context.Context, q store.Queries, groupRef, flowSlug string, maxLive, maxPerMonth int) (store.InvitationDelegation, error) {
	g, err := ResolveGroup(ctx, q, groupRef)
	if err != nil {
		return store.InvitationDelegation{}, &FieldError{"group", err.Error()}
	}
	f, err := q.GetFlowBySlug(ctx, flowSlug)
	if errors.Is(err, store.ErrNotFound) {
		return store.InvitationDelegation{}, &FieldError{"flow", fmt.Sprintf("no flow with slug %q", flowSlug)}
	}
	if err != nil {
		return store.InvitationDelegation{}, err
	}
	if maxLive < 1 {
		return store.InvitationDelegation{}, &FieldError{"max_live", "must be at least 1"}
	}
	if maxPerMonth < 1 {
		return store.InvitationDelegation{}, &FieldError{"max_per_month", "must be at least 1"}
	}
	d := store.InvitationDelegation{Group: g.UUID, Flow: f.UUID, MaxLive: maxLive, MaxPerMonth: maxPerMonth}
	return d, q.SetInvitationDelegation(ctx, d)
}
