package storetest

import (
	"errors"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

func testConsumeInvitationRow(t *testing.T, s store.Store) {
	u := mkUser(t, s, "admin")
	single := mkInvitation(t, s, "single", u.PK, ptr(1))
	refused := errors.New("refused")
	_, err := s.ConsumeInvitationRow(ctx, &store.InvitationUse{Invitation: single.UUID}, func(inv store.Invitation) error {
		if inv.UUID != single.UUID || inv.Uses != 0 {
			t.Errorf("check saw %+v, want the row before this use", inv)
		}
		return refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("refused by check: %v", err)
	}
	if got, _ := s.GetInvitation(ctx, single.UUID); got.Uses != 0 {
		t.Fatalf("a refused use was counted: uses = %d", got.Uses)
	}
	use := store.InvitationUse{Invitation: single.UUID, UserPK: &u.PK, Username: "admin"}
	inv, err := s.ConsumeInvitationRow(ctx, &use, func(store.Invitation) error { return nil })
	check(t, err, "first use")
	if inv.Name != "single" || inv.Uses != 0 || use.ID == 0 {
		t.Errorf("returned %+v, use %+v", inv, use)
	}
	_, err = s.ConsumeInvitationRow(ctx, &store.InvitationUse{Invitation: single.UUID}, nil)
	wantErr(t, err, store.ErrUsedUp, "second use")
	if uses, _ := s.ListInvitationUses(ctx, single.UUID); len(uses) != 1 {
		t.Errorf("%d uses recorded, want 1", len(uses))
	}
	_, err = s.ConsumeInvitationRow(ctx, &store.InvitationUse{Invitation: "00000000-0000-0000-0000-000000000000"}, nil)
	wantErr(t, err, store.ErrNotFound, "unknown invitation")
}
