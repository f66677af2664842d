package storetest

import (
	"testing"

	"github.com/usher-id/usher/internal/store"
)

func testInvitationGroups(t *testing.T, s store.Store) {
	u := mkUser(t, s, "admin")
	inv := mkInvitation(t, s, "welcome", u.PK, nil)
	other := mkInvitation(t, s, "other", u.PK, nil)
	staff := store.Group{Name: "staff"}
	admins := store.Group{Name: "admins"}
	check(t, s.CreateGroup(ctx, &staff), "group")
	check(t, s.CreateGroup(ctx, &admins), "group")

	names := func(uuid string) []string {
		t.Helper()
		m, err := s.InvitationGroups(ctx, []string{uuid})
		check(t, err, "invitation groups")
		var out []string
		for _, g := range m[uuid] {
			out = append(out, g.Name)
		}
		return out
	}
	check(t, s.SetInvitationGroups(ctx, inv.UUID, []string{staff.UUID, admins.UUID, staff.UUID}), "set")
	if got := names(inv.UUID); len(got) != 2 || got[0] != "admins" || got[1] != "staff" {
		t.Errorf("groups = %v, want [admins staff] (by name, no duplicates)", got)
	}
	if got := names(other.UUID); len(got) != 0 {
		t.Errorf("other invitation's groups = %v", got)
	}
	// Setting replaces; an unknown group is refused and changes nothing.
	check(t, s.SetInvitationGroups(ctx, other.UUID, []string{staff.UUID}), "set other")
	err := s.Tx(ctx, func(q store.Queries) error {
		return q.SetInvitationGroups(ctx, inv.UUID, []string{"00000000-0000-4000-8000-000000000000"})
	})
	wantErr(t, err, store.ErrReferenced, "unknown group")
	if got := names(inv.UUID); len(got) != 2 {
		t.Errorf("after refused set = %v", got)
	}
	// Both invitations in one query.
	both, err := s.InvitationGroups(ctx, []string{inv.UUID, other.UUID})
	check(t, err, "batch")
	if len(both[inv.UUID]) != 2 || len(both[other.UUID]) != 1 {
		t.Errorf("batch = %v", both)
	}
	// Deleting a group or the invitation drops the links.
	check(t, s.DeleteGroup(ctx, admins.UUID), "delete group")
	if got := names(inv.UUID); len(got) != 1 || got[0] != "staff" {
		t.Errorf("after group delete = %v", got)
	}
	check(t, s.DeleteInvitation(ctx, inv.UUID), "delete invitation")
	if got := names(inv.UUID); len(got) != 0 {
		t.Errorf("after invitation delete = %v", got)
	}
	check(t, s.SetInvitationGroups(ctx, other.UUID, nil), "clear")
	if got := names(other.UUID); len(got) != 0 {
		t.Errorf("after clear = %v", got)
	}
}
