package auth

import (
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// openStore returns a migrated SQLite store in a temp directory.
func openStore(t *testing.T) store.Store {
	t.Helper()
	return storetest.OpenSQLite(t)
}
