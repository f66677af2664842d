// Package group is the one writer of groups and their memberships. The API
// and blueprints (through internal/resource), the admin console, the CLI
// and the user write stage call it. Validation (names, parents, cycles) is
// the API serializer's, in internal/resource.
package group

import (
	"context"
	"errors"

	"github.com/usher-id/usher/internal/store"
)

// Create writes the new group g (filling its UUID unless set).
func Create(ctx context.Context, q store.Queries, g *store.Group) error {
	if g.Attributes == nil {
		g.Attributes = map[string]any{}
	}
	return q.CreateGroup(ctx, g)
}

// Update writes g.
func Update(ctx context.Context, q store.Queries, g *store.Group) error {
	return q.UpdateGroup(ctx, g)
}

// Delete removes the group; its memberships go with it.
func Delete(ctx context.Context, q store.Queries, uuid string) error {
	return q.DeleteGroup(ctx, uuid)
}

// Ensure returns the group named name, creating it with superuser set as
// given when it does not exist yet.
func Ensure(ctx context.Context, q store.Queries, name string, superuser bool) (store.Group, error) {
	g, err := q.GetGroupByName(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		g = store.Group{Name: name, IsSuperuser: superuser, Attributes: map[string]any{}}
		err = Create(ctx, q, &g)
	}
	return g, err
}

// AddMember makes user pk a member of group; a member already is one.
func AddMember(ctx context.Context, q store.Queries, group string, pk int64) error {
	if err := q.AddGroupMember(ctx, group, pk); err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	return nil
}

// RemoveMember ends user pk's membership of group; a non-member stays one.
func RemoveMember(ctx context.Context, q store.Queries, group string, pk int64) error {
	if err := q.RemoveGroupMember(ctx, group, pk); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// SetMembers makes the group's direct members exactly users.
func SetMembers(ctx context.Context, q store.Queries, group string, users []int64) error {
	current, _, err := q.ListUsers(ctx, store.UserFilter{GroupUUID: group})
	if err != nil {
		return err
	}
	want := make(map[int64]bool, len(users))
	for _, pk := range users {
		want[pk] = true
	}
	for _, u := range current {
		if want[u.PK] {
			delete(want, u.PK) // already a member
		} else {
			if err := RemoveMember(ctx, q, group, u.PK); err != nil {
				return err
			}
		}
	}
	for _, pk := range users {
		if want[pk] {
			if err := AddMember(ctx, q, group, pk); err != nil {
				return err
			}
			delete(want, pk)
		}
	}
	return nil
}

// SetUserGroups makes the user's direct groups exactly groups.
func SetUserGroups(ctx context.Context, q store.Queries, pk int64, groups []string) error {
	current, err := q.UserGroups(ctx, pk)
	if err != nil {
		return err
	}
	want := make(map[string]bool, len(groups))
	for _, g := range groups {
		want[g] = true
	}
	for _, g := range current {
		if want[g.UUID] {
			delete(want, g.UUID) // already a member
		} else {
			if err := RemoveMember(ctx, q, g.UUID, pk); err != nil {
				return err
			}
		}
	}
	for _, g := range groups {
		if want[g] {
			if err := AddMember(ctx, q, g, pk); err != nil {
				return err
			}
			delete(want, g)
		}
	}
	return nil
}
