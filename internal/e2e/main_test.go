package e2e

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// usherBin is the binary TestMain builds once for every test.
var usherBin string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if testing.Short() {
		return m.Run() // every test skips; no binary needed
	}
	dir, err := os.MkdirTemp("", "usher-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	usherBin = filepath.Join(dir, "usher")
	// go test puts its own go first on PATH.
	build := exec.Command("go", "build", "-o", usherBin, "./cmd/usher")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/usher: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// skipShort keeps `go test -short` quick: these tests start processes and
// a browser.
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test; skipped with -short")
	}
}
