package testkit

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
)

func TestSyncBufferConcurrentWrites(t *testing.T) {
	var b SyncBuffer
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fmt.Fprintf(&b, "line %02d\n", i)
		}()
	}
	wg.Wait()
	out := b.String()
	if n := strings.Count(out, "\n"); n != 20 {
		t.Fatalf("%d lines, want 20:\n%s", n, out)
	}
	for i := range 20 {
		if !strings.Contains(out, fmt.Sprintf("line %02d\n", i)) {
			t.Errorf("line %02d missing or torn:\n%s", i, out)
		}
	}
}

func TestFreeAddrCanBeListenedOn(t *testing.T) {
	addr := FreeAddr(t)
	if !strings.HasPrefix(addr, "127.0.0.1:") || strings.HasSuffix(addr, ":0") {
		t.Fatalf("FreeAddr = %q", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	ln.Close()
}

// recordTB notes how a helper ended the test instead of ending it.
type recordTB struct {
	testing.TB
	skipped, failed string
}

func (r *recordTB) Helper() {}
func (r *recordTB) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
}
func (r *recordTB) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

// A missing shared folder skips with one line outside CI and fails under
// CI=true, so a clone alone passes while CI cannot lose the tests silently.
func TestSharedDirMissing(t *testing.T) {
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		r := &recordTB{TB: t}
		SharedDir(r, "no-such-folder-for-this-test")
		if ci == "true" && (r.failed == "" || r.skipped != "") {
			t.Errorf("CI=true: failed=%q skipped=%q, want a failure", r.failed, r.skipped)
		}
		if ci == "" && (r.skipped == "" || r.failed != "" || !strings.Contains(r.skipped, "no-such-folder-for-this-test")) {
			t.Errorf("CI unset: failed=%q skipped=%q, want a skip naming the folder", r.failed, r.skipped)
		}
	}
}

// A missing program skips with one line outside CI and fails under CI=true.
func TestToolMissing(t *testing.T) {
	for _, ci := range []string{"", "true"} {
		t.Setenv("CI", ci)
		r := &recordTB{TB: t}
		Tool(r, "no-such-program-for-this-test")
		if ci == "true" && (r.failed == "" || r.skipped != "") {
			t.Errorf("CI=true: failed=%q skipped=%q, want a failure", r.failed, r.skipped)
		}
		if ci == "" && (r.skipped == "" || r.failed != "" || !strings.Contains(r.skipped, "no-such-program-for-this-test")) {
			t.Errorf("CI unset: failed=%q skipped=%q, want a skip naming the program", r.failed, r.skipped)
		}
	}
}

// A program on PATH is found.
func TestToolOnPath(t *testing.T) {
	r := &recordTB{TB: t}
	if p := Tool(r, "go"); p == "" || r.failed != "" || r.skipped != "" {
		t.Errorf("Tool(go) = %q, failed=%q skipped=%q", p, r.failed, r.skipped)
	}
}
