// Package outbox delivers work written to the outbox table (emails,
// webhook calls). Callers enqueue a message in the same transaction as the
// action that causes it; a Worker on any instance claims due messages with
// a lease, so each message is worked on by one instance at a time, and
// retries failures with exponential backoff until MaxAttempts, after which
// the message is marked failed. Nothing is lost when the remote side is down
// or usher restarts: an unsent message stays in the table until delivered.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
)

// Handler delivers one message. A nil error marks it sent; an error is
// retried later unless it is Permanent.
type Handler func(ctx context.Context, m store.OutboxMessage) error

// Worker claims and delivers outbox messages. Every instance may run one;
// claiming is exclusive per message for the lease.
type Worker struct {
	Store store.Store
	// Handlers by message kind ("email", "webhook").
	Handlers map[string]Handler
	// Describe, per kind, returns safe details (recipients, URL; nothing
	// secret) added to the kind's events.
	Describe map[string]func(m store.OutboxMessage) map[string]any
	// Events, when set, records "<kind>_sent" after a delivery and
	// "<kind>_failed" after each failed attempt.
	Events *event.Recorder
	Log    *slog.Logger
	Now    func() time.Time

	Interval    time.Duration // poll interval; default 5s
	Lease       time.Duration // how long a claim lasts; default 2m
	Batch       int           // messages claimed and delivered at once; default 5
	MaxAttempts int           // attempts before giving up; default 10
	BaseBackoff time.Duration // delay after the first failure, doubled each time; default 30s
	MaxBackoff  time.Duration // default 1h

	wakeOnce sync.Once
	wake     chan struct{}
}

// Event action suffixes.
const (
	suffixSent   = "_sent"
	suffixFailed = "_failed"
)

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now()
	}
	return time.Now()
}

func (w *Worker) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}

func orDefault[T int | time.Duration](v, d T) T {
	if v > 0 {
		return v
	}
	return d
}

func (w *Worker) wakeChan() chan struct{} {
	w.wakeOnce.Do(func() { w.wake = make(chan struct{}, 1) })
	return w.wake
}

// Wake makes a running worker poll now instead of at the next tick (call
// it after enqueueing on this instance; other instances pick the message up
// at their next tick).
func (w *Worker) Wake() {
	select {
	case w.wakeChan() <- struct{}{}:
	default:
	}
}

// Run polls until ctx ends. Errors talking to the database are logged and
// retried at the next tick.
func (w *Worker) Run(ctx context.Context) {
	t := time.NewTicker(orDefault(w.Interval, 5*time.Second))
	defer t.Stop()
	for {
		for {
			n, err := w.RunOnce(ctx)
			if err != nil {
				if ctx.Err() == nil {
					w.log().ErrorContext(ctx, "outbox: claim messages", "error", err)
				}
				break
			}
			if n < orDefault(w.Batch, 5) {
				break // drained; a full batch means more may be due
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.wakeChan():
		}
	}
}

// RunOnce claims one batch of due messages and delivers them concurrently;
// it returns how many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	claimed := w.now()
	lease := orDefault(w.Lease, 2*time.Minute)
	msgs, err := w.Store.ClaimOutbox(ctx, claimed, lease, orDefault(w.Batch, 5))
	if err != nil {
		return 0, err
	}
	// Finish well inside the lease so no other instance claims a message
	// while it is still being delivered here.
	dctx, cancel := context.WithDeadline(ctx, claimed.Add(lease*3/4))
	defer cancel()
	var wg sync.WaitGroup
	for _, m := range msgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.deliver(ctx, dctx, m)
		}()
	}
	wg.Wait()
	return len(msgs), nil
}

// deliver runs the handler under dctx and records the outcome even when
// ctx ends meanwhile (shutdown), so a message that went out is not sent
// again after a restart.
func (w *Worker) deliver(ctx, dctx context.Context, m store.OutboxMessage) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	h, ok := w.Handlers[m.Kind]
	var err error
	if !ok {
		err = fmt.Errorf("no handler for outbox messages of kind %q on this instance", m.Kind)
	} else {
		err = safeCall(dctx, h, m)
	}
	if err == nil {
		w.markSent(ctx, m)
		return
	}
	w.markFailed(ctx, m, err)
}

func safeCall(ctx context.Context, h Handler, m store.OutboxMessage) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panic: %v", r)
		}
	}()
	return h(ctx, m)
}

func (w *Worker) markSent(ctx context.Context, m store.OutboxMessage) {
	now := w.now()
	err := w.Store.Tx(ctx, func(q store.Queries) error {
		if err := q.MarkOutboxSent(ctx, m.ID, now); err != nil {
			return err
		}
		return w.record(ctx, q, m, m.Kind+suffixSent, map[string]any{"attempt": attemptOf(m)})
	})
	if err != nil {
		// The message went out but stays claimable: after the lease it may
		// be delivered again. Rare (database down at this exact moment) and
		// preferable to losing messages.
		w.log().ErrorContext(ctx, "outbox: mark sent", "id", m.ID, "kind", m.Kind, "error", err)
		return
	}
	w.log().InfoContext(ctx, "outbox: delivered", "id", m.ID, "kind", m.Kind)
}

func (w *Worker) markFailed(ctx context.Context, m store.OutboxMessage, cause error) {
	attempt := attemptOf(m)
	var retryAt *time.Time
	data := map[string]any{"attempt": attempt, "error": cause.Error()}
	if !IsPermanent(cause) && attempt < orDefault(w.MaxAttempts, 10) {
		t := w.now().Add(w.Backoff(attempt))
		retryAt = &t
		data["retry_at"] = t
	} else {
		data["gave_up"] = true
	}
	err := w.Store.Tx(ctx, func(q store.Queries) error {
		if err := q.MarkOutboxFailed(ctx, m.ID, cause.Error(), retryAt); err != nil {
			return err
		}
		return w.record(ctx, q, m, m.Kind+suffixFailed, data)
	})
	if err != nil {
		w.log().ErrorContext(ctx, "outbox: mark failed", "id", m.ID, "kind", m.Kind, "error", err)
	}
	w.log().WarnContext(ctx, "outbox: delivery failed", "id", m.ID, "kind", m.Kind, "attempt", attempt,
		"gave_up", retryAt == nil, "error", cause)
}

func (w *Worker) record(ctx context.Context, q store.Queries, m store.OutboxMessage, action string, data map[string]any) error {
	if w.Events == nil {
		return nil
	}
	data["outbox_id"] = m.ID
	data["kind"] = m.Kind
	if d := w.Describe[m.Kind]; d != nil {
		for k, v := range d(m) {
			data[k] = v
		}
	}
	return w.Events.Record(ctx, q, nil, nil, action, data)
}

// attemptOf is the number of the attempt in progress: ClaimOutbox counts
// it when claiming, so a crash mid-delivery still counts.
func attemptOf(m store.OutboxMessage) int { return max(m.Attempts, 1) }

// Backoff is the delay before retrying after the given failed attempt
// (1-based): BaseBackoff doubled per attempt, capped at MaxBackoff.
func (w *Worker) Backoff(attempt int) time.Duration {
	d := orDefault(w.BaseBackoff, 30*time.Second)
	maxB := orDefault(w.MaxBackoff, time.Hour)
	for i := 1; i < attempt && d < maxB; i++ {
		d *= 2
	}
	return min(d, maxB)
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent marks an error that retrying cannot fix (a malformed payload,
// a missing template): the message is given up at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
