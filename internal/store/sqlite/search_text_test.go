package sqlite_test

import (
	"context"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// A search term FTS5 cannot quote (a NUL, bytes that are not UTF-8) finds
// nothing instead of failing with an FTS5 syntax error (issue 12 item 6).
func TestSearchTermWithNULOrBadUTF8(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	u := store.User{Username: "abcdef", Name: "abc", IsActive: true}
	if err := db.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateInvitation(ctx, &store.Invitation{Name: "abcdef", CreatedBy: u.PK, Expiring: true}); err != nil {
		t.Fatal(err)
	}
	for _, term := range []string{"abc\x00", "abc\x00def", "ab\xff\xfecd"} {
		users, _, err := db.ListUsers(ctx, store.UserFilter{Search: term})
		if err != nil || len(users) != 0 {
			t.Errorf("users search %q: %d rows, err %v; want none, no error", term, len(users), err)
		}
		invs, _, err := db.ListInvitations(ctx, store.InvitationFilter{Search: term})
		if err != nil || len(invs) != 0 {
			t.Errorf("invitations search %q: %d rows, err %v; want none, no error", term, len(invs), err)
		}
	}
}
