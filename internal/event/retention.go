package event

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// RetentionLease names the lease that makes one instance at a time delete
// expired events.
const RetentionLease = "event-retention"

// Retention deletes events past their expiry (each event's Expires is set
// from Recorder.Retention when it is recorded). Every instance may run it;
// a lease makes only one of them work per round.
type Retention struct {
	Store store.Store
	Log   *slog.Logger
	// Every is how often to look; default one hour.
	Every time.Duration
	// Holder identifies this instance for the lease; default host name,
	// process id and a random suffix.
	Holder string
	Now    func() time.Time
}

// RunRetention runs the retention loop on s until ctx ends (the serve
// command starts it in a goroutine).
func RunRetention(ctx context.Context, s store.Store, log *slog.Logger) {
	(&Retention{Store: s, Log: log}).Run(ctx)
}

// Run deletes expired events now and then every Every until ctx ends.
func (r *Retention) Run(ctx context.Context) {
	t := time.NewTicker(r.every())
	defer t.Stop()
	for {
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.log().ErrorContext(ctx, "event retention failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce takes the lease and deletes expired events; it returns how many
// it deleted (0 when another instance holds the lease).
func (r *Retention) RunOnce(ctx context.Context) (int, error) {
	now := time.Now()
	if r.Now != nil {
		now = r.Now()
	}
	if r.Holder == "" {
		r.Holder = holderID()
	}
	// Hold the lease a little less than a round so a crashed holder is
	// replaced by the next round on another instance.
	ok, err := r.Store.TryLease(ctx, RetentionLease, r.Holder, now, r.every()*9/10)
	if err != nil || !ok {
		return 0, err
	}
	n, err := r.Store.DeleteExpiredEvents(ctx, now)
	if err == nil && n > 0 {
		r.log().InfoContext(ctx, "deleted expired events", "count", n)
	}
	return n, err
}

func (r *Retention) every() time.Duration {
	if r.Every > 0 {
		return r.Every
	}
	return time.Hour
}

func (r *Retention) log() *slog.Logger {
	if r.Log != nil {
		return r.Log
	}
	return slog.Default()
}

func holderID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return host + "/" + hex.EncodeToString(b) + "/" + strconv.Itoa(os.Getpid())
}
