package blueprint

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeFile(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestResolvePath(t *testing.T) {
	dir := t.TempDir()
	outside := t.TempDir()
	writeFile(t, dir, "sub/ok.yaml", "version: 1\n")
	writeFile(t, outside, "secret.yaml", "version: 1\n")
	if err := os.Symlink(filepath.Join(outside, "secret.yaml"), filepath.Join(dir, "link.yaml")); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		rel  string
		want error
	}{
		{"sub/ok.yaml", nil},
		{"sub/../sub/ok.yaml", nil},
		{"../" + filepath.Base(outside) + "/secret.yaml", ErrInvalidPath},
		{filepath.Join(outside, "secret.yaml"), ErrInvalidPath},
		{"link.yaml", ErrInvalidPath},
		{"", ErrInvalidPath},
		{"sub/missing.yaml", os.ErrNotExist},
	}
	for _, tc := range cases {
		_, err := ResolvePath(dir, tc.rel)
		if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("ResolvePath(%q) = %v, want %v", tc.rel, err, tc.want)
		}
	}
	if ErrInvalidPath.Error() != "Invalid blueprint path" {
		t.Fatal(ErrInvalidPath)
	}
}

func TestReadFileTooLarge(t *testing.T) {
	a := newTestApp(t)
	a.MaxBlueprintBytes = 100
	writeFile(t, a.BlueprintsDir, "big.yaml", "version: 1\n#"+strings.Repeat("x", 200)+"\n")
	_, err := ReadFile(a, "big.yaml")
	var tl *TooLargeError
	if !errors.As(err, &tl) || !strings.Contains(err.Error(), "is too large (213 bytes; the limit is 100 bytes") {
		t.Fatalf("err = %v", err)
	}
	if err := CheckSize(a, "upload", make([]byte, 101)); !errors.As(err, &tl) {
		t.Fatalf("CheckSize = %v", err)
	}
}

// ReadLocalFile reads any path (the CLI's arguments) under the same limit.
func TestReadLocalFile(t *testing.T) {
	a := newTestApp(t)
	a.MaxBlueprintBytes = 100
	dir := t.TempDir() // not the blueprints directory
	writeFile(t, dir, "ok.yaml", "version: 1\n")
	writeFile(t, dir, "big.yaml", "version: 1\n#"+strings.Repeat("x", 200)+"\n")
	writeFile(t, dir, "exact.yaml", strings.Repeat("x", 100))
	big := filepath.Join(dir, "big.yaml")
	cases := []struct {
		path     string
		wantData string
		wantErr  string
	}{
		{filepath.Join(dir, "ok.yaml"), "version: 1\n", ""},
		{filepath.Join(dir, "exact.yaml"), strings.Repeat("x", 100), ""},
		{big, "", "blueprint " + big + " is too large (101 bytes; the limit is 100 bytes, set by USHER_BLUEPRINT_MAX_BYTES)"},
		{filepath.Join(dir, "missing.yaml"), "", "no such file or directory"},
	}
	for _, tc := range cases {
		data, err := ReadLocalFile(a, tc.path)
		switch {
		case tc.wantErr == "" && (err != nil || string(data) != tc.wantData):
			t.Errorf("ReadLocalFile(%s) = %q, %v; want %q", tc.path, data, err, tc.wantData)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("ReadLocalFile(%s) error = %v, want %q", tc.path, err, tc.wantErr)
		}
	}
	var tl *TooLargeError
	if _, err := ReadLocalFile(a, big); !errors.As(err, &tl) || tl.Size != 101 || tl.Limit != 100 {
		t.Errorf("too large: %#v", err)
	}
}

func TestListAvailable(t *testing.T) {
	a := newTestApp(t)
	d := a.BlueprintsDir
	writeFile(t, d, "a.yaml", "version: 1\nmetadata: {name: A}\nentries: []\n")
	writeFile(t, d, "sub/b.yml", "version: 1\nmetadata: {name: B, labels: {blueprints.goauthentik.io/instantiate: \"false\"}}\nentries: []\n")
	writeFile(t, d, ".hidden/c.yaml", "version: 1\nentries: []\n")
	writeFile(t, d, ".d.yaml", "version: 1\nentries: []\n")
	writeFile(t, d, "broken.yaml", "version: 2\n")
	writeFile(t, d, "notes.txt", "hello")
	got, err := ListAvailable(a)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range got {
		paths = append(paths, f.Path)
	}
	if strings.Join(paths, ",") != "a.yaml,sub/b.yml" {
		t.Fatalf("paths = %v", paths)
	}
	if !got[0].Instantiate || got[1].Instantiate || got[0].Meta.Name != "A" || len(got[0].Hash) != 128 {
		t.Fatalf("available = %+v", got)
	}
}

func TestWatcher(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	a.Now = func() time.Time { return now }
	writeFile(t, a.BlueprintsDir, "things.yaml", "version: 1\nmetadata: {name: Things}\nentries:\n- {model: test.thing, identifiers: {name: w}, attrs: {value: v1}}\n")
	writeFile(t, a.BlueprintsDir, "example.yaml", "version: 1\nmetadata: {name: Ex, labels: {blueprints.goauthentik.io/instantiate: \"false\"}}\nentries:\n- {model: test.thing, identifiers: {name: ex}}\n")
	w := NewWatcher(a)

	// A second process holding the lease: this one does nothing.
	if ok, err := a.Store.TryLease(ctx, LeaseName, "other", now, time.Minute); err != nil || !ok {
		t.Fatal(ok, err)
	}
	if did, err := w.Sync(ctx); did || err != nil {
		t.Fatalf("sync without the lease: %v %v", did, err)
	}
	now = now.Add(2 * time.Minute) // the other's lease expired

	steps := []struct {
		name, write string
		wantValue   string
		wantStatus  string
	}{
		{"first pass applies", "", "v1", StatusSuccessful},
		{"unchanged file is not re-applied", "", "v1", StatusSuccessful},
		{"changed file is applied", "version: 1\nmetadata: {name: Things}\nentries:\n- {model: test.thing, identifiers: {name: w}, attrs: {value: v2}}\n", "v2", StatusSuccessful},
		{"broken file records an error", "version: 1\nmetadata: {name: Things}\nentries:\n- {model: test.thing, identifiers: {name: w}, attrs: {value: bad}}\n", "v2", StatusError},
		{"fixed file is applied", "version: 1\nmetadata: {name: Things}\nentries:\n- {model: test.thing, identifiers: {name: w}, attrs: {value: v3}}\n", "v3", StatusSuccessful},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.write != "" {
				writeFile(t, a.BlueprintsDir, "things.yaml", s.write)
			}
			now = now.Add(time.Second)
			if did, err := w.Sync(ctx); !did || err != nil {
				t.Fatalf("sync: %v %v", did, err)
			}
			if got := things(t, a, "w")["w"].Value; got != s.wantValue {
				t.Fatalf("value = %q, want %q", got, s.wantValue)
			}
			insts, err := a.Store.ListBlueprintInstances(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(insts) != 1 || insts[0].Name != "Things" || insts[0].Path != "things.yaml" || insts[0].Status != s.wantStatus {
				t.Fatalf("instances = %+v", insts)
			}
			if s.wantStatus == StatusSuccessful {
				data, _ := os.ReadFile(filepath.Join(a.BlueprintsDir, "things.yaml"))
				applied := s.write != "" || s.name == "first pass applies"
				if insts[0].LastAppliedHash != Hash(data) || applied != insts[0].LastApplied.Equal(now) {
					t.Fatalf("instance not recorded: %+v", insts[0])
				}
			}
		})
	}
	if len(things(t, a, "ex")) != 0 {
		t.Fatal("a file labelled instantiate: false was applied")
	}
	// A deleted file orphans its instance.
	if err := os.Remove(filepath.Join(a.BlueprintsDir, "things.yaml")); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	insts, _ := a.Store.ListBlueprintInstances(ctx)
	if insts[0].Status != StatusOrphaned {
		t.Fatalf("status = %s", insts[0].Status)
	}
}
