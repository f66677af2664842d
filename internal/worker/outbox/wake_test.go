package outbox_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/worker/outbox"
)

// TestWakeOnCommit: the wrapped store wakes after a committed enqueue (not
// before the commit, not after a rollback, not for other writes).
func TestWakeOnCommit(t *testing.T) {
	ctx := context.Background()
	msg := func() *store.OutboxMessage { return &store.OutboxMessage{Kind: "test", Payload: []byte(`{}`)} }
	errAbort := errors.New("abort")
	for _, tc := range []struct {
		name     string
		do       func(st store.Store, wakes *atomic.Int32) error
		wantErr  error
		wantWake int32
		wantRows int
	}{
		{"direct enqueue", func(st store.Store, _ *atomic.Int32) error { return st.EnqueueOutbox(ctx, msg()) }, nil, 1, 1},
		{"enqueue in a committed transaction", func(st store.Store, wakes *atomic.Int32) error {
			return st.Tx(ctx, func(q store.Queries) error {
				if err := q.EnqueueOutbox(ctx, msg()); err != nil {
					return err
				}
				if err := q.EnqueueOutbox(ctx, msg()); err != nil {
					return err
				}
				if wakes.Load() != 0 {
					t.Error("woken before the commit")
				}
				return nil
			})
		}, nil, 1, 2},
		{"rolled back", func(st store.Store, _ *atomic.Int32) error {
			return st.Tx(ctx, func(q store.Queries) error {
				if err := q.EnqueueOutbox(ctx, msg()); err != nil {
					return err
				}
				return errAbort
			})
		}, errAbort, 0, 0},
		{"transaction without enqueue", func(st store.Store, _ *atomic.Int32) error {
			return st.Tx(ctx, func(q store.Queries) error { return q.SetSetting(ctx, "k", "v") })
		}, nil, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := storetest.OpenSQLite(t)
			var wakes atomic.Int32
			st := outbox.WakeOnCommit(base, func() { wakes.Add(1) })
			if err := tc.do(st, &wakes); !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got := wakes.Load(); got != tc.wantWake {
				t.Errorf("woken %d times, want %d", got, tc.wantWake)
			}
			if got := len(outboxByID(t, base)); got != tc.wantRows {
				t.Errorf("%d outbox rows, want %d", got, tc.wantRows)
			}
		})
	}
}

// TestWakeDeliversWithoutWaitingForThePoll: a worker polling once an hour
// delivers a message enqueued through the wrapped store at once.
func TestWakeDeliversWithoutWaitingForThePoll(t *testing.T) {
	base := storetest.OpenSQLite(t)
	delivered := make(chan int64, 1)
	// The worker's first poll is seen through the store, so the message is
	// enqueued only once that poll found nothing: delivery must then come
	// from the wake, not from the poll.
	polled := make(chan struct{})
	var once sync.Once
	w := &outbox.Worker{Store: claimNotify{Store: base, claimed: func() { once.Do(func() { close(polled) }) }}, Log: quiet, Interval: time.Hour,
		Handlers: map[string]outbox.Handler{"test": func(_ context.Context, m store.OutboxMessage) error {
			delivered <- m.ID
			return nil
		}}}
	st := outbox.WakeOnCommit(base, w.Wake)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	defer func() { cancel(); <-done }()
	select {
	case <-polled:
	case <-time.After(5 * time.Second):
		t.Fatal("the worker never polled")
	}

	m := &store.OutboxMessage{Kind: "test", Payload: []byte(`{}`)}
	if err := st.Tx(context.Background(), func(q store.Queries) error { return q.EnqueueOutbox(context.Background(), m) }); err != nil {
		t.Fatal(err)
	}
	select {
	case id := <-delivered:
		if id != m.ID {
			t.Errorf("delivered %d, want %d", id, m.ID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("not delivered within 5s: the worker was not woken")
	}
}

// claimNotify calls claimed after each ClaimOutbox has returned.
type claimNotify struct {
	store.Store
	claimed func()
}

func (c claimNotify) ClaimOutbox(ctx context.Context, now time.Time, lease time.Duration, n int) ([]store.OutboxMessage, error) {
	defer c.claimed()
	return c.Store.ClaimOutbox(ctx, now, lease, n)
}
