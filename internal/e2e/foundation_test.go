package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/usher-id/usher/internal/store/storetest"
)

// TestFoundation is the "Done when" of issue 3 without a browser: a fresh
// server answers the health probes, and the bootstrap token reads
// users/me/ while a wrong or missing token gets authentik's 403 JSON.
func TestFoundation(t *testing.T) {
	skipShort(t)
	srv := startServer(t, serverOptions{})
	tests := []struct {
		name, path, token string
		status            int
		detail            string // expected "detail" of a JSON error; "" for none
	}{
		{"live", "/-/health/live/", "", http.StatusOK, ""},
		{"ready", "/-/health/ready/", "", http.StatusOK, ""},
		{"me with the bootstrap token", "/api/v3/core/users/me/", adminToken, http.StatusOK, ""},
		{"me with a wrong token", "/api/v3/core/users/me/", "not-" + adminToken, http.StatusForbidden, "Token invalid/expired"},
		{"me without a token", "/api/v3/core/users/me/", "", http.StatusForbidden, "Authentication credentials were not provided."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := srv.request(t, http.MethodGet, tt.path, tt.token, nil)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			if tt.detail != "" {
				var e struct {
					Detail string `json:"detail"`
				}
				if err := json.Unmarshal(r.Body, &e); err != nil || e.Detail != tt.detail ||
					!strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
					t.Fatalf("body %s (%s), want JSON detail %q", r.Body, r.Header.Get("Content-Type"), tt.detail)
				}
			}
		})
	}
	me := meOf(t, srv)
	if me.Username != adminUsername || !me.IsSuperuser || !me.IsActive {
		t.Errorf("users/me/ = %+v, want the active superuser %s", me, adminUsername)
	}
}

// TestConcurrentStartPostgres starts two servers on one empty PostgreSQL
// database at the same moment: both become ready, and the administrator
// was created once.
func TestConcurrentStartPostgres(t *testing.T) {
	skipShort(t)
	dsn := storetest.NewPostgresDatabase(t)
	servers := []*server{spawn(t, serverOptions{DSN: dsn}, "server-1"), spawn(t, serverOptions{DSN: dsn}, "server-2")}
	var wg sync.WaitGroup
	for _, s := range servers {
		wg.Go(func() {
			// No t.Fatal off the test goroutine: check the outcome below.
			s.readyErr = s.tryReady()
		})
	}
	wg.Wait()
	created := 0
	for _, s := range servers {
		if s.readyErr != nil {
			t.Fatalf("%s: %v\n%s", s.name, s.readyErr, s.logs.String())
		}
		created += len(s.logs.records("created administrator"))
		if me := meOf(t, s); me.Username != adminUsername {
			t.Errorf("%s: users/me/ = %+v", s.name, me)
		}
	}
	if created != 1 {
		t.Errorf(`%d "created administrator" log lines across both servers, want 1`, created)
	}
	for _, s := range servers {
		if n := len(s.users(t, "username="+adminUsername)); n != 1 {
			t.Errorf("%s lists %d %s users, want 1", s.name, n, adminUsername)
		}
	}
	if all := servers[0].users(t, "page_size=100"); len(all) != 1 {
		t.Errorf("%d users after two starts, want only %s: %+v", len(all), adminUsername, all)
	}
}

// meOf reads users/me/ with the bootstrap token.
func meOf(t *testing.T, s *server) apiUser {
	t.Helper()
	var me struct {
		User apiUser `json:"user"`
	}
	s.getJSON(t, "/api/v3/core/users/me/", &me)
	if me.User.Username == "" {
		t.Fatalf("%s: users/me/ has no user", s.name)
	}
	return me.User
}
