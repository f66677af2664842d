package postgres_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// TestInvitationSearchBroad covers both ways a PostgreSQL search of 3+
// characters runs: looked up through the trigram indexes when few
// invitations can match, and the plain query when more than the lookup
// cap (5000) do, here every invitation of one creator. Both must give
// the same totals and pages as the plain query would.
func TestInvitationSearchBroad(t *testing.T) {
	ctx := context.Background()
	s := storetest.OpenPostgres(t)
	bulk := store.User{Username: "bulk-inviter", IsActive: true}
	other := store.User{Username: "someone-else", IsActive: true}
	for _, u := range []*store.User{&bulk, &other} {
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	flow := store.Flow{Name: "Partners", Slug: "partner-signup", Title: "Partners", Designation: store.DesignationEnrollment}
	if err := s.CreateFlow(ctx, &flow); err != nil {
		t.Fatal(err)
	}
	const n = 6000 // above the cap
	db := s.(interface{ Writer() *sql.DB }).Writer()
	if _, err := db.ExecContext(ctx, `INSERT INTO invitations (invite_uuid, name, expires, flow, created_by, created)
		SELECT md5('i' || g)::uuid::text, 'batch-' || g, now() + g * interval '1 minute',
			CASE WHEN g % 1000 = 0 THEN $1 END, $2, now()
		FROM generate_series(1, $3::int) g`, flow.UUID, bulk.PK, n); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"special-one", "special-two"} {
		i := store.Invitation{Name: name, CreatedBy: other.PK, Expiring: true}
		if err := s.CreateInvitation(ctx, &i); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		search   string
		total    int
		first    string // first name on the default (-expires) page, if fixed
		pageSize int
	}{
		{"BULK-inv", n, "batch-6000", 20},  // creator of every batch row: plain query
		{"batch-", n, "batch-6000", 20},    // name of every batch row: plain query
		{"tch-59", 111, "batch-5999", 20},  // a few names, through the index
		{"ner-sig", 6, "batch-6000", 6},    // flow slug, through the index
		{"special-t", 1, "special-two", 1}, // name
		{"eone-el", 2, "", 2},              // the other creator (no expiry: either order)
		{"nomatch", 0, "", 0},              // nothing
		{"h-1", 1111, "batch-1999", 20},    // about a thousand candidates, through the index
	} {
		t.Run(tc.search, func(t *testing.T) {
			list, total, err := s.ListInvitations(ctx, store.InvitationFilter{Search: tc.search, Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			if total != tc.total || len(list) != tc.pageSize {
				t.Fatalf("total %d, page %d; want %d, %d", total, len(list), tc.total, tc.pageSize)
			}
			if tc.first != "" && list[0].Name != tc.first {
				t.Errorf("first %q, want %q", list[0].Name, tc.first)
			}
		})
	}

	// Without pg_trgm's index (migration 0005 skips it when the extension
	// is unavailable) the plain query answers the same.
	if _, err := db.ExecContext(ctx, "DROP INDEX invitations_name_trgm"); err != nil {
		t.Fatal(err)
	}
	if _, total, err := s.ListInvitations(ctx, store.InvitationFilter{Search: "tch-59"}); err != nil || total != 111 {
		t.Errorf("search without the index: total %d, %v; want 111", total, err)
	}
}
