// Package bench is usher's load harness: it starts a real usher (the same
// app, handler and workers as the serve command, through boot) on a
// throwaway database, applies authentik's example enrollment blueprint and
// measures flow starts and whole enrollments with clients that behave like
// a browser without JavaScript. The bench command of the CLI runs it.
package bench

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/benchstat"
	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/boot"
	"github.com/usher-id/usher/internal/config"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/store"
)

// benchBlueprint is the example blueprint of authentik's invitation
// documentation (flows-invitation-enrollment.yaml), unmodified.
//
//go:embed data/flows-invitation-enrollment.yaml
var benchBlueprint []byte

// Options are the bench's settings; the bench command fills them from its
// flags and has already checked them.
type Options struct {
	Clients     int           // concurrent clients
	Duration    time.Duration // length of each measured phase
	Warmup      time.Duration // unmeasured enrollments before the phases
	Hash        string        // password hash for new accounts, as USHER_PASSWORD_HASH
	DatabaseURL string        // PostgreSQL URL of a throwaway database; empty for SQLite in a temp dir
	FlowSlug    string        // enrollment flow of the example blueprint
	SingleUse   bool          // one single-use invitation per enrollment
	Invitations int           // single-use invitations to create
	Phase       string        // all, start or enroll
	CPUProfile  string        // file for a CPU profile of the measured phases
	HashOnly    bool          // only measure the password hash limit
	LogLevel    string        // server log level
	// URL of a separately started usher to load instead of one in this
	// process (RunRemote); Token is a superuser's API token for it.
	URL   string
	Token string
	Front string // with URL: html, json or both
}

// Env is what the bench takes from its caller: the validated
// configuration (its data directory and database are replaced by
// throwaway ones), where to write the report and the server log, and the
// version to report.
type Env struct {
	Config  *config.Config
	Stdout  io.Writer
	Stderr  io.Writer
	Version string
}

// Run starts the server, runs the phases o asks for and writes the report
// to env.Stdout.
func Run(ctx context.Context, env Env, o Options) error {
	pw, err := auth.ParsePasswordHash(o.Hash)
	if err != nil {
		return fmt.Errorf("--password-hash: %w", err)
	}
	hashName := o.Hash
	if hashName == "" || hashName == "argon2id" {
		hashName = auth.DefaultPasswordHash + " (default)"
	}
	out := env.Stdout
	if o.HashOnly {
		h, err := measureHash(pw, min(o.Duration, 4*time.Second))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "password hash  %s\n", hashName)
		printHashLimit(out, h)
		return nil
	}

	mem := auth.TuneMemory(pw) // as serve does
	b, err := startBenchServer(ctx, env, o)
	if err != nil {
		return err
	}
	defer b.close()
	idle := benchstat.ProcStatusMiB("VmRSS")
	// The runtime hands freed memory back to the OS within minutes (the
	// bootstrap's password hash alone is 19 MiB with the default argon2id);
	// FreeOSMemory does it now, to show what an idle server settles at.
	debug.FreeOSMemory()
	idleSettled := benchstat.ProcStatusMiB("VmRSS")

	h, err := measureHash(pw, 2*time.Second)
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "usher bench: %s, %d clients, %s per phase, GOMAXPROCS %d, %s\n",
		b.dbDesc, o.Clients, o.Duration, runtime.GOMAXPROCS(0), runtime.Version())
	invDesc := "one multi-use invitation"
	if o.SingleUse {
		invDesc = fmt.Sprintf("%d single-use invitations", o.Invitations)
	}
	fmt.Fprintf(out, "flow %s, %s, password hash %s\n", o.FlowSlug, invDesc, hashName)
	fmt.Fprintf(out, "memory policy %s\n", mem)

	if o.CPUProfile != "" {
		f, err := os.Create(o.CPUProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if o.Warmup > 0 {
		runPhase(o.Clients, o.Warmup, b.enrollOnce)
	}
	if o.Phase != "enroll" {
		r := runPhase(o.Clients, o.Duration, b.startOnce)
		fmt.Fprintf(out, "\nflow start (GET of the first challenge, new session)\n")
		fmt.Fprintf(out, "  requests/s        %8.1f   (%d in %s, %d failed)\n", r.rate(), r.ops, r.elapsed.Round(time.Millisecond), r.failed)
		fmt.Fprintf(out, "  latency           p50 %s   p99 %s\n", msec(benchstat.Percentile(r.opLat, 50)), msec(benchstat.Percentile(r.opLat, 99)))
		r.printCPU(out, "start")
		r.printError(out)
	}
	if o.Phase != "start" {
		r := runPhase(o.Clients, o.Duration, b.enrollOnce)
		fmt.Fprintf(out, "\nenrollment (open link, 2 prompt pages, account created, logged in)\n")
		fmt.Fprintf(out, "  enrollments/s     %8.1f   (%d in %s, %d failed)\n", r.rate(), r.ops, r.elapsed.Round(time.Millisecond), r.failed)
		fmt.Fprintf(out, "  per enrollment    p50 %s   p99 %s\n", msec(benchstat.Percentile(r.opLat, 50)), msec(benchstat.Percentile(r.opLat, 99)))
		perEnroll := 0.0
		if r.ops > 0 {
			perEnroll = float64(len(r.reqLat)) / float64(r.ops+r.failed)
		}
		fmt.Fprintf(out, "  per request       p50 %s   p99 %s   (%.1f requests per enrollment)\n",
			msec(benchstat.Percentile(r.reqLat, 50)), msec(benchstat.Percentile(r.reqLat, 99)), perEnroll)
		r.printCPU(out, "enroll")
		if l := h.limit(); l > 0 {
			fmt.Fprintf(out, "  of the hash limit %7.1f%%\n", 100*r.rate()/l)
		}
		r.printError(out)
		if err := b.verify(ctx, out); err != nil {
			return err
		}
	}
	pprof.StopCPUProfile()

	fmt.Fprintf(out, "\npassword hash\n")
	printHashLimit(out, h)
	fmt.Fprintf(out, "\nmemory (this process: server and clients)\n")
	fmt.Fprintf(out, "  idle RSS          %6.1f MiB   (VmRSS after start, before load; %.1f MiB once freed memory is returned to the OS)\n", idle, idleSettled)
	fmt.Fprintf(out, "  peak RSS          %6.1f MiB   (VmHWM)\n", benchstat.ProcStatusMiB("VmHWM"))
	return nil
}

func printHashLimit(w io.Writer, h hashCost) {
	fmt.Fprintf(w, "  one hash          %s on one core\n", msec(h.single))
	fmt.Fprintf(w, "  hash limit        %8.1f /s   (%d cores ÷ hash time; measured with %d workers: %.1f/s)\n",
		h.limit(), h.cores, h.cores, h.parallel)
}

// benchServer is the server under test and what the clients need.
type benchServer struct {
	a       *app.App
	base    string
	dbDesc  string
	links   []string // invitation links; single use takes one each
	next    atomic.Int64
	prefix  string // user names are prefix + a counter
	tr      *http.Transport
	cancel  context.CancelFunc
	done    chan error
	tempDir string
	st      store.Store // closed by close
}

// startBenchServer builds the app as serve does, on a temporary SQLite
// database or the given PostgreSQL, with the example blueprint applied.
func startBenchServer(ctx context.Context, env Env, o Options) (*benchServer, error) {
	cfg := *env.Config
	tmp, err := os.MkdirTemp("", "usher-bench-")
	if err != nil {
		return nil, err
	}
	b := &benchServer{tempDir: tmp}
	ok := false
	defer func() {
		if !ok {
			b.close()
		}
	}()
	cfg.DataDir, cfg.DatabaseURL, cfg.PasswordHash = tmp, o.DatabaseURL, o.Hash
	cfg.BlueprintsDir = filepath.Join(tmp, "blueprints") // never the operator's blueprints
	cfg.Listen, cfg.ExternalURL = "127.0.0.1:0", ""
	cfg.LogLevel = o.LogLevel
	log := server.NewLogger(env.Stderr, cfg.LogLevel, cfg.LogFormat)
	if err := os.MkdirAll(cfg.BlueprintsDir, 0o750); err != nil {
		return nil, err
	}
	ln, err := server.Listen(cfg.Listen)
	if err != nil {
		return nil, err
	}
	st, err := boot.OpenStore(ctx, &cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	b.st = st // close closes it
	b.dbDesc = "sqlite " + cfg.DatabasePath()
	if cfg.Postgres() {
		b.dbDesc = "postgresql"
	}
	if err := boot.Migrate(ctx, st); err != nil {
		ln.Close()
		return nil, err
	}
	a, err := boot.NewApp(ctx, &cfg, st, log, env.Version)
	if err != nil {
		ln.Close()
		return nil, err
	}
	b.a = a
	res, err := auth.Bootstrap(ctx, st, a.Passwords, auth.BootstrapOptions{Now: a.Clock()})
	if err != nil {
		ln.Close()
		return nil, err
	}
	admin := res.User
	if !res.Created {
		if admin, err = st.GetUserByUsername(ctx, auth.AdminUsername); err != nil {
			ln.Close()
			return nil, fmt.Errorf("find %s: %w", auth.AdminUsername, err)
		}
	}
	if err := blueprint.ApplyDefaults(ctx, a); err != nil {
		ln.Close()
		return nil, err
	}
	if err := applyBenchBlueprint(ctx, a); err != nil {
		ln.Close()
		return nil, err
	}
	if err := b.createInvitations(ctx, o, admin.PK); err != nil {
		ln.Close()
		return nil, err
	}

	wk, err := boot.NewWorkers(a, &cfg)
	if err != nil {
		ln.Close()
		return nil, err
	}
	srv, err := boot.Server(a, server.Options{TrustedProxies: cfg.TrustedProxies, MaxBodyBytes: cfg.MaxBodyBytes})
	if err != nil {
		ln.Close()
		return nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	b.cancel, b.done = cancel, make(chan error, 1)
	wk.Start(sctx)
	go func() { b.done <- srv.Serve(sctx, ln) }()
	b.base = "http://" + ln.Addr().String()
	b.tr = &http.Transport{MaxIdleConns: 4 * o.Clients, MaxIdleConnsPerHost: 4 * o.Clients, DisableCompression: true}
	rnd := make([]byte, 3)
	_, _ = rand.Read(rnd)
	b.prefix = "bench-" + hex.EncodeToString(rnd) + "-"
	ok = true
	time.Sleep(200 * time.Millisecond) // let the background jobs' first run pass
	return b, nil
}

func applyBenchBlueprint(ctx context.Context, a *app.App) error {
	bp, err := blueprint.Parse(benchBlueprint, "flows-invitation-enrollment.yaml")
	if err != nil {
		return err
	}
	if _, err := blueprint.Apply(ctx, a, bp, blueprint.Options{Trusted: true}); err != nil {
		return fmt.Errorf("apply the example blueprint: %w", err)
	}
	return nil
}

// createInvitations makes one multi-use invitation, or o.Invitations
// single-use ones, for the bench flow.
func (b *benchServer) createInvitations(ctx context.Context, o Options, adminPK int64) error {
	f, err := b.a.Store.GetFlowBySlug(ctx, o.FlowSlug)
	if err != nil {
		return fmt.Errorf("--flow %s: %w (use a flow of the example blueprint)", o.FlowSlug, err)
	}
	n, maxUses := 1, (*int)(nil)
	if o.SingleUse {
		one := 1
		n, maxUses = o.Invitations, &one
	}
	return b.a.Store.Tx(ctx, func(q store.Queries) error {
		for i := range n {
			inv := store.Invitation{Name: "bench-" + strconv.Itoa(i), Expiring: true, Flow: &f.UUID, MaxUses: maxUses,
				CreatedBy: adminPK, FixedData: map[string]any{}}
			if err := q.CreateInvitation(ctx, &inv); err != nil {
				return err
			}
			b.links = append(b.links, "/if/flow/"+f.Slug+"/?itoken="+inv.UUID)
		}
		return nil
	})
}

func (b *benchServer) close() {
	if b.cancel != nil {
		b.cancel()
		<-b.done
	}
	if b.tr != nil {
		b.tr.CloseIdleConnections()
	}
	if b.st != nil {
		b.st.Close()
	}
	if b.tempDir != "" {
		os.RemoveAll(b.tempDir)
	}
}

func (b *benchServer) browser(lat *[]time.Duration) *benchBrowser {
	return &benchBrowser{base: b.base, lat: lat, http: &http.Client{Transport: b.tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// link returns the invitation link for the next enrollment ("" when the
// single-use invitations ran out).
func (b *benchServer) link(take bool) string {
	if len(b.links) == 1 {
		return b.links[0]
	}
	i := int(b.next.Load())
	if take {
		i = int(b.next.Add(1)) - 1
	}
	if i >= len(b.links) {
		return ""
	}
	return b.links[i]
}

var errNoInvitations = errors.New("the single-use invitations ran out (raise --invitations)")

// startOnce opens the link in a new browser: the first form must show.
func (b *benchServer) startOnce(reqLat *[]time.Duration) error {
	link := b.link(false)
	if link == "" {
		return errNoInvitations
	}
	p, err := b.browser(reqLat).open(link)
	if err != nil {
		return err
	}
	if p.status != http.StatusOK || !strings.Contains(p.body, "<form") {
		return fmt.Errorf("flow start: HTTP %d: %s", p.status, pageMessage(p.body))
	}
	return nil
}

// enrollOnce runs one complete enrollment in a new browser.
func (b *benchServer) enrollOnce(reqLat *[]time.Duration) error {
	_, err := b.enroll(reqLat)
	return err
}

func (b *benchServer) enroll(reqLat *[]time.Duration) (*benchBrowser, error) {
	link := b.link(true)
	if link == "" {
		return nil, errNoInvitations
	}
	br := b.browser(reqLat)
	id := b.prefix + strconv.FormatInt(benchUserSeq.Add(1), 10)
	to, err := br.enroll(link, id)
	if err != nil {
		return nil, err
	}
	if to != "/" {
		return nil, fmt.Errorf("enrollment ended at %q, want /", to)
	}
	return br, nil
}

var benchUserSeq atomic.Int64

// verify checks that one more enrollment logs its browser in as the new
// account, and that every enrollment that succeeded created one.
func (b *benchServer) verify(ctx context.Context, w io.Writer) error {
	br, err := b.enroll(nil)
	if errors.Is(err, errNoInvitations) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check enrollment: %w", err)
	}
	p, err := br.do(http.MethodGet, "/api/v3/core/users/me/", nil)
	if err != nil {
		return err
	}
	want := b.prefix + strconv.FormatInt(benchUserSeq.Load(), 10)
	if p.status != http.StatusOK || !strings.Contains(p.body, `"username":"`+want+`"`) {
		return fmt.Errorf("after enrolling, /api/v3/core/users/me/ answered %d %.200s; want user %s logged in", p.status, p.body, want)
	}
	_, n, err := b.a.Store.ListUsers(ctx, store.UserFilter{Search: b.prefix, Limit: 1})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  check             %d accounts created in all, the last one logged in\n", n)
	return nil
}

// phaseResult is what a phase measured.
type phaseResult struct {
	ops, failed int
	elapsed     time.Duration
	cpu         time.Duration // user + system time of the process
	opLat       []time.Duration
	reqLat      []time.Duration
	firstErr    error
}

func (r phaseResult) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ops) / r.elapsed.Seconds()
}

func (r phaseResult) printError(w io.Writer) {
	if r.firstErr != nil {
		fmt.Fprintf(w, "  first failure     %v\n", r.firstErr)
	}
}

// runPhase runs op on clients goroutines until d has passed; operations
// running at the deadline finish and count.
func runPhase(clients int, d time.Duration, op func(reqLat *[]time.Duration) error) phaseResult {
	var mu sync.Mutex
	var res phaseResult
	var wg sync.WaitGroup
	cpu0 := processCPU()
	start := time.Now()
	deadline := start.Add(d)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ops, reqs []time.Duration
			failed := 0
			var first error
			for time.Now().Before(deadline) {
				t0 := time.Now()
				if err := op(&reqs); err != nil {
					failed++
					if first == nil {
						first = err
					}
					if errors.Is(err, errNoInvitations) {
						break
					}
					continue
				}
				ops = append(ops, time.Since(t0))
			}
			mu.Lock()
			defer mu.Unlock()
			res.ops += len(ops)
			res.failed += failed
			res.opLat = append(res.opLat, ops...)
			res.reqLat = append(res.reqLat, reqs...)
			if res.firstErr == nil {
				res.firstErr = first
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.cpu = processCPU() - cpu0
	return res
}

// cpuPerOp is the process CPU time (server and clients) per operation.
func (r phaseResult) cpuPerOp() time.Duration {
	if r.ops == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.ops)
}

// printCPU shows the CPU cost per operation and the rate it would allow
// with every core to itself: on a machine shared with other work, the
// measured rate understates what usher does alone.
func (r phaseResult) printCPU(w io.Writer, unit string) {
	per := r.cpuPerOp()
	if per <= 0 {
		return
	}
	share := r.cpu.Seconds() / r.elapsed.Seconds() / float64(runtime.GOMAXPROCS(0))
	fmt.Fprintf(w, "  CPU per %-9s %s   (process used %.0f%% of %d cores; %.1f%s/s if it had them all)\n",
		unit, msec(per), 100*share, runtime.GOMAXPROCS(0), float64(runtime.GOMAXPROCS(0))/per.Seconds(), "")
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func msec(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) + " ms"
}
