package cli

import (
	"context"
	"fmt"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/config"
	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/flow"
	_ "github.com/usher-id/usher/internal/flow/stage/all" // registers every stage kind
	"github.com/usher-id/usher/internal/http/api"
	"github.com/usher-id/usher/internal/http/console"
	"github.com/usher-id/usher/internal/http/flowpage"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/worker/mail"
	"github.com/usher-id/usher/internal/worker/outbox"
	"github.com/usher-id/usher/internal/worker/webhook"
)

// areas lists the HTTP areas usher serves, in mount order. The server
// itself always mounts /-/health/live/, /-/health/ready/ and /metrics.
// One policy engine and one executor serve the executor API and the flow pages.
func areas(a *app.App) ([]server.Area, error) {
	engine := policy.NewEngine(a)
	admin, err := console.New(a)
	if err != nil {
		return nil, fmt.Errorf("admin console templates: %w", err)
	}
	// One executor serves the JSON API and the pages, so they share one
	// flow configuration cache.
	exec := flow.NewExecutor(a, engine)
	return []server.Area{
		api.New(a),
		&flow.Handler{Exec: exec},
		&flowpage.Handler{Exec: exec},
		admin,
		brand.Assets{},
	}, nil
}

// workers are the background loops besides the leased cleanup jobs: the
// outbox (emails, webhooks) and the blueprint watcher. Each coordinates
// through the database, so every instance may run them.
type workers struct {
	outbox     *outbox.Worker
	blueprint  *blueprint.Watcher
	invitation *invitation.Retention
}

// setupWorkers builds the outbox worker with the email and webhook handlers
// and installs the webhook hook on the event recorder. It runs before the
// server starts so events recorded by the first requests are already
// matched against webhooks. It also wraps a.Store so that a request that
// queues an email or webhook wakes this instance's worker after the commit
// (other instances still poll).
func setupWorkers(a *app.App, cfg *config.Config) (*workers, error) {
	w := &outbox.Worker{Store: a.Store, Events: a.Events, Log: a.Log, Now: a.Now}
	d, err := mail.NewDeliverer(mail.Config{Host: cfg.Email.Host, Port: cfg.Email.Port, Username: cfg.Email.Username,
		Password: cfg.Email.Password, UseTLS: cfg.Email.UseTLS, UseSSL: cfg.Email.UseSSL, Timeout: cfg.Email.Timeout,
		From: cfg.Email.From}, a.TemplatesDir)
	if err != nil {
		return nil, fmt.Errorf("email templates: %w", err)
	}
	d.Register(w)
	n := webhook.New(webhook.Config{URL: cfg.Events.WebhookURL, Secret: cfg.Events.WebhookSecret,
		Actions: cfg.Events.WebhookActions})
	if n.Enabled() {
		n.Install(a.Events)
		n.Register(w)
	}
	a.Store = outbox.WakeOnCommit(a.Store, w.Wake)
	return &workers{outbox: w, blueprint: blueprint.NewWatcher(a),
		invitation: &invitation.Retention{App: a, Keep: cfg.InvitationRetention}}, nil
}

func (w *workers) start(ctx context.Context) {
	go w.outbox.Run(ctx)
	go w.blueprint.Run(ctx)
	go w.invitation.Run(ctx) // returns at once unless USHER_INVITATION_RETENTION is set
}
