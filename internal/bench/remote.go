package bench

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/benchstat"
)

// remote loads a separately started `usher serve` over HTTP, the way a
// deployment is loaded, and reads the server's own CPU time and
// allocations from its /metrics (process_cpu_seconds_total,
// go_memstats_mallocs_total) before and after each phase: the client's
// CPU is not in the figures.
type remote struct {
	base, token string
	slug, link  string // the flow and invitation link the clients open
	tr          *http.Transport
	prefix      string
	seq         atomic.Int64
}

// serverStats is what /metrics says about the server process.
type serverStats struct {
	cpu               float64 // seconds
	mallocs           float64
	rss, peakRSS      float64 // bytes
	requests          float64 // usher_http_requests_total, all routes
	gcCycles          float64
	hasCPU, hasMalloc bool
}

// RunRemote benchmarks the server at o.URL: it imports the example
// blueprint through the API (o.Token must be a superuser's API token),
// creates one multi-use invitation, and measures flow starts and whole
// enrollments over the HTML pages and over the JSON executor API.
func RunRemote(ctx context.Context, env Env, o Options) error {
	out := env.Stdout
	r := &remote{base: strings.TrimRight(o.URL, "/"), token: o.Token, slug: o.FlowSlug,
		tr: &http.Transport{MaxIdleConns: 4 * o.Clients, MaxIdleConnsPerHost: 4 * o.Clients, DisableCompression: true}}
	defer r.tr.CloseIdleConnections()
	rnd := make([]byte, 3)
	_, _ = rand.Read(rnd)
	r.prefix = "bench-" + hex.EncodeToString(rnd) + "-"
	before, err := r.stats()
	if err != nil {
		return err
	}
	if !before.hasCPU {
		fmt.Fprintf(env.Stderr, "usher bench: %s/metrics has no process_cpu_seconds_total (an older usher): rates only, no server CPU\n", r.base)
	}
	if err := r.setup(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "usher bench --url %s: %d clients, %s per phase, server RSS %.1f MiB before load\n",
		r.base, o.Clients, o.Duration, before.rss/(1<<20))
	fmt.Fprintf(out, "flow %s, one multi-use invitation; server CPU and allocations from its /metrics\n", r.slug)
	if o.Warmup > 0 {
		runPhase(o.Clients, o.Warmup, r.enrollHTML)
	}
	phases := []struct {
		name, front, what, unit string
		op                      func(*[]time.Duration) error
	}{
		{"start", "html", "flow start, HTML page (GET of the first form, new session)", "start", r.startHTML},
		{"start", "json", "flow start, JSON executor (GET of the first challenge, new session)", "start", r.startJSON},
		{"enroll", "html", "enrollment, HTML pages (browser without JavaScript)", "enroll", r.enrollHTML},
		{"enroll", "json", "enrollment, JSON executor (authentik's web client protocol)", "enroll", r.enrollJSON},
	}
	for _, p := range phases {
		if o.Phase != "all" && o.Phase != p.name || o.Front != "" && o.Front != "both" && o.Front != p.front {
			continue
		}
		s0, err := r.stats()
		if err != nil {
			return err
		}
		res := runPhase(o.Clients, o.Duration, p.op)
		s1, err := r.stats()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\n%s\n", p.what)
		fmt.Fprintf(out, "  per second        %8.1f   (%d in %s, %d failed)\n", res.rate(), res.ops, res.elapsed.Round(time.Millisecond), res.failed)
		fmt.Fprintf(out, "  latency           p50 %s   p99 %s\n", msec(benchstat.Percentile(res.opLat, 50)), msec(benchstat.Percentile(res.opLat, 99)))
		if res.ops > 0 && s1.hasCPU {
			n := float64(res.ops + res.failed)
			cpu := (s1.cpu - s0.cpu) / n
			fmt.Fprintf(out, "  server CPU per %-6s %s   (server used %.2f cores; %.1f requests per %s)\n",
				p.unit, msec(time.Duration(cpu*float64(time.Second))), (s1.cpu-s0.cpu)/res.elapsed.Seconds(),
				(s1.requests-s0.requests-1)/n, p.unit)
			if s1.hasMalloc {
				fmt.Fprintf(out, "  server allocations %7.0f per %s   (%.2f garbage collections per %s)\n",
					(s1.mallocs-s0.mallocs)/n, p.unit, (s1.gcCycles-s0.gcCycles)/n, p.unit)
			}
		}
		res.printError(out)
	}
	after, err := r.stats()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nserver memory\n  RSS now           %6.1f MiB\n  peak RSS          %6.1f MiB   (VmHWM since the server started)\n",
		after.rss/(1<<20), after.peakRSS/(1<<20))
	return r.verify(out)
}

// stats reads the server's /metrics.
func (r *remote) stats() (serverStats, error) {
	resp, err := (&http.Client{Transport: r.tr, Timeout: 10 * time.Second}).Get(r.base + "/metrics")
	if err != nil {
		return serverStats{}, fmt.Errorf("read %s/metrics: %w", r.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return serverStats{}, fmt.Errorf("read %s/metrics: HTTP %d", r.base, resp.StatusCode)
	}
	var s serverStats
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ') // label values may hold spaces
		if i < 0 {
			continue
		}
		name, val := line[:i], line[i+1:]
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			continue
		}
		switch {
		case name == "process_cpu_seconds_total":
			s.cpu, s.hasCPU = v, true
		case name == "go_memstats_mallocs_total":
			s.mallocs, s.hasMalloc = v, true
		case name == "go_gc_cycles_total":
			s.gcCycles = v
		case name == "process_resident_memory_bytes":
			s.rss = v
		case name == "process_resident_memory_max_bytes":
			s.peakRSS = v
		case strings.HasPrefix(name, "usher_http_requests_total{"):
			s.requests += v
		}
	}
	return s, sc.Err()
}

// api calls the server's API with the token; out (when not nil) receives
// the JSON answer.
func (r *remote) api(method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequest(method, r.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+r.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := (&http.Client{Transport: r.tr, Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			return fmt.Errorf("%s %s: HTTP %d: --token must be a superuser's API token (USHER_BOOTSTRAP_TOKEN of the server's first start, or one made in the admin console)", method, path, resp.StatusCode)
		}
		return fmt.Errorf("%s %s: HTTP %d: %.300s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// setup imports the example blueprint and creates a multi-use invitation
// for the bench flow.
func (r *remote) setup(ctx context.Context) error {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", "flows-invitation-enrollment.yaml")
	if err != nil {
		return err
	}
	_, _ = fw.Write(benchBlueprint)
	mw.Close()
	if err := r.api(http.MethodPost, "/api/v3/managed/blueprints/import/", mw.FormDataContentType(), &body, nil); err != nil {
		return fmt.Errorf("import the example blueprint: %w", err)
	}
	var f struct {
		PK string `json:"pk"`
	}
	if err := r.api(http.MethodGet, "/api/v3/flows/instances/"+url.PathEscape(r.slug)+"/", "", nil, &f); err != nil {
		return fmt.Errorf("--flow %s: %w", r.slug, err)
	}
	inv, _ := json.Marshal(map[string]any{"name": strings.TrimSuffix(r.prefix, "-"), "flow": f.PK, "single_use": false, "fixed_data": map[string]any{}})
	var created struct {
		PK string `json:"pk"`
	}
	if err := r.api(http.MethodPost, "/api/v3/stages/invitation/invitations/", "application/json", bytes.NewReader(inv), &created); err != nil {
		return fmt.Errorf("create an invitation: %w", err)
	}
	r.link = "itoken=" + created.PK
	return nil
}

func (r *remote) browser(lat *[]time.Duration) *benchBrowser {
	return &benchBrowser{base: r.base, lat: lat, http: &http.Client{Transport: r.tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (r *remote) id() string { return r.prefix + strconv.FormatInt(r.seq.Add(1), 10) }

func (r *remote) startHTML(lat *[]time.Duration) error {
	p, err := r.browser(lat).open("/if/flow/" + r.slug + "/?" + r.link)
	if err != nil {
		return err
	}
	if p.status != http.StatusOK || !strings.Contains(p.body, "<form") {
		return fmt.Errorf("flow start: HTTP %d: %s", p.status, pageMessage(p.body))
	}
	return nil
}

func (r *remote) enrollHTML(lat *[]time.Duration) error {
	to, err := r.browser(lat).enroll("/if/flow/"+r.slug+"/?"+r.link, r.id())
	if err == nil && to != "/" {
		err = fmt.Errorf("enrollment ended at %q, want /", to)
	}
	return err
}

func (r *remote) executorURL() string {
	return "/api/v3/flows/executor/" + r.slug + "/?query=" + url.QueryEscape(r.link)
}

func (r *remote) startJSON(lat *[]time.Duration) error {
	ch, err := r.browser(lat).challenge(http.MethodGet, r.executorURL(), nil)
	if err != nil {
		return err
	}
	if ch.Component != "ak-stage-prompt" {
		return fmt.Errorf("flow start: %s %s", ch.Component, ch.ErrorMessage)
	}
	return nil
}

func (r *remote) enrollJSON(lat *[]time.Duration) error {
	_, err := r.browser(lat).enrollJSON(r.executorURL(), r.id())
	return err
}

// verify enrolls once more over the JSON executor and checks that the
// client is logged in as the new account.
func (r *remote) verify(w io.Writer) error {
	b := r.browser(nil)
	id := r.id()
	to, err := b.enrollJSON(r.executorURL(), id)
	if err != nil {
		return fmt.Errorf("check enrollment: %w", err)
	}
	p, err := b.do(http.MethodGet, "/api/v3/core/users/me/", nil)
	if err != nil {
		return err
	}
	if p.status != http.StatusOK || !strings.Contains(p.body, `"username":"`+id+`"`) {
		return fmt.Errorf("after enrolling (ended at %s), /api/v3/core/users/me/ answered %d %.200s; want user %s logged in", to, p.status, p.body, id)
	}
	fmt.Fprintf(w, "  check             a JSON enrollment ends logged in as its new account\n")
	return nil
}

// jsonChallenge is the part of an executor challenge the bench reads.
type jsonChallenge struct {
	Component string `json:"component"`
	To        string `json:"to"`
	Fields    []struct {
		FieldKey string `json:"field_key"`
		Type     string `json:"type"`
		Initial  any    `json:"initial_value"`
	} `json:"fields"`
	ErrorMessage   string         `json:"error_message"`
	ResponseErrors map[string]any `json:"response_errors"`
}

// challenge sends one executor request and follows its redirects one at a
// time (each timed), as authentik's web client's fetch does.
func (b *benchBrowser) challenge(method, path string, body []byte) (jsonChallenge, error) {
	var ch jsonChallenge
	for range 10 {
		req, err := http.NewRequest(method, b.base+path, bytes.NewReader(body))
		if err != nil {
			return ch, err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		if b.cookie != "" {
			req.Header.Set("Cookie", auth.CookieName+"="+b.cookie)
		}
		start := time.Now()
		resp, err := b.http.Do(req)
		if err != nil {
			return ch, err
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if b.lat != nil {
			*b.lat = append(*b.lat, time.Since(start))
		}
		if err != nil {
			return ch, err
		}
		for _, c := range resp.Cookies() {
			if c.Name == auth.CookieName {
				b.cookie = c.Value
			}
		}
		if resp.StatusCode == http.StatusFound {
			method, path, body = http.MethodGet, resp.Header.Get("Location"), nil
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return ch, fmt.Errorf("%s %s: HTTP %d: %.200s", method, path, resp.StatusCode, raw)
		}
		return ch, json.Unmarshal(raw, &ch)
	}
	return ch, errors.New("too many redirects")
}

// enrollJSON walks the flow through the executor API, answering each
// prompt challenge as bench user id, and returns where it ended.
func (b *benchBrowser) enrollJSON(path, id string) (string, error) {
	ch, err := b.challenge(http.MethodGet, path, nil)
	for step := 0; err == nil && step < 10; step++ {
		switch {
		case ch.Component == "xak-flow-redirect":
			return ch.To, nil
		case ch.ResponseErrors != nil:
			return "", fmt.Errorf("answer refused: %v", ch.ResponseErrors)
		case ch.Component != "ak-stage-prompt":
			return "", fmt.Errorf("unexpected %s: %s", ch.Component, ch.ErrorMessage)
		}
		answer := map[string]any{"component": ch.Component}
		for _, f := range ch.Fields {
			answer[f.FieldKey] = jsonValue(f.FieldKey, f.Type, f.Initial, id)
		}
		raw, _ := json.Marshal(answer)
		ch, err = b.challenge(http.MethodPost, path, raw)
	}
	if err == nil {
		err = errors.New("the flow did not end after 10 challenges")
	}
	return "", err
}

// jsonValue answers one prompt field like fillBenchForm fills an input.
func jsonValue(key, typ string, initial any, id string) any {
	if s, ok := initial.(string); ok && s != "" {
		return s
	}
	in := fillBenchForm([]benchInput{{name: key, typ: typ}}, id)
	return in.Get(key)
}
