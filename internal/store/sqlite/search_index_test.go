package sqlite_test

import (
	"context"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlstore"
	"github.com/usher-id/usher/internal/store/storetest"
)

// The trigram indexes (migration 0005) stay exactly in step with their
// tables through inserts, updates, deletes, cascades and a reused rowid:
// FTS5's integrity check compares the index with the table's content.
func TestSearchIndexesMatchTables(t *testing.T) {
	ctx := context.Background()
	db := storetest.OpenSQLite(t).(*sqlstore.DB)
	exec := func(q string) {
		t.Helper()
		if _, err := db.Writer().ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	mustOK := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var users []store.User
	for _, name := range []string{"ann", "bea", "cid"} {
		u := store.User{Username: name, Name: "Name " + name, Email: name + "@example.com", IsActive: true}
		mustOK(t, db.CreateUser(ctx, &u))
		users = append(users, u)
	}
	var invs []store.Invitation
	for i, name := range []string{"one", "two", "three"} {
		inv := store.Invitation{Name: name, CreatedBy: users[i%2].PK, Expiring: true}
		mustOK(t, db.CreateInvitation(ctx, &inv))
		invs = append(invs, inv)
	}
	users[1].Name, users[1].Email = "Renamed", "other@example.com"
	mustOK(t, db.UpdateUser(ctx, &users[1]))
	invs[0].Name = "uno"
	mustOK(t, db.UpdateInvitation(ctx, &invs[0]))
	mustOK(t, db.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: invs[0].UUID}))
	// The last invitation's rowid is handed out again to the next one.
	mustOK(t, db.DeleteInvitation(ctx, invs[2].UUID))
	mustOK(t, db.CreateInvitation(ctx, &store.Invitation{Name: "four", CreatedBy: users[2].PK, Expiring: true}))
	mustOK(t, db.DeleteUser(ctx, users[0].PK)) // cascades to "uno"
	exec("VACUUM")
	// rank 1 makes the check compare the index with the table content.
	exec("INSERT INTO users_fts (users_fts, rank) VALUES ('integrity-check', 1)")
	exec("INSERT INTO invitations_fts (invitations_fts, rank) VALUES ('integrity-check', 1)")

	list, _, err := db.ListInvitations(ctx, store.InvitationFilter{Search: "our"})
	mustOK(t, err)
	if len(list) != 1 || list[0].Name != "four" {
		t.Errorf("search after VACUUM: got %v, want [four]", list)
	}
}
