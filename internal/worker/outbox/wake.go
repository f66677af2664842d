package outbox

import (
	"context"

	"github.com/usher-id/usher/internal/store"
)

// WakeOnCommit returns st calling wake after each successful enqueue: at
// once for a direct EnqueueOutbox, after the commit for one inside Tx (a
// worker woken earlier would not see the row yet). serve wraps the app's
// store with the local worker's Wake, so an email or webhook queued by a
// request on this instance goes out now instead of at the next poll; other
// instances are not woken and still find their messages by polling.
func WakeOnCommit(st store.Store, wake func()) store.Store {
	return &wakingStore{Store: st, wake: wake}
}

type wakingStore struct {
	store.Store
	wake func()
}

// Unwrap returns the store underneath.
func (s *wakingStore) Unwrap() store.Store { return s.Store }

func (s *wakingStore) EnqueueOutbox(ctx context.Context, m *store.OutboxMessage) error {
	if err := s.Store.EnqueueOutbox(ctx, m); err != nil {
		return err
	}
	s.wake()
	return nil
}

func (s *wakingStore) Tx(ctx context.Context, fn func(q store.Queries) error) error {
	var enqueued bool
	err := s.Store.Tx(ctx, func(q store.Queries) error {
		enqueued = false // a retried transaction starts over
		return fn(&wakingQueries{Queries: q, enqueued: &enqueued})
	})
	if err == nil && enqueued {
		s.wake()
	}
	return err
}

// wakingQueries notes that the transaction enqueued something.
type wakingQueries struct {
	store.Queries
	enqueued *bool
}

func (q *wakingQueries) EnqueueOutbox(ctx context.Context, m *store.OutboxMessage) error {
	if err := q.Queries.EnqueueOutbox(ctx, m); err != nil {
		return err
	}
	*q.enqueued = true
	return nil
}
