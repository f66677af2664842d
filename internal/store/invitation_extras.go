package store

import "context"

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
}
