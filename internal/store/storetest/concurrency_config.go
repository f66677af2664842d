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
		time.Sleep(300 * time.Millisecond) // the second writer reaches its insert
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
