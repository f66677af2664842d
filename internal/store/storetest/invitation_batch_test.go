package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// The admin console reads the uses and emails of a whole page of
// invitations in one query each; both backends must agree on the results.
func TestInvitationBatches(t *testing.T) {
	for _, b := range Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			s := b.Open(t)
			u := mkUser(t, s, "admin")
			a := mkInvitation(t, s, "a", u.PK, nil)
			bb := mkInvitation(t, s, "b", u.PK, nil)
			none := mkInvitation(t, s, "none", u.PK, nil)
			for i, inv := range []store.Invitation{a, a, bb} {
				use := store.InvitationUse{Invitation: inv.UUID, Username: []string{"x", "y", "z"}[i],
					UsedAt: ts(time.Duration(i) * time.Minute)}
				check(t, s.ConsumeInvitation(ctx, &use), "consume")
			}

			t.Run("uses", func(t *testing.T) {
				got, err := s.ListInvitationUsesFor(ctx, []string{a.UUID, bb.UUID, none.UUID, "00000000-0000-4000-8000-000000000000"})
				check(t, err, "list uses")
				sameStrings(t, names(got, func(u store.InvitationUse) string { return u.Username }),
					usernamesByInvitation(a.UUID, bb.UUID), "uses")
				for _, use := range got {
					if use.Invitation != a.UUID && use.Invitation != bb.UUID {
						t.Errorf("use of another invitation: %+v", use)
					}
				}
				if got, err := s.ListInvitationUsesFor(ctx, nil); err != nil || len(got) != 0 {
					t.Errorf("no invitations = %v, %v", got, err)
				}
			})

			t.Run("outbox", func(t *testing.T) {
				var ids []int64
				for range 3 {
					m := store.OutboxMessage{Kind: "email", Payload: []byte(`{}`)}
					check(t, s.EnqueueOutbox(ctx, &m), "enqueue")
					ids = append(ids, m.ID)
				}
				check(t, s.LinkInvitationOutbox(ctx, a.UUID, ids[:2]), "link a")
				check(t, s.LinkInvitationOutbox(ctx, a.UUID, ids[:1]), "link a again")
				check(t, s.LinkInvitationOutbox(ctx, bb.UUID, ids[2:]), "link b")
				check(t, s.MarkOutboxFailed(ctx, ids[1], "550 no such user", nil), "fail")
				got, err := s.InvitationOutbox(ctx, []string{a.UUID, bb.UUID, none.UUID})
				check(t, err, "invitation outbox")
				if len(got) != 2 || len(got[a.UUID]) != 2 || len(got[bb.UUID]) != 1 || len(got[none.UUID]) != 0 {
					t.Fatalf("outbox by invitation = %+v", got)
				}
				if m := got[a.UUID][0]; m.ID != ids[1] || !m.Failed || m.LastError != "550 no such user" {
					t.Errorf("newest message of a = %+v, want the failed one", m)
				}
				if m := got[bb.UUID][0]; m.ID != ids[2] || m.Kind != "email" || m.Failed {
					t.Errorf("message of b = %+v", m)
				}
				if err := s.LinkInvitationOutbox(ctx, a.UUID, []int64{ids[2] + 1000}); !errors.Is(err, store.ErrReferenced) {
					t.Errorf("link to a missing message = %v, want ErrReferenced", err)
				}
				// Deleting the invitation drops its links, not the messages.
				check(t, s.DeleteInvitation(ctx, a.UUID), "delete a")
				got, err = s.InvitationOutbox(ctx, []string{a.UUID, bb.UUID})
				check(t, err, "invitation outbox after delete")
				if len(got[a.UUID]) != 0 || len(got[bb.UUID]) != 1 {
					t.Errorf("after delete = %+v", got)
				}
				if all, err := s.ListOutbox(ctx, 10); err != nil || len(all) != 3 {
					t.Errorf("outbox after delete = %d messages, %v", len(all), err)
				}
			})
		})
	}
}

// usernamesByInvitation is the expected order: grouped by invitation UUID
// (ascending), then oldest use first.
func usernamesByInvitation(a, b string) []string {
	if a < b {
		return []string{"x", "y", "z"}
	}
	return []string{"z", "x", "y"}
}
