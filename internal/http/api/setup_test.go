package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	ak "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

// env is a running API on a real store with an administrator and a
// regular user, each with an API token.
type env struct {
	t          *testing.T
	store      store.Store
	app        *app.App
	srv        *httptest.Server
	admin      store.User
	adminKey   string
	user       store.User
	userKey    string
	client     *ak.APIClient // authenticated as admin
	userClient *ak.APIClient
}

// eachBackend runs fn on SQLite and, when configured, PostgreSQL.
func eachBackend(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel() // each backend has its own store and server
			fn(t, newEnv(t, b.Open(t)))
		})
	}
}

// newEnv starts the API over st; configure (e.g. setting BlueprintsDir)
// runs on the app before the server starts.
func newEnv(t *testing.T, st store.Store, configure ...func(*app.App)) *env {
	t.Helper()
	ctx := context.Background()
	pw, err := auth.ParsePasswordHash("bcrypt:cost=4")
	if err != nil {
		t.Fatal(err)
	}
	a := &app.App{Store: st, Passwords: pw, Events: &event.Recorder{}, Secret: []byte("test-secret"),
		Log: slog.New(slog.DiscardHandler), MaxBodyBytes: 1 << 20, Sessions: &auth.Manager{Store: st, TTL: time.Hour}}
	for _, c := range configure {
		c(a)
	}
	e := &env{t: t, store: st, app: a}
	admins := store.Group{Name: "authentik Admins", IsSuperuser: true}
	must(t, st.CreateGroup(ctx, &admins))
	e.admin = store.User{Username: "akadmin", Name: "authentik Default Admin", IsActive: true, Type: "internal", Path: "users"}
	must(t, st.CreateUser(ctx, &e.admin))
	must(t, st.AddGroupMember(ctx, admins.UUID, e.admin.PK))
	e.user = store.User{Username: "alice", Name: "Alice", Email: "alice@example.com", IsActive: true, Type: "internal", Path: "users"}
	must(t, st.CreateUser(ctx, &e.user))
	e.adminKey, e.userKey = "admin-key-"+auth.NewTokenKey(), "user-key-"+auth.NewTokenKey()
	must(t, st.CreateToken(ctx, &store.Token{Identifier: "admin-token", KeyHash: auth.HashToken(e.adminKey), UserPK: e.admin.PK, Intent: "api"}))
	must(t, st.CreateToken(ctx, &store.Token{Identifier: "user-token", KeyHash: auth.HashToken(e.userKey), UserPK: e.user.PK, Intent: "api"}))

	// The same handler serve builds: every area behind the server
	// middleware.
	e.srv = testapp.NewServerWith(t, a, server.Options{MaxBodyBytes: a.MaxBodyBytes})
	e.client = e.newClient(e.adminKey)
	e.userClient = e.newClient(e.userKey)
	return e
}

func (e *env) newClient(key string) *ak.APIClient {
	cfg := ak.NewConfiguration()
	cfg.Servers = ak.ServerConfigurations{{URL: e.srv.URL + "/api/v3"}}
	cfg.HTTPClient = e.srv.Client()
	if key != "" {
		cfg.AddDefaultHeader("Authorization", "Bearer "+key)
	}
	return ak.NewAPIClient(cfg)
}

// do sends a raw request as the admin (or with the given key) and decodes
// the JSON answer.
func (e *env) do(method, path string, body any, key string) (int, map[string]any, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return res.StatusCode, m, raw
}

// adminJSON sends a request as the admin and decodes the answer, failing
// the test when a non-empty answer is not a JSON object.
func (e *env) adminJSON(method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	status, _, raw := e.do(method, path, body, e.adminKey)
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			e.t.Fatalf("%s %s: %d %s", method, path, status, raw)
		}
	}
	return status, m
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// apiErr returns the status and body of a client error.
func apiErr(t *testing.T, res *http.Response, err error) (int, map[string]any) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected an error, got status %d", res.StatusCode)
	}
	var m map[string]any
	if ge, ok := err.(*ak.GenericOpenAPIError); ok {
		_ = json.Unmarshal(ge.Body(), &m)
	}
	if res == nil {
		t.Fatalf("no response: %v", err)
	}
	return res.StatusCode, m
}

// firstMsg returns the first message for field in a DRF error body.
func firstMsg(m map[string]any, field string) string {
	l, _ := m[field].([]any)
	if len(l) == 0 {
		return ""
	}
	s, _ := l[0].(string)
	return s
}
