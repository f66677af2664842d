package storetest

import (
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

func testInvitations(t *testing.T, s store.Store) {
	u := mkUser(t, s, "admin")
	f := mkFlow(t, s, "enroll")
	exp := ts(48 * time.Hour)
	inv := store.Invitation{Name: "welcome", Expires: &exp, Expiring: true, Flow: &f.UUID, MaxUses: ptr(1),
		FixedData: map[string]any{"email": "x@example.com", "n": 2.0}, CreatedBy: u.PK, Email: "x@example.com", Uses: 7}
	check(t, s.CreateInvitation(ctx, &inv), "create")
	if len(inv.UUID) != 36 || inv.Created.IsZero() || inv.Uses != 0 {
		t.Errorf("create did not fill: %+v", inv)
	}
	got, err := s.GetInvitation(ctx, inv.UUID)
	check(t, err, "get")
	want := inv
	if !reflect.DeepEqual(got, want) {
		t.Errorf("get =\n %+v\nwant\n %+v", got, want)
	}
	// A caller-chosen UUID (blueprint pk identifier) is kept, lower-cased.
	fixed := store.Invitation{UUID: "0F0F0F0F-1111-4222-8333-444444444444", Name: "fixed", CreatedBy: u.PK}
	check(t, s.CreateInvitation(ctx, &fixed), "create with uuid")
	if g, err := s.GetInvitation(ctx, "0f0f0f0f-1111-4222-8333-444444444444"); err != nil || g.Name != "fixed" || g.Expiring {
		t.Errorf("fixed uuid = %+v, %v", g, err)
	}
	if g, err := s.GetInvitation(ctx, "0F0F0F0F-1111-4222-8333-444444444444"); err != nil || g.UUID != "0f0f0f0f-1111-4222-8333-444444444444" {
		t.Errorf("upper-case lookup = %+v, %v", g, err)
	}
	wantErr(t, s.CreateInvitation(ctx, &fixed), store.ErrConflict, "duplicate uuid")
	wantErr(t, s.CreateInvitation(ctx, &store.Invitation{Name: "x", CreatedBy: 999999}), store.ErrReferenced, "missing creator")
	wantErr(t, s.CreateInvitation(ctx, &store.Invitation{Name: "x", CreatedBy: u.PK, Flow: ptr("00000000-0000-4000-8000-000000000000")}),
		store.ErrReferenced, "missing flow")
	// Names are not unique.
	mkInvitation(t, s, "welcome", u.PK, nil)

	// Expired invitations are still returned.
	past := ts(-time.Hour)
	old := store.Invitation{Name: "old", Expires: &past, Expiring: true, CreatedBy: u.PK}
	check(t, s.CreateInvitation(ctx, &old), "create expired")
	if g, err := s.GetInvitation(ctx, old.UUID); err != nil || g.Status(ts(0)) != store.InvitationExpired {
		t.Errorf("expired invitation = %+v, %v", g, err)
	}

	// Update changes editable fields but never the use count.
	check(t, s.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: inv.UUID, Username: "a"}), "consume")
	revoked := ts(time.Minute)
	got.Name, got.Flow, got.MaxUses, got.FixedData, got.RevokedAt, got.Expires, got.Uses = "renamed", nil, nil, map[string]any{}, &revoked, nil, 0
	check(t, s.UpdateInvitation(ctx, &got), "update")
	again, _ := s.GetInvitation(ctx, inv.UUID)
	if again.Name != "renamed" || again.Flow != nil || again.MaxUses != nil || len(again.FixedData) != 0 || again.Expires != nil || again.Uses != 1 {
		t.Errorf("after update = %+v", again)
	}
	samePtrTime(t, again.RevokedAt, &revoked, "revoked_at")
	wantErr(t, s.UpdateInvitation(ctx, &store.Invitation{UUID: "00000000-0000-4000-8000-000000000000", Name: "x", CreatedBy: u.PK}),
		store.ErrNotFound, "update missing")

	// Retention: only expiring invitations that expired before the cutoff.
	notExpiring := store.Invitation{Name: "forever", Expires: &past, Expiring: false, CreatedBy: u.PK}
	check(t, s.CreateInvitation(ctx, &notExpiring), "create not expiring")
	n, err := s.DeleteExpiredInvitations(ctx, ts(0))
	check(t, err, "delete expired")
	if n != 1 {
		t.Errorf("deleted %d expired invitations, want 1", n)
	}
	_, err = s.GetInvitation(ctx, old.UUID)
	wantErr(t, err, store.ErrNotFound, "expired invitation after retention")
	check(t, s.DeleteInvitation(ctx, inv.UUID), "delete")
	wantErr(t, s.DeleteInvitation(ctx, inv.UUID), store.ErrNotFound, "delete twice")
	if uses, err := s.ListInvitationUses(ctx, inv.UUID); err != nil || len(uses) != 0 {
		t.Errorf("uses of deleted invitation = %v, %v", uses, err)
	}
}

func testInvitationListing(t *testing.T, s store.Store) {
	alice, zed := mkUser(t, s, "alice"), mkUser(t, s, "zed")
	fa, fb := mkFlow(t, s, "a-flow"), mkFlow(t, s, "b-flow")
	mk := func(name string, by int64, exp *time.Time, flow *string, uses int) {
		i := store.Invitation{Name: name, CreatedBy: by, Expires: exp, Expiring: true, Flow: flow}
		check(t, s.CreateInvitation(ctx, &i), "create %s", name)
		for n := 0; n < uses; n++ {
			check(t, s.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: i.UUID}), "consume")
		}
	}
	mk("inv-1", alice.PK, ptr(ts(1*time.Hour)), &fa.UUID, 2)
	mk("inv-2", zed.PK, ptr(ts(3*time.Hour)), &fb.UUID, 0)
	mk("inv-3", alice.PK, nil, nil, 1)
	mk("other_4", zed.PK, ptr(ts(2*time.Hour)), &fa.UUID, 3)
	name := func(i store.Invitation) string { return i.Name }
	for _, tc := range []struct {
		name  string
		f     store.InvitationFilter
		want  []string
		total int
		ties  bool // equal sort keys: compare as sets
	}{
		{"default -expires nulls last", store.InvitationFilter{}, []string{"inv-2", "other_4", "inv-1", "inv-3"}, 4, false},
		{"expires ascending nulls last", store.InvitationFilter{Ordering: "expires"}, []string{"inv-1", "other_4", "inv-2", "inv-3"}, 4, false},
		{"name", store.InvitationFilter{Ordering: "name"}, []string{"inv-1", "inv-2", "inv-3", "other_4"}, 4, false},
		{"creator username", store.InvitationFilter{Ordering: "-created_by__username", Limit: 2}, []string{"inv-2", "other_4"}, 4, true},
		{"flow slug", store.InvitationFilter{Ordering: "-flow__slug", Offset: 1}, []string{"inv-1", "inv-3", "other_4"}, 4, true},
		{"flow slug nulls last", store.InvitationFilter{Ordering: "flow", Offset: 2}, []string{"inv-2", "inv-3"}, 4, false},
		{"uses", store.InvitationFilter{Ordering: "-uses"}, []string{"other_4", "inv-1", "inv-3", "inv-2"}, 4, false},
		{"bad ordering", store.InvitationFilter{Ordering: "1;--"}, []string{"inv-2", "other_4", "inv-1", "inv-3"}, 4, false},
		{"page", store.InvitationFilter{Limit: 2, Offset: 2}, []string{"inv-1", "inv-3"}, 4, false},
		{"name filter", store.InvitationFilter{Name: "inv-3"}, []string{"inv-3"}, 1, false},
		{"creator filter", store.InvitationFilter{CreatedByUsername: "zed"}, []string{"inv-2", "other_4"}, 2, false},
		{"flow filter", store.InvitationFilter{FlowSlug: "a-flow"}, []string{"other_4", "inv-1"}, 2, false},
		{"expires filter", store.InvitationFilter{Expires: ptr(ts(3 * time.Hour))}, []string{"inv-2"}, 1, false},
		{"search name", store.InvitationFilter{Search: "OTHER"}, []string{"other_4"}, 1, false},
		{"search creator", store.InvitationFilter{Search: "ZE"}, []string{"inv-2", "other_4"}, 2, false},
		{"search flow", store.InvitationFilter{Search: "b-fl"}, []string{"inv-2"}, 1, false},
		{"search wildcard literal", store.InvitationFilter{Search: "_"}, []string{"other_4"}, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := s.ListInvitations(ctx, tc.f)
			check(t, err, "list")
			got := names(list, name)
			if tc.ties {
				sort.Strings(got)
			}
			sameStrings(t, got, tc.want, "invitations")
			if total != tc.total {
				t.Errorf("total = %d, want %d", total, tc.total)
			}
		})
	}
}

func testConsumeInvitation(t *testing.T, s store.Store) {
	u := mkUser(t, s, "admin")
	single := mkInvitation(t, s, "single", u.PK, ptr(1))
	use := store.InvitationUse{Invitation: single.UUID, UserPK: &u.PK, Username: "admin", ClientIP: "192.0.2.1"}
	check(t, s.ConsumeInvitation(ctx, &use), "first use")
	if use.ID == 0 || use.UsedAt.IsZero() {
		t.Errorf("use not filled: %+v", use)
	}
	wantErr(t, s.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: single.UUID}), store.ErrUsedUp, "second use")
	got, _ := s.GetInvitation(ctx, single.UUID)
	if got.Uses != 1 || got.Status(ts(0)) != store.InvitationUsedUp {
		t.Errorf("after use = %+v", got)
	}
	uses, err := s.ListInvitationUses(ctx, single.UUID)
	check(t, err, "list uses")
	if len(uses) != 1 || uses[0].Username != "admin" || uses[0].UserPK == nil || *uses[0].UserPK != u.PK || uses[0].ClientIP != "192.0.2.1" {
		t.Errorf("uses = %+v", uses)
	}
	sameTime(t, uses[0].UsedAt, use.UsedAt, "used_at")

	unlimited := mkInvitation(t, s, "unlimited", u.PK, nil)
	for i := 0; i < 5; i++ {
		check(t, s.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: unlimited.UUID}), "unlimited use %d", i)
	}
	if g, _ := s.GetInvitation(ctx, unlimited.UUID); g.Uses != 5 {
		t.Errorf("unlimited uses = %d", g.Uses)
	}

	rev := mkInvitation(t, s, "revoked", u.PK, ptr(5))
	rev.RevokedAt = ptr(ts(0))
	check(t, s.UpdateInvitation(ctx, &rev), "revoke")
	wantErr(t, s.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: rev.UUID}), store.ErrRevoked, "revoked")
	wantErr(t, s.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: "00000000-0000-4000-8000-000000000000"}), store.ErrNotFound, "missing")

	// A failed transaction gives the use back.
	multi := mkInvitation(t, s, "multi", u.PK, ptr(2))
	_ = s.Tx(ctx, func(q store.Queries) error {
		check(t, q.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: multi.UUID}), "consume in tx")
		return store.ErrConflict
	})
	if g, _ := s.GetInvitation(ctx, multi.UUID); g.Uses != 0 {
		t.Errorf("uses after rollback = %d", g.Uses)
	}
	if l, _ := s.ListInvitationUses(ctx, multi.UUID); len(l) != 0 {
		t.Errorf("use rows after rollback = %d", len(l))
	}
}
