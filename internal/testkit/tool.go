package testkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// ToolDir is where scripts/test.sh installs the third-party programs the
// tests drive (oauth2-proxy): .cache/bin in the repository, ignored by git,
// so a developer's own copies elsewhere are never replaced.
func ToolDir(t testing.TB) string {
	t.Helper()
	return filepath.Join(RepoRoot(t), ".cache", "bin")
}

// Tool returns the path of a program a test runs as a real third party
// (a relying party such as oauth2-proxy): ToolDir first, then PATH. Without
// it the test skips with one line saying how to get it; under CI=true it
// fails, because CI installs it (scripts/test.sh) and must not lose the
// test silently.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(ToolDir(t), name)
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is missing: not in %s nor on PATH (scripts/test.sh installs it; CI=true requires it)", name, ToolDir(t))
		return ""
	}
	t.Skipf("skipped: needs %s (scripts/test.sh installs it into %s)", name, ToolDir(t))
	return ""
}
