package sqlite_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlite"
)

func TestSmoke(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "u.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	u := store.User{Username: "a", IsActive: true}
	if err := db.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	u2 := store.User{Username: "a"}
	err = db.CreateUser(ctx, &u2)
	if !errors.Is(err, store.ErrConflict) {
		t.Fatal(err)
	}
	t.Log(err)
	got, err := db.GetUser(ctx, u.PK)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", got)
	g := store.Group{Name: "g"}
	if err := db.CreateGroup(ctx, &g); err != nil {
		t.Fatal(err)
	}
	if err := db.AddGroupMember(ctx, g.UUID, 999); !errors.Is(err, store.ErrReferenced) {
		t.Fatal(err)
	}
	t.Log(db.SchemaVersion(ctx))
}
