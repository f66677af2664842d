package store

import "context"

// InvitationGroupQueries keep the groups an invitation puts its invitee in.
type InvitationGroupQueries interface {
	// SetInvitationGroups makes the invitation's groups exactly groupUUIDs;
	// a group that does not exist is ErrReferenced.
	SetInvitationGroups(ctx context.Context, invitationUUID string, groupUUIDs []string) error
	// InvitationGroups returns the groups of several invitations in one
	// query, by invitation UUID, each list ordered by group name.
	InvitationGroups(ctx context.Context, invitationUUIDs []string) (map[string][]Group, error)
}
