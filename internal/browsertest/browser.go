// Package browsertest starts the headless Chromium that browser tests
// drive, and names the directory where they leave screenshots.
package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/usher-id/usher/internal/testkit"
)

// Path finds Debian's Chromium; the test skips without one unless CI=true
// (then it fails).
func Path(t testing.TB) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium-headless-shell", "/usr/bin/chromium", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no browser binary found (install chromium-headless-shell)")
	}
	t.Skip("no browser binary found")
	return ""
}

// Start launches Chromium (1280×900) and returns a context on its first
// tab; the browser ends with the test. The browser is started on this
// long-lived context because a step's timeout context must not own it.
func Start(t testing.TB) context.Context {
	t.Helper()
	return StartWith(t)
}

// StartWith is Start with extra Chromium options (a host-resolver rule, say).
func StartWith(t testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(Path(t)), chromedp.NoSandbox,
		chromedp.WindowSize(1280, 900))
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	return ctx
}

// ArtifactsDir is $USHER_TEST_ARTIFACTS, default test-artifacts/ at the
// repository root (ignored by git), created if missing.
func ArtifactsDir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("USHER_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(testkit.RepoRoot(t), "test-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
