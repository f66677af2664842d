package storetest

import (
	"testing"
	"time"

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

func testInvitationDelegation(t *testing.T, s store.Store) {
	u := mkUser(t, s, "bob")
	f := mkFlow(t, s, "enroll")
	g := mkGroup(t, s, "inviters", nil)
	inv := mkInvitation(t, s, "a", u.PK, ptr(1))

	// Redirects: set, replace, remove; none reads as "".
	check(t, s.SetInvitationRedirect(ctx, inv.UUID, "/if/user/"), "set redirect")
	check(t, s.SetInvitationRedirect(ctx, inv.UUID, "/application/launch/wiki/"), "replace redirect")
	if r, err := s.InvitationRedirect(ctx, inv.UUID); err != nil || r != "/application/launch/wiki/" {
		t.Errorf("redirect = %q, %v", r, err)
	}
	check(t, s.SetInvitationRedirect(ctx, inv.UUID, ""), "remove redirect")
	if r, err := s.InvitationRedirect(ctx, inv.UUID); err != nil || r != "" {
		t.Errorf("removed redirect = %q, %v", r, err)
	}

	// Delegations: upsert per group, delete, unknown flow refused.
	check(t, s.SetInvitationDelegation(ctx, store.InvitationDelegation{Group: g.UUID, Flow: f.UUID, MaxLive: 2, MaxPerMonth: 5}), "delegate")
	check(t, s.SetInvitationDelegation(ctx, store.InvitationDelegation{Group: g.UUID, Flow: f.UUID, MaxLive: 3, MaxPerMonth: 6}), "re-delegate")
	ds, err := s.ListInvitationDelegations(ctx)
	check(t, err, "list delegations")
	if len(ds) != 1 || ds[0].MaxLive != 3 || ds[0].MaxPerMonth != 6 || ds[0].Flow != f.UUID {
		t.Errorf("delegations = %+v", ds)
	}
	wantErr(t, s.SetInvitationDelegation(ctx, store.InvitationDelegation{Group: g.UUID, Flow: "00000000-0000-4000-8000-000000000000",
		MaxLive: 1, MaxPerMonth: 1}), store.ErrReferenced, "unknown flow")
	check(t, s.DeleteInvitationDelegation(ctx, g.UUID), "undelegate")
	wantErr(t, s.DeleteInvitationDelegation(ctx, g.UUID), store.ErrNotFound, "undelegate twice")

	// Counts: live excludes used up, revoked and expired ones; created
	// counts from since.
	check(t, s.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: inv.UUID}), "use a")
	mkInvitation(t, s, "b", u.PK, nil)
	rev := mkInvitation(t, s, "c", u.PK, nil)
	now := ts(0)
	rev.RevokedAt = &now
	check(t, s.UpdateInvitation(ctx, &rev), "revoke c")
	past := ts(-time.Hour)
	old := store.Invitation{Name: "d", Expires: &past, Expiring: true, CreatedBy: u.PK, Created: ts(-48 * time.Hour)}
	check(t, s.CreateInvitation(ctx, &old), "expired d")
	check(t, s.Tx(ctx, func(q store.Queries) error { return q.LockInvitationQuota(ctx, u.PK) }), "lock")
	check(t, s.Tx(ctx, func(q store.Queries) error { return q.LockInvitationQuota(ctx, u.PK) }), "lock again")
	live, created, err := s.CountInvitationsBy(ctx, u.PK, ts(-24*time.Hour), now)
	check(t, err, "count")
	if live != 1 || created != 3 {
		t.Errorf("live %d created %d, want 1 (b) and 3 (a, b, c)", live, created)
	}
}
