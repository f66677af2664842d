package store

import (
	"context"
	"time"
)

// InvitationExtraQueries keep what issue 18 adds to invitations: the
// groups an invitation puts its invitee in, and its history.
type InvitationExtraQueries interface {
	// SetInvitationGroups makes the invitation's groups exactly groupUUIDs;
	// a group that does not exist is ErrReferenced.
	SetInvitationGroups(ctx context.Context, invitationUUID string, groupUUIDs []string) error
	// InvitationGroups returns the groups of several invitations in one
	// query, by invitation UUID, each list ordered by group name.
	InvitationGroups(ctx context.Context, invitationUUIDs []string) (map[string][]Group, error)
	// InvitationEvents lists, oldest first, up to limit events of the
	// given actions whose context references the invitation as events do:
	// "model" or "invitation" with this pk (ref, the shortened UUID of
	// event.InvitationRef) and name.
	InvitationEvents(ctx context.Context, ref, name string, actions []string, limit int) ([]Event, error)

	// SetInvitationRedirect sets where the invitee lands after enrolling;
	// "" removes it. InvitationRedirect returns "" when none is set.
	SetInvitationRedirect(ctx context.Context, invitationUUID, redirect string) error
	InvitationRedirect(ctx context.Context, invitationUUID string) (string, error)

	// Delegations: which groups' members may invite, to which flow, within
	// which quota. Setting one for a group replaces its previous one.
	SetInvitationDelegation(ctx context.Context, d InvitationDelegation) error
	DeleteInvitationDelegation(ctx context.Context, groupUUID string) error
	ListInvitationDelegations(ctx context.Context) ([]InvitationDelegation, error)
	// LockInvitationQuota holds the user's quota row until the transaction
	// ends, so concurrent creations by the same user count one at a time.
	// Call it in a transaction, before CountInvitationsBy.
	LockInvitationQuota(ctx context.Context, userPK int64) error
	// CountInvitationsBy counts the user's invitations: live ones (not
	// revoked, not used up, not expired at now) and those created since.
	CountInvitationsBy(ctx context.Context, userPK int64, since, now time.Time) (live, created int, err error)
}

// InvitationDelegation lets members of Group invite people to Flow.
type InvitationDelegation struct {
	Group       string // group UUID
	Flow        string // flow UUID
	MaxLive     int    // live invitations per member
	MaxPerMonth int    // invitations created per member per calendar month (UTC)
}
