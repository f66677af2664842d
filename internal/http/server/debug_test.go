package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDebugHandlerServesProfiler(t *testing.T) {
	srv := httptest.NewServer(DebugHandler())
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := new(strings.Builder)
	_, _ = io.Copy(buf, resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(buf.String(), "goroutine") {
		t.Fatalf("GET /debug/pprof/: %d %.200s", resp.StatusCode, buf.String())
	}
}

// The public handler never serves the profiler.
func TestPublicHandlerHasNoProfiler(t *testing.T) {
	f := newFixture(t, Options{})
	if r := f.do(t, f.client(t), "GET", "/debug/pprof/", nil, ""); r.status == http.StatusOK {
		t.Fatal("the public handler serves /debug/pprof/")
	}
}
