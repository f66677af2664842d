package flowpage_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/benchstat"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

// BenchmarkEnrollment runs complete enrollments over HTTP as a browser
// without JavaScript does (open the invitation link, submit both prompt
// pages; the account is created and logged in) with 16 concurrent
// clients on SQLite. It reports enrollments/s, p50/p99 of one enrollment
// and of one request, and the process's peak RSS. hash=min is argon2id
// m=8,t=1,p=1; hash=default is argon2id m=19456,t=2,p=1.
func BenchmarkEnrollment(b *testing.B) {
	for _, h := range []struct{ name, spec string }{{"hash=min", "argon2id:m=8,t=1,p=1"}, {"hash=default", auth.DefaultPasswordHash}} {
		b.Run(h.name, func(b *testing.B) {
			st := storetest.OpenSQLite(b)
			a := testapp.NewApp(b, st)
			pw, err := auth.ParsePasswordHash(h.spec)
			if err != nil {
				b.Fatal(err)
			}
			a.Passwords = pw
			fx := testapp.NewFixture(b, st, a.Passwords.Hash)
			fx.InvitationEnrollment()
			srv := testapp.NewServer(b, a)
			link := srv.URL + "/if/flow/invitation-enrollment-flow-external/?itoken=" + fx.Invitations["example-external-basic-invitation"].UUID
			transport := &http.Transport{MaxIdleConnsPerHost: 64}
			var n atomic.Int64
			var mu sync.Mutex
			var enrollLat, reqLat []time.Duration
			b.SetParallelism(8) // x GOMAXPROCS (2 here) = 16 clients
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine, reqs []time.Duration
				for pb.Next() {
					id := strconv.FormatInt(n.Add(1), 10)
					cl := testapp.NewClient(b, srv.URL)
					cl.HTTP.Transport = transport
					t0 := time.Now()
					timed := func(f func() testapp.Page) testapp.Page {
						s := time.Now()
						p := f()
						reqs = append(reqs, time.Since(s))
						return p
					}
					p := timed(func() testapp.Page { return cl.Get(link) })
					p = timed(func() testapp.Page {
						return cl.Submit(p, map[string]any{"username": "bench" + id, "password": "pw-" + id, "password_repeat": "pw-" + id})
					})
					p = timed(func() testapp.Page {
						return cl.Submit(p, map[string]any{"name": "Bench " + id, "email": "bench" + id + "@example.org"})
					})
					if p.Location != "/" {
						b.Errorf("enrollment %s ended with %d %q", id, p.Status, p.Location)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				enrollLat = append(enrollLat, mine...)
				reqLat = append(reqLat, reqs...)
				mu.Unlock()
			})
			elapsed := time.Since(start)
			b.StopTimer()
			b.ReportMetric(float64(len(enrollLat))/elapsed.Seconds(), "enrollments/s")
			b.ReportMetric(ms(benchstat.Percentile(enrollLat, 50)), "p50-enroll-ms")
			b.ReportMetric(ms(benchstat.Percentile(enrollLat, 99)), "p99-enroll-ms")
			b.ReportMetric(ms(benchstat.Percentile(reqLat, 50)), "p50-req-ms")
			b.ReportMetric(ms(benchstat.Percentile(reqLat, 99)), "p99-req-ms")
			b.ReportMetric(benchstat.ProcStatusMiB("VmHWM"), "peak-RSS-MiB")
		})
	}
}

// BenchmarkFlowStart measures opening an invitation link: a fresh browser
// GETs the page (the invitation stage passes, a 303 follows, the first
// prompt renders).
func BenchmarkFlowStart(b *testing.B) {
	st := storetest.OpenSQLite(b)
	a := testapp.NewApp(b, st)
	fx := testapp.NewFixture(b, st, a.Passwords.Hash)
	fx.InvitationEnrollment()
	srv := testapp.NewServer(b, a)
	link := srv.URL + "/if/flow/invitation-enrollment-flow-external/?itoken=" + fx.Invitations["example-external-basic-invitation"].UUID
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			cl := testapp.NewClient(b, srv.URL)
			cl.HTTP.Transport = transport
			if p := cl.Get(link); !strings.Contains(p.Body, `name="username"`) {
				b.Errorf("no prompt: %d", p.Status)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "starts/s")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
