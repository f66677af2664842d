package invitation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/store"
)

// Retention removes invitations that expired more than Keep ago
// (USHER_INVITATION_RETENTION; 0 keeps them forever, as authentik's
// listing does until an admin deletes them). Only one instance works at a
// time, through a lease.
type Retention struct {
	App   *app.App
	Keep  time.Duration
	Every time.Duration // default 5m, authentik's cleanup period
	// Holder names this instance for the lease; default host-pid-random.
	Holder string
}

const retentionLease = "invitation_retention"

// Run removes expired invitations every Every until ctx ends. It returns
// at once when Keep is 0.
func (r *Retention) Run(ctx context.Context) {
	if r.Keep <= 0 {
		return
	}
	every := r.Every
	if every <= 0 {
		every = 5 * time.Minute
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			r.App.Log.ErrorContext(ctx, "invitation retention", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce deletes, if this instance holds the lease, the invitations that
// expired before now-Keep, recording one invitation_expired event with the
// count. It reports how many were removed.
func (r *Retention) RunOnce(ctx context.Context) (int, error) {
	if r.Keep <= 0 {
		return 0, nil
	}
	if r.Holder == "" {
		r.Holder = holderName()
	}
	now := r.App.Clock()
	every := r.Every
	if every <= 0 {
		every = 5 * time.Minute
	}
	ok, err := r.App.Store.TryLease(ctx, retentionLease, r.Holder, now, 2*every)
	if err != nil || !ok {
		return 0, err
	}
	cutoff := now.Add(-r.Keep)
	var n int
	err = r.App.Store.Tx(ctx, func(q store.Queries) error {
		var err error
		if n, err = q.DeleteExpiredInvitations(ctx, cutoff); err != nil || n == 0 || r.App.Events == nil {
			return err
		}
		return r.App.Events.Record(ctx, q, nil, nil, ActionExpired, map[string]any{
			"count": n, "expired_before": fieldrule.FormatTime(cutoff), "retention": r.Keep.String()})
	})
	if err != nil {
		return 0, fmt.Errorf("invitation: retention: %w", err)
	}
	return n, nil
}

func holderName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}
