package invitation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/usher-id/usher/internal/domain/group"
	"github.com/usher-id/usher/internal/store"
)

// ResolveGroup finds the group an operator names by pk (its UUID) or by
// name, for the CLI's --group and the CSV groups column; the API and
// blueprints take pks only, as authentik's serializers do.
func ResolveGroup(ctx context.Context, q store.Queries, ref string) (store.Group, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return store.Group{}, errors.New("a group name or pk is empty")
	}
	g, err := q.GetGroupByName(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		g, err = q.GetGroup(ctx, ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return store.Group{}, fmt.Errorf("no group named %q (or with that pk)", ref)
	}
	return g, err
}

// JoinGroups makes the account userPK a member of the invitation's groups.
// The flow calls it through q right after the use is counted, in the
// transaction that creates (or updates) the account: the memberships commit
// with the account and the use, or not at all. authentik has no such field;
// its docs add groups with a user write stage or an expression policy.
func JoinGroups(ctx context.Context, q store.Queries, invitationUUID string, userPK int64) ([]store.Group, error) {
	byInv, err := q.InvitationGroups(ctx, []string{invitationUUID})
	if err != nil {
		return nil, err
	}
	groups := byInv[strings.ToLower(invitationUUID)]
	for _, g := range groups {
		if err := group.AddMember(ctx, q, g.UUID, userPK); err != nil {
			return nil, fmt.Errorf("invitation: join group %s: %w", g.Name, err)
		}
	}
	return groups, nil
}
