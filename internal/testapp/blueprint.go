package testapp

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/blueprint"
)

// ApplyFile applies a blueprint file as it is (authentik's shipped files
// are read in place, never copied), failing the test when any entry
// fails.
func ApplyFile(t testing.TB, a *app.App, path string) blueprint.Result {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bp, err := blueprint.Parse(data, filepath.Base(path))
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	res, err := blueprint.Apply(context.Background(), a, bp, blueprint.Options{Dir: filepath.Dir(path), Trusted: true})
	if err != nil || !res.Success {
		t.Fatalf("apply %s: %v\n%v", filepath.Base(path), err, res.Logs)
	}
	return res
}
