package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/config"
	"github.com/usher-id/usher/internal/store"
)

// usher bench --url loads a running server over HTTP and reads the
// server's CPU time and allocations from its /metrics: here the server is
// one started in the test (the same handler as serve), reached only by URL.
func TestRemoteBench(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and loads it")
	}
	ctx := context.Background()
	cfg, err := config.Load(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	env := Env{Config: cfg, Stdout: &bytes.Buffer{}, Stderr: &log, Version: "test"}
	o := Options{Clients: 2, Duration: 300 * time.Millisecond, Hash: "argon2id:m=8,t=1,p=1", FlowSlug: "invitation-enrollment-flow-external",
		Phase: "all", LogLevel: "error"}
	srv, err := startBenchServer(ctx, env, o)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.close()
	admin, err := srv.st.GetUserByUsername(ctx, auth.AdminUsername)
	if err != nil {
		t.Fatal(err)
	}
	key := auth.NewTokenKey()
	if err := srv.st.CreateToken(ctx, &store.Token{Identifier: "bench-remote", KeyHash: auth.HashToken(key), UserPK: admin.PK, Intent: "api"}); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	o.URL, o.Token = srv.base, key
	if err := RunRemote(ctx, Env{Config: cfg, Stdout: &out, Stderr: &log}, o); err != nil {
		t.Fatalf("remote bench: %v\n%s", err, out.String())
	}
	report := out.String()
	for _, want := range []string{"flow start, HTML page", "flow start, JSON executor", "enrollment, HTML pages",
		"enrollment, JSON executor", "server CPU per enroll", "server allocations", "6.0 requests per enroll",
		"a JSON enrollment ends logged in as its new account"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "first failure") {
		t.Errorf("a phase failed:\n%s", report)
	}

	o.Token = "wrong-token-0123456789"
	err = RunRemote(ctx, Env{Config: cfg, Stdout: &bytes.Buffer{}, Stderr: &log}, o)
	if err == nil || !strings.Contains(err.Error(), "--token") {
		t.Errorf("a wrong token: %v, want an error naming --token", err)
	}
}
