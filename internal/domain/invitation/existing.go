package invitation

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// Why an existing account cannot accept an invitation.
var (
	// ErrNotForYou: the invitation is bound to another address.
	ErrNotForYou = errors.New("This invitation was sent to a different email address.")
	// ErrNotUsable: expired, used up or revoked (the status says which).
	ErrNotUsable = errors.New("This invitation can no longer be used.")
)

// ExistingAccount is the active account the invitation is addressed to:
// the one whose email matches the invitation's bound email, ignoring case.
// Nil when the invitation is not bound to an address or nobody has it; then
// the invitee enrolls as usual. (Keycloak 26.5 and Logto match the same way.)
func ExistingAccount(ctx context.Context, q store.Queries, inv store.Invitation) (*store.User, error) {
	if inv.Email == "" {
		return nil, nil
	}
	u, err := q.FindUserForLogin(ctx, []string{"email"}, inv.Email, true)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !u.IsActive || !strings.EqualFold(strings.TrimSpace(u.Email), inv.Email) {
		return nil, nil
	}
	return &u, nil
}

// AddressedTo reports whether inv may be accepted by u: an invitation bound
// to an address only by the account with that address.
func AddressedTo(inv store.Invitation, u store.User) bool {
	return inv.Email == "" || strings.EqualFold(strings.TrimSpace(u.Email), inv.Email)
}

// Accept lets an existing, signed-in account use the invitation instead of
// enrolling again: through q (one transaction, the caller's) it counts the
// use with the same conditional UPDATE as an enrollment, adds the account
// to the invitation's groups, merges the invitation's attributes
// (fixed_data "attributes" and "attributes.<key>") into the account's and
// records invitation_used. The password and every other field stay as
// they are. A use lost to a concurrent one is ErrNotUsable.
func Accept(ctx context.Context, a *app.App, q store.Queries, r *http.Request, uuid string, u *store.User, clientIP string) (store.Invitation, error) {
	inv, err := q.GetInvitation(ctx, uuid)
	if err != nil {
		return inv, err
	}
	if inv.Status(a.Clock()) != store.InvitationActive {
		return inv, ErrNotUsable
	}
	if !AddressedTo(inv, *u) {
		return inv, ErrNotForYou
	}
	pk := u.PK
	use := store.InvitationUse{Invitation: inv.UUID, UserPK: &pk, Username: u.Username, UsedAt: a.Clock(), ClientIP: clientIP}
	switch err := q.ConsumeInvitation(ctx, &use); {
	case errors.Is(err, store.ErrUsedUp), errors.Is(err, store.ErrRevoked):
		return inv, ErrNotUsable
	case err != nil:
		return inv, fmt.Errorf("invitation: accept: %w", err)
	}
	joined, err := JoinGroups(ctx, q, inv.UUID, u.PK)
	if err != nil {
		return inv, err
	}
	if attrs := fixedAttributes(inv.FixedData); len(attrs) > 0 {
		if u.Attributes == nil {
			u.Attributes = map[string]any{}
		}
		for k, v := range attrs {
			u.Attributes[k] = v
		}
		if err := q.UpdateUser(ctx, u); err != nil {
			return inv, fmt.Errorf("invitation: accept: %w", err)
		}
	}
	if a.Events == nil {
		return inv, nil
	}
	data := map[string]any{"invitation_uuid": store.Hex(inv.UUID),
		"invitation": event.Model(store.ModelInvitation, store.Hex(inv.UUID), inv.Name), "existing_user": true}
	if len(joined) > 0 {
		names := make([]string, len(joined))
		for i, g := range joined {
			names[i] = g.Name
		}
		data["groups"] = names
	}
	return inv, a.Events.Record(ctx, q, r, u, event.InvitationUsed, data)
}

// fixedAttributes collects the attributes an invitation sets: the
// "attributes" mapping and "attributes.<key>" / "attributes_<key>" keys,
// as the user write stage reads them (one level).
func fixedAttributes(fixed map[string]any) map[string]any {
	out := map[string]any{}
	if m, ok := fixed["attributes"].(map[string]any); ok {
		for k, v := range m {
			out[k] = v
		}
	}
	for k, v := range fixed {
		for _, p := range []string{"attributes.", "attributes_"} {
			if key, ok := strings.CutPrefix(k, p); ok && key != "" && !strings.Contains(key, ".") {
				out[key] = v
			}
		}
	}
	return out
}

// Redirect is where the invitee of the invitation lands after enrolling or
// accepting: its redirect when set and still a path on this site
// (httpx.LocalRedirect, the one redirect check), else "".
func Redirect(ctx context.Context, q store.Queries, uuid string) (string, error) {
	s, err := q.InvitationRedirect(ctx, uuid)
	if err != nil || s == "" {
		return "", err
	}
	if safe, ok := httpx.LocalRedirect(s); ok {
		return safe, nil
	}
	return "", nil
}
