package cli

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/domain/keypair"

	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/boot"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/config"
	"github.com/usher-id/usher/internal/http/server"
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
	var debugAddr net.Addr
	if cfg.DebugListen != "" {
		stop, addr, err := serveDebug(cfg.DebugListen)
		if err != nil {
			return err
		}
		defer stop()
		debugAddr = addr
	}

	st, err := boot.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	env.store = st // Main closes it
	if *doMigrate {
		err = boot.Migrate(ctx, st)
	} else {
		err = boot.CheckSchema(ctx, st)
	}
	if err != nil {
		return err
	}
	a, err := env.App(ctx)
	if err != nil {
		return err
	}
	mem := auth.TuneMemory(a.Passwords)
	a.Log.Info("usher starting", "version", a.Version, "database", st.Dialect(), "config", cfg, "memory", mem.String())

	res, err := auth.Bootstrap(ctx, st, a.Passwords, auth.BootstrapOptions{
		Password: cfg.BootstrapPassword, Token: cfg.BootstrapToken, Email: cfg.BootstrapEmail, Now: a.Clock()})
	if err != nil {
		return err
	}
	base := baseURL(cfg, ln.Addr())
	// Where this server answers, for the CLI's links (see actorFlags.base).
	if err := st.SetSetting(ctx, settingServerURL, base); err != nil {
		return err
	}
	// Whether this server delivers email, for the CLI's --send (see
	// Env.App); this process goes by its own configuration.
	a.EmailNotConfigured = !cfg.EmailConfigured()
	emailState := emailConfigured
	if a.EmailNotConfigured {
		emailState = "no"
		a.Log.Info("email is not configured (set USHER_EMAIL__HOST): invitations are shared by link, not sent by email")
	}
	if err := st.SetSetting(ctx, settingServerEmail, emailState); err != nil {
		return err
	}
	if res.Created {
		attrs := []any{"username", auth.AdminUsername, "login_url", base + "/if/flow/default-authentication-flow/",
			"api_token", cfg.BootstrapToken != ""}
		if res.GeneratedPassword != "" {
			// Printed this once, as the operator asked for no password, in
			// a block of its own on the terminal rather than in a log line
			// (logs are shipped and kept; the password must not be).
			printFirstLogin(env.Stderr, base+"/if/flow/default-authentication-flow/", res.GeneratedPassword)
			a.Log.Warn("created administrator with a generated password (printed above, not logged); log in and change it", attrs...)
		} else {
			a.Log.Info("created administrator", attrs...)
		}
	}

	// usher's own login/logout flows and default brand are embedded
	// blueprints; "created" entries leave an administrator's edits alone.
	// The key pair OpenID providers sign with unless they name another;
	// created before any blueprint may !Find it by name; stored in the database, so every instance signs with the same key.
	if _, err := keypair.EnsureDefault(ctx, a.Store); err != nil {
		return fmt.Errorf("default signing key: %w", err)
	}
	if err := blueprint.ApplyDefaults(ctx, a); err != nil {
		return err
	}
	wk, err := boot.NewWorkers(a, cfg)
	if err != nil {
		return err
	}
	srv, err := boot.Server(a, server.Options{TrustedProxies: cfg.TrustedProxies, MaxBodyBytes: cfg.MaxBodyBytes})
	if err != nil {
		return err
	}

	loopCtx, stopLoops := context.WithCancel(ctx)
	defer stopLoops()
	wk.Start(loopCtx)

	// Start-up is done: the bootstrap's password hash (19 MiB with the
	// default argon2id) need not stay resident.
	auth.ReleaseMemory()
	if debugAddr != nil {
		a.Log.Info("debug listener serving the profiler", "addr", debugAddr.String(), "url", "http://"+debugAddr.String()+"/debug/pprof/")
	}
	a.Log.Info("usher listening", "addr", ln.Addr().String(), "url", base+"/")
	return srv.Serve(ctx, ln)
}

// serveDebug opens USHER_DEBUG_LISTEN (the configuration accepted only a
// loopback address) and serves Go's profiler on it until stop.
func serveDebug(addr string) (stop func(), at net.Addr, err error) {
	dl, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("USHER_DEBUG_LISTEN %s: %w", addr, err)
	}
	if ta, ok := dl.Addr().(*net.TCPAddr); !ok || !ta.IP.IsLoopback() {
		dl.Close()
		return nil, nil, fmt.Errorf("USHER_DEBUG_LISTEN %s resolved to %s, which is not a loopback address", addr, dl.Addr())
	}
	ds := &http.Server{Handler: server.DebugHandler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = ds.Serve(dl) }() // ends with Close
	return func() { ds.Close() }, dl.Addr(), nil
}

// baseURL is USHER_EXTERNAL_URL, or http:// plus the address actually
// listened on (a wildcard host shown as 127.0.0.1).
// settingServerURL records the base URL of the last server started on the
// database.
const settingServerURL = "server_url"

// settingServerEmail records whether the last server started on this
// database has an SMTP server configured (emailConfigured) or not.
const (
	settingServerEmail = "server_email"
	emailConfigured    = "configured"
)

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

// printFirstLogin frames the first sign-in details so they stand out from
// the request logs that follow.
func printFirstLogin(w io.Writer, loginURL, password string) {
	lines := []string{
		"usher is ready. Sign in as the administrator:",
		"",
		"  URL:       " + loginURL,
		"  Username:  " + auth.AdminUsername,
		"  Password:  " + password,
		"",
		"This password is shown only now and serves to sign in once:",
		"the console then asks you to choose your own. To pick it",
		"yourself, set USHER_BOOTSTRAP_PASSWORD before the first start.",
	}
	width := 0
	for _, l := range lines {
		width = max(width, len(l))
	}
	bar := "+" + strings.Repeat("-", width+2) + "+"
	fmt.Fprintln(w, bar)
	for _, l := range lines {
		fmt.Fprintf(w, "| %-*s |\n", width, l)
	}
	fmt.Fprintln(w, bar)
}
