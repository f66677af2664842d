package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/bench"
)

func init() {
	register(&Command{
		Name:    "bench",
		Summary: "Measure enrollment speed against an in-process server, or a running one (--url)",
		Usage:   "usher bench [flags]",
		Description: `Starts a real usher server in this process (the same application and routes as
'usher serve') on a fresh SQLite database in a temporary directory, or on the
PostgreSQL database given with --database-url, applies the example
invitation-enrollment blueprint and creates invitations. Then, for --duration each:

  1. flow start: clients open the invitation link with no session (the GET that
     shows the first form);
  2. enrollment: clients enroll as a browser without JavaScript does (open the
     link, fill both prompt pages, the account is created and logged in).

It prints requests and enrollments per second, p50/p99 latencies, the idle RSS
after start and the peak RSS, and what password hashing alone allows (cores ÷
hash time). Clients run in the same process and share its CPUs, so the figures
are a lower bound for the server.

With --url, the bench loads a separately started 'usher serve' instead, from
this process, the way a deployment is loaded: it imports the example blueprint
and creates one multi-use invitation through the API (--token: a superuser's
API token, such as the server's USHER_BOOTSTRAP_TOKEN), then measures flow
starts and enrollments over the HTML pages and over the JSON executor API
(authentik's web client protocol), and prints the server's own CPU time and
allocations per operation, read from its /metrics before and after each phase.
Use a throwaway server: the bench leaves its accounts and invitation there. USHER_DATA_DIR and USHER_DATABASE_URL are
ignored: the bench never writes to your usher database. A PostgreSQL database
given with --database-url gets bench users and invitations: use a throwaway one.`,
		Examples: `usher bench
usher bench --password-hash argon2id:m=8,t=1,p=1 --clients 16 --duration 10s
usher bench --database-url postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
usher bench --single-use --invitations 20000
usher bench --hash-only
usher bench --phase enroll --cpuprofile enroll.pprof
usher bench --url http://127.0.0.1:9000 --token "$USHER_BOOTSTRAP_TOKEN"`,
		Run: runBench,
	})
}

func runBench(ctx context.Context, env *Env, args []string) error {
	fs := env.Flags()
	var o bench.Options
	fs.IntVar(&o.Clients, "clients", 16, "concurrent clients")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "length of each measured phase")
	fs.DurationVar(&o.Warmup, "warmup", time.Second, "unmeasured enrollments before the phases")
	fs.StringVar(&o.Hash, "password-hash", env.Config.PasswordHash, "password hash for new accounts, as USHER_PASSWORD_HASH (argon2id:m=8,t=1,p=1 is the minimum cost)")
	fs.StringVar(&o.DatabaseURL, "database-url", "", "PostgreSQL URL of a throwaway database (default: SQLite in a temporary directory)")
	fs.StringVar(&o.FlowSlug, "flow", "invitation-enrollment-flow-external", "enrollment flow of the example blueprint to run")
	fs.BoolVar(&o.SingleUse, "single-use", false, "give every enrollment its own single-use invitation (default: one multi-use invitation)")
	fs.IntVar(&o.Invitations, "invitations", 20000, "single-use invitations to create with --single-use")
	fs.StringVar(&o.Phase, "phase", "all", "what to measure: all, start or enroll")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the measured phases to this file")
	fs.BoolVar(&o.HashOnly, "hash-only", false, "only measure the password hash limit (cores ÷ hash time)")
	fs.StringVar(&o.LogLevel, "log-level", "warn", "server log level (info logs one line per request)")
	fs.StringVar(&o.URL, "url", "", "load the usher already serving at this URL instead of one in this process")
	fs.StringVar(&o.Token, "token", "", "with --url: a superuser's API token for that server")
	fs.StringVar(&o.Front, "front", "both", "with --url: which front end to load: html (flow pages), json (executor API) or both")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Want(0, 0, ""); err != nil {
		return err
	}
	switch {
	case o.Clients < 1:
		return usageError{errors.New("--clients must be at least 1")}
	case o.Duration <= 0:
		return usageError{errors.New("--duration must be positive, e.g. 10s")}
	case o.Phase != "all" && o.Phase != "start" && o.Phase != "enroll":
		return usageError{fmt.Errorf("--phase %q: use all, start or enroll", o.Phase)}
	case o.SingleUse && o.Invitations < 1:
		return usageError{errors.New("--invitations must be at least 1")}
	}
	if o.URL != "" {
		if u, err := url.Parse(o.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usageError{fmt.Errorf("--url %q: give the server's base URL, e.g. http://127.0.0.1:9000", o.URL)}
		}
		if o.Front != "html" && o.Front != "json" && o.Front != "both" {
			return usageError{fmt.Errorf("--front %q: use html, json or both", o.Front)}
		}
		if o.Token == "" {
			return usageError{errors.New("--url needs --token: a superuser's API token for that server (its USHER_BOOTSTRAP_TOKEN, or one made in the admin console)")}
		}
		return bench.RunRemote(ctx, bench.Env{Config: env.Config, Stdout: env.Stdout, Stderr: env.Stderr, Version: version()}, o)
	}
	if _, err := auth.ParsePasswordHash(o.Hash); err != nil {
		return usageError{fmt.Errorf("--password-hash: %w", err)}
	}
	return bench.Run(ctx, bench.Env{Config: env.Config, Stdout: env.Stdout, Stderr: env.Stderr, Version: version()}, o)
}
