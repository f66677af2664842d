package testkit

import (
	"os"
	"path/filepath"
	"testing"
)

// ExampleBlueprint returns the path of one of authentik's example
// blueprints (shared/blueprints/example/NAME), read in place and never
// copied or edited.
func ExampleBlueprint(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(ExampleDir(t), name)
}

// ExampleDir is the directory of authentik's example blueprints.
func ExampleDir(t testing.TB) string {
	t.Helper()
	return SharedDir(t, "blueprints", "example")
}

// AuthentikBlueprint returns the path of one of authentik's own shipped
// blueprints (shared/blueprints/authentik/NAME).
func AuthentikBlueprint(t testing.TB, name string) string {
	t.Helper()
	return filepath.Join(SharedDir(t, "blueprints", "authentik"), name)
}

// SharedDir returns a folder of authentik's files that live outside the
// repository, in shared/ beside the checkout (a developer's workspace and
// CI's clone both have it). A clone of the repository alone does not, so
// the test skips with one line saying where it looked; under CI=true a
// missing folder fails instead, because there these files are what the
// product is judged on.
func SharedDir(t testing.TB, elem ...string) string {
	t.Helper()
	root := RepoRoot(t)
	dir := filepath.Join(append([]string{filepath.Dir(root), "shared"}, elem...)...)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("authentik's files are missing: no %s beside the repository (CI=true requires them)", dir)
			return ""
		}
		t.Skipf("skipped: needs authentik's files in %s (shared/ beside the repository)", dir)
		return ""
	}
	return dir
}

// RepoRoot is the folder holding go.mod, found upwards from the test's
// working directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testkit: no go.mod above the test's directory")
		}
		dir = parent
	}
}
