package storetest

import (
	"testing"

	"github.com/usher-id/usher/internal/store/postgres"
	"github.com/usher-id/usher/internal/store/sqlite"
	"github.com/usher-id/usher/internal/store/sqlstore"
)

// Both dialects must have the same list of migrations (versions and names),
// so a database on either backend is at the same schema version.
func TestMigrationVersionsMatch(t *testing.T) {
	lite, err := sqlstore.ParseMigrations(sqlite.Migrations)
	if err != nil {
		t.Fatalf("sqlite migrations: %v", err)
	}
	pg, err := sqlstore.ParseMigrations(postgres.Migrations)
	if err != nil {
		t.Fatalf("postgres migrations: %v", err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Version != pg[i].Version || lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i+1, lite[i].Name, pg[i].Name)
		}
	}
}
