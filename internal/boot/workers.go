package boot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/config"
	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
	"github.com/usher-id/usher/internal/worker/outbox"
	"github.com/usher-id/usher/internal/worker/webhook"
)

// Workers are the background loops: the outbox (emails, webhooks), the
// blueprint watcher, invitation retention and the leased cleanup jobs.
// Each coordinates through the database, so every instance may run them.
type Workers struct {
	app        *app.App
	outbox     *outbox.Worker
	blueprint  *blueprint.Watcher
	invitation *invitation.Retention
}

// NewWorkers builds the outbox worker with the email and webhook handlers
// and installs the webhook hook on the event recorder. Call it before the
// server starts so events recorded by the first requests are already
// matched against webhooks. It also wraps a.Store so that a request that
// queues an email or webhook wakes this instance's worker after the commit
// (other instances still poll).
func NewWorkers(a *app.App, cfg *config.Config) (*Workers, error) {
	w := &outbox.Worker{Store: a.Store, Events: a.Events, Log: a.Log, Now: a.Now}
	d, err := mail.NewDeliverer(mail.Config{Host: cfg.Email.Host, Port: cfg.Email.Port, Username: cfg.Email.Username,
		Password: cfg.Email.Password, UseTLS: cfg.Email.UseTLS, UseSSL: cfg.Email.UseSSL, Timeout: cfg.Email.Timeout,
		From: cfg.Email.From}, a.TemplatesDir)
	if err != nil {
		return nil, fmt.Errorf("email templates: %w", err)
	}
	d.StageConfig = mail.StageConfigs(a.Store)
	d.Register(w)
	n := webhook.New(webhook.Config{URL: cfg.Events.WebhookURL, Secret: cfg.Events.WebhookSecret,
		Actions: cfg.Events.WebhookActions})
	if n.Enabled() {
		n.Install(a.Events)
		n.Register(w)
	}
	a.Store = outbox.WakeOnCommit(a.Store, w.Wake)
	return &Workers{app: a, outbox: w, blueprint: blueprint.NewWatcher(a),
		invitation: &invitation.Retention{App: a, Keep: cfg.InvitationRetention}}, nil
}

// Start runs every loop until ctx ends.
func (w *Workers) Start(ctx context.Context) {
	go w.outbox.Run(ctx)
	go w.blueprint.Run(ctx)
	go w.invitation.Run(ctx) // returns at once unless USHER_INVITATION_RETENTION is set
	startCleanup(ctx, w.app)
}

// cleanup is one periodic job; a lease makes sure only one instance runs
// it at a time.
type cleanup struct {
	name     string
	interval time.Duration
	run      func(ctx context.Context, q store.Queries, now time.Time) (int, error)
}

var cleanupJobs = []cleanup{
	{"session-cleanup", 10 * time.Minute, func(ctx context.Context, q store.Queries, now time.Time) (int, error) {
		return q.DeleteExpiredSessions(ctx, now)
	}},
	{"ratelimit-cleanup", 10 * time.Minute, func(ctx context.Context, q store.Queries, now time.Time) (int, error) {
		return q.DeleteExpiredHits(ctx, now)
	}},
	{"flow-token-cleanup", time.Hour, func(ctx context.Context, q store.Queries, now time.Time) (int, error) {
		// Kept a day past expiry so a late click is told "expired", not "unknown".
		n, err := q.DeleteExpiredFlowTokens(ctx, now.Add(-24*time.Hour))
		return int(n), err
	}},
	{"oauth2-cleanup", time.Hour, func(ctx context.Context, q store.Queries, now time.Time) (int, error) {
		// Authorization requests outlive their code by a day, so a code
		// replayed late is still recognised (and revokes its tokens).
		n, err := q.DeleteExpiredOAuth2(ctx, now.Add(-24*time.Hour))
		return int(n), err
	}},
	{"event-retention", time.Hour, func(ctx context.Context, q store.Queries, now time.Time) (int, error) {
		return q.DeleteExpiredEvents(ctx, now)
	}},
}

// startCleanup runs each job now and then every interval until ctx ends.
func startCleanup(ctx context.Context, a *app.App) {
	holder := instanceID()
	for _, job := range cleanupJobs {
		go func() {
			t := time.NewTicker(job.interval)
			defer t.Stop()
			for {
				runCleanup(ctx, a, holder, job)
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
}

func runCleanup(ctx context.Context, a *app.App, holder string, job cleanup) {
	now := a.Clock()
	ok, err := a.Store.TryLease(ctx, job.name, holder, now, job.interval)
	if err != nil {
		if ctx.Err() == nil {
			a.Log.Warn("background job lease failed", "job", job.name, "err", err)
		}
		return
	}
	if !ok {
		return // another instance holds it
	}
	n, err := job.run(ctx, a.Store, now)
	switch {
	case err != nil && ctx.Err() == nil:
		a.Log.Warn("background job failed", "job", job.name, "err", err)
	case n > 0:
		a.Log.Info("background job done", "job", job.name, "removed", n)
	}
}

// instanceID names this process for leases.
func instanceID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b))
}
