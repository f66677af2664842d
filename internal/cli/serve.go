package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"github.com/usher-id/usher/internal/blueprint"
	"net"
	"os"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/config"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/store"
)

func init() {
	register(&Command{
		Name:    "serve",
		Summary: "Run the usher server",
		Usage:   "usher serve [flags]",
		Description: `Starts the HTTP server on USHER_LISTEN (default 127.0.0.1:9000). Pending database
migrations are applied first. On the very first start an administrator "akadmin" is
created with the password from USHER_BOOTSTRAP_PASSWORD, or a generated one-time
password that is printed once to the log. Several instances may share one PostgreSQL
database. Stop with Ctrl-C or SIGTERM; requests in flight are finished first.`,
		Examples: `usher serve
USHER_LISTEN=0.0.0.0:9000 USHER_DATA_DIR=/var/lib/usher usher serve
USHER_DATABASE_URL=postgres://usher:secret@db/usher usher serve
usher --config /etc/usher/usher.yaml serve`,
		Run: runServe,
	})
}

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := env.Flags()
	doMigrate := fs.Bool("migrate", true, "apply pending database migrations before serving")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Want(0, 0, ""); err != nil {
		return err
	}
	cfg := env.Config
	// Take the port first: a port in use should fail before anything is
	// written to the database.
	ln, err := server.Listen(cfg.Listen)
	if err != nil {
		return err
	}
	defer ln.Close()

	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	env.store = st // Main closes it
	if *doMigrate {
		err = migrate(ctx, st)
	} else {
		err = checkSchema(ctx, st)
	}
	if err != nil {
		return err
	}
	a, err := env.App(ctx)
	if err != nil {
		return err
	}
	a.Log.Info("usher starting", "version", a.Version, "database", st.Dialect(), "config", cfg)

	res, err := auth.Bootstrap(ctx, st, a.Passwords, auth.BootstrapOptions{
		Password: cfg.BootstrapPassword, Token: cfg.BootstrapToken, Email: cfg.BootstrapEmail, Now: a.Clock()})
	if err != nil {
		return err
	}
	base := baseURL(cfg, ln.Addr())
	if res.Created {
		attrs := []any{"username", auth.AdminUsername, "login_url", base + "/if/flow/default-authentication-flow/",
			"api_token", cfg.BootstrapToken != ""}
		if res.GeneratedPassword != "" {
			// Printed this once, as the operator asked for no password;
			// it is not stored anywhere else.
			attrs = append(attrs, "one_time_password", res.GeneratedPassword)
			a.Log.Warn("created administrator with a generated password; log in and change it", attrs...)
		} else {
			a.Log.Info("created administrator", attrs...)
		}
	}

	// usher's own login/logout flows and default brand are embedded
	// blueprints; "created" entries leave an administrator's edits alone.
	if err := blueprint.ApplyDefaults(ctx, a); err != nil {
		return err
	}
	wk, err := setupWorkers(a, cfg)
	if err != nil {
		return err
	}
	mounted, err := areas(a)
	if err != nil {
		return err
	}
	srv := server.New(a, server.Options{
		TrustedProxies: cfg.TrustedProxies,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		BodyLimits: map[string]int64{"/api/v3/managed/blueprints/": cfg.BlueprintMaxBytes + 64<<10,
			"/if/admin/flows/import/": cfg.BlueprintMaxBytes + 64<<10},
	}, mounted...)

	loopCtx, stopLoops := context.WithCancel(ctx)
	defer stopLoops()
	startBackground(loopCtx, a)
	wk.start(loopCtx)

	a.Log.Info("usher listening", "addr", ln.Addr().String(), "url", base+"/")
	return srv.Serve(ctx, ln)
}

// baseURL is USHER_EXTERNAL_URL, or http:// plus the address actually
// listened on (a wildcard host shown as 127.0.0.1).
func baseURL(cfg *config.Config, addr net.Addr) string {
	if cfg.ExternalURL != "" {
		return strings.TrimRight(cfg.ExternalURL, "/")
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + cfg.Listen
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// background is one periodic job; a lease makes sure only one instance
// runs it at a time.
type background struct {
	name     string
	interval time.Duration
	run      func(ctx context.Context, q store.Queries, now time.Time) (int, error)
}

var backgroundJobs = []background{
	{"session-cleanup", 10 * time.Minute, func(ctx context.Context, q store.Queries, now time.Time) (int, error) {
		return q.DeleteExpiredSessions(ctx, now)
	}},
	{"ratelimit-cleanup", 10 * time.Minute, func(ctx context.Context, q store.Queries, now time.Time) (int, error) {
		return q.DeleteExpiredHits(ctx, now)
	}},
	{"event-retention", time.Hour, func(ctx context.Context, q store.Queries, now time.Time) (int, error) {
		return q.DeleteExpiredEvents(ctx, now)
	}},
}

// startBackground runs each job now and then every interval until ctx ends.
func startBackground(ctx context.Context, a *app.App) {
	holder := instanceID()
	for _, job := range backgroundJobs {
		go func() {
			t := time.NewTicker(job.interval)
			defer t.Stop()
			for {
				runJob(ctx, a, holder, job)
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
}

func runJob(ctx context.Context, a *app.App, holder string, job background) {
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
