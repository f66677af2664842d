package storetest

import (
	"errors"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// testSavepoint: a failed savepoint undoes only its own writes and the
// transaction goes on, also after a statement the database refused (on
// PostgreSQL that otherwise aborts the transaction); nested savepoints
// undo from the inner one; the outer transaction still decides.
func testSavepoint(t *testing.T, s store.Store) {
	mkUser(t, s, "taken")
	boom := errors.New("boom")
	check(t, s.Tx(ctx, func(q store.Queries) error {
		mkUser(t, q, "before")
		err := q.Savepoint(ctx, func(q store.Queries) error {
			mkUser(t, q, "undone")
			dup := store.User{Username: "taken", Name: "Dup", IsActive: true}
			return q.CreateUser(ctx, &dup)
		})
		wantErr(t, err, store.ErrConflict, "duplicate inside a savepoint")
		err = q.Savepoint(ctx, func(q store.Queries) error {
			mkUser(t, q, "kept")
			inner := q.Savepoint(ctx, func(q store.Queries) error {
				mkUser(t, q, "inner-undone")
				return boom
			})
			wantErr(t, inner, boom, "inner savepoint")
			return nil
		})
		check(t, err, "outer savepoint")
		mkUser(t, q, "after")
		return nil
	}), "transaction with savepoints")
	for name, want := range map[string]bool{"before": true, "undone": false, "kept": true, "inner-undone": false, "after": true} {
		_, err := s.GetUserByUsername(ctx, name)
		if got := err == nil; got != want {
			t.Errorf("user %s stored: %v, want %v (%v)", name, got, want, err)
		}
	}

	// A savepoint's writes are still rolled back with its transaction.
	err := s.Tx(ctx, func(q store.Queries) error {
		check(t, q.Savepoint(ctx, func(q store.Queries) error {
			mkUser(t, q, "in-rolled-back-tx")
			return nil
		}), "savepoint")
		return boom
	})
	wantErr(t, err, boom, "tx error")
	_, err = s.GetUserByUsername(ctx, "in-rolled-back-tx")
	wantErr(t, err, store.ErrNotFound, "user from a savepoint of a rolled back tx")

	// On the Store itself a savepoint is a transaction of its own.
	err = s.Savepoint(ctx, func(q store.Queries) error {
		mkUser(t, q, "alone")
		return boom
	})
	wantErr(t, err, boom, "savepoint outside a transaction")
	_, err = s.GetUserByUsername(ctx, "alone")
	wantErr(t, err, store.ErrNotFound, "user from a failed savepoint outside a transaction")
}
