package storetest

import (
	"errors"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// Events written in a transaction go in with one statement at its end; the
// transaction still sees them, a rollback drops them, a commit keeps all.
func testEventsInTx(t *testing.T, s store.Store) {
	f := store.EventFilter{Action: "tx_batch"}
	err := s.Tx(ctx, func(q store.Queries) error {
		for _, app := range []string{"a", "b", "c"} {
			check(t, q.CreateEvent(ctx, &store.Event{Action: "tx_batch", App: app, Context: map[string]any{"n": app}}), "create %s", app)
		}
		_, n, err := q.ListEvents(ctx, f)
		check(t, err, "list inside")
		if n != 3 {
			t.Errorf("the transaction sees %d of its 3 events", n)
		}
		return q.CreateEvent(ctx, &store.Event{Action: "tx_batch", App: "d"})
	})
	check(t, err, "commit")
	evs, n, err := s.ListEvents(ctx, f)
	check(t, err, "list after commit")
	if n != 4 || len(evs) != 4 {
		t.Fatalf("%d events after commit, want 4", n)
	}
	boom := errors.New("boom")
	if err := s.Tx(ctx, func(q store.Queries) error {
		check(t, q.CreateEvent(ctx, &store.Event{Action: "tx_batch", App: "e"}), "create e")
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("rolled back tx: %v", err)
	}
	if _, n, _ := s.ListEvents(ctx, f); n != 4 {
		t.Errorf("%d events after a rollback, want 4", n)
	}
}
