package storetest

import (
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// testRaceConfigWriters: two transactions write configuration at once and
// cross on one unique name: the first writes flow "a", then "b"; the second
// writes "b" meanwhile. The config version counter both raise must not
// turn this into a deadlock: the first commits, the second gets the
// ErrConflict a blueprint apply retries, and the counter has both raises.
func testRaceConfigWriters(t *testing.T, s store.Store) {
	before := version(t, s)
	pool := s.Stats()
	firstWrote := make(chan struct{})
	second := make(chan error, 1)
	go func() {
		<-firstWrote
		second <- s.Tx(ctx, func(q store.Queries) error {
			return q.CreateFlow(ctx, &store.Flow{Name: "B", Slug: "b", Designation: store.DesignationEnrollment})
		})
	}()
	err := s.Tx(ctx, func(q store.Queries) error {
		if err := q.CreateFlow(ctx, &store.Flow{Name: "A", Slug: "a", Designation: store.DesignationEnrollment}); err != nil {
			return err
		}
		close(firstWrote)
		waitForSecondWriter(t, s, pool)
		return q.CreateFlow(ctx, &store.Flow{Name: "B", Slug: "b", Designation: store.DesignationEnrollment})
	})
	if err != nil {
		t.Fatalf("first writer: %v", err)
	}
	wantErr(t, <-second, store.ErrConflict, "second writer")
	if after := version(t, s); after <= before {
		t.Errorf("config version %d after the writes, was %d", after, before)
	}
}

// waitForSecondWriter returns once the second writer is in the database's
// hands: waiting for SQLite's one write connection (the pool's wait count
// rises) or holding a PostgreSQL connection of its own (two in use), where
// its insert then blocks on the first writer's uncommitted row. Either
// way the crossing the test is about happens, without guessing a delay.
func waitForSecondWriter(t *testing.T, s store.Store, before store.PoolStats) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		st := s.Stats()
		if st.WaitCount > before.WaitCount || st.InUse >= 2 {
			if st.InUse >= 2 {
				// Give the second transaction's INSERT, sent right after its
				// BEGIN, the moment it needs to reach the row lock.
				time.Sleep(20 * time.Millisecond)
			}
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatal("the second writer never reached the database")
}
