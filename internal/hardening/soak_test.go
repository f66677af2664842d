package hardening

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/postgres"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

// BenchmarkSoak races enrollments on single-use invitations across two
// usher instances sharing one PostgreSQL database and reports how many
// accounts each invitation produced (must be exactly one) and the error
// rate. It is not part of CI's pass/fail:
//
//	eval "$(scripts/pg.sh start)"
//	go test -run=NONE -bench=Soak -benchtime=1x -timeout=30m ./internal/hardening/
//
// USHER_SOAK_ATTEMPTS (default 10000) and USHER_SOAK_RACERS (attempts per
// invitation, default 10) size it.
func BenchmarkSoak(b *testing.B) {
	dsn := os.Getenv(storetest.DSNEnv)
	if dsn == "" {
		b.Skipf("%s not set; start PostgreSQL with scripts/pg.sh start", storetest.DSNEnv)
	}
	attempts, racers := envInt("USHER_SOAK_ATTEMPTS", 10000), envInt("USHER_SOAK_RACERS", 10)
	ctx := context.Background()
	db := soakDatabase(b, dsn)
	s1, err := postgres.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s1.Close() })
	if err := s1.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	s2, err := postgres.Open(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s2.Close() })
	a, bb := newInstance(b, s1), newInstance(b, s2)
	fx := fixture(b, s1, a.app)
	n := attempts / racers
	invs := make([]store.Invitation, n)
	for i := range invs {
		invs[i] = fx.Invitation(fmt.Sprintf("soak-%d", i), enrollSlug, true, nil, nil)
	}

	var enrolled, denied, failed atomic.Int64
	sem := make(chan struct{}, 24) // concurrent attempts in flight
	start := time.Now()
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, inv := range invs {
		for k := range racers {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				srv := []*instance{a, bb}[k%2].srv.URL
				switch soakAttempt(b, srv, inv.UUID, fmt.Sprintf("soak%dx%d", i, k)) {
				case "enrolled":
					enrolled.Add(1)
				case "denied":
					denied.Add(1)
				default:
					failed.Add(1)
				}
			}()
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	perInvitation := map[int]int{} // accounts created -> invitations
	for _, inv := range invs {
		uses, err := s1.ListInvitationUses(ctx, inv.UUID)
		if err != nil {
			b.Fatal(err)
		}
		accounts := 0
		for _, u := range uses {
			if u.UserPK != nil {
				accounts++
			}
		}
		perInvitation[accounts]++
	}
	_, users, _ := s1.ListUsers(ctx, store.UserFilter{})
	total := enrolled.Load() + denied.Load() + failed.Load()
	b.Logf("soak: %d attempts on %d single-use invitations (%d racers each) across 2 instances in %v",
		total, n, racers, elapsed.Round(time.Second))
	b.Logf("soak: enrolled %d, denied (already used) %d, errors %d (error rate %.3f%%)",
		enrolled.Load(), denied.Load(), failed.Load(), 100*float64(failed.Load())/float64(total))
	b.Logf("soak: accounts per invitation: %v; users in database (incl. akadmin): %d", perInvitation, users)
	b.ReportMetric(float64(failed.Load())/float64(total), "error-rate")
	b.ReportMetric(float64(total)/elapsed.Seconds(), "attempts/s")
	if perInvitation[1] != n || int64(users) != enrolled.Load()+1 {
		b.Errorf("some invitation did not produce exactly one account: %v", perInvitation)
	}
}

// soakAttempt walks one enrollment through the executor API.
func soakAttempt(b *testing.B, base, token, username string) string {
	c := testapp.NewClient(b, base)
	u := c.ExecutorURL(enrollSlug, "itoken="+token)
	vals := enrollValues(username)
	_, ch, err := c.Do(http.MethodGet, u, nil)
	for i := 0; err == nil && i < 6; i++ {
		switch ch["component"] {
		case "xak-flow-redirect":
			return "enrolled"
		case "ak-stage-access-denied":
			if ch["error_message"] == "This invitation has already been used." {
				return "denied"
			}
			return "error"
		case "ak-stage-prompt":
			_, ch, err = c.Do(http.MethodPost, u, testapp.Answer(ch, vals))
		default:
			return "error"
		}
	}
	return "error"
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// soakDatabase creates a fresh database for the run, dropped afterwards.
func soakDatabase(b *testing.B, dsn string) string {
	ctx := context.Background()
	admin, err := postgres.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	name := fmt.Sprintf("usher_soak_%d", time.Now().UnixNano())
	if _, err := admin.Writer().Exec("CREATE DATABASE " + name); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_, _ = admin.Writer().Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		admin.Close()
	})
	return withDB(dsn, name)
}

func withDB(dsn, name string) string {
	for i := len(dsn) - 1; i >= 0; i-- {
		if dsn[i] == '/' {
			rest := ""
			for j := i; j < len(dsn); j++ {
				if dsn[j] == '?' {
					rest = dsn[j:]
					break
				}
			}
			return dsn[:i+1] + name + rest
		}
	}
	return dsn + " dbname=" + name
}
