package blueprint

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// dataDirApp is an app laid out as the serve command lays it out: SQLite
// in <data>/usher.db (in WAL mode, so -wal and -shm exist) and the
// blueprints directory at <data>/blueprints.
func dataDirApp(t *testing.T) (*app.App, string) {
	t.Helper()
	data := t.TempDir()
	db := storetest.OpenSQLiteUnmigrated(t, filepath.Join(data, "usher.db"))
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	bps := filepath.Join(data, "blueprints")
	if err := os.MkdirAll(bps, 0o755); err != nil {
		t.Fatal(err)
	}
	return &app.App{Store: db, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), DataDir: data, BlueprintsDir: bps}, data
}

func thingBlueprint(name, value string) string {
	return "version: 1\nentries:\n- model: test.thing\n  identifiers: {name: " + name + "}\n  attrs: {value: " + value + "}\n"
}

// TestUntrustedHostTags: without Options.Trusted (an upload), a blueprint
// using !Env or !File anywhere is refused before anything is written, with
// the tag and its line named.
func TestUntrustedHostTags(t *testing.T) {
	t.Setenv("USHER_BP_SECRET", "s3cret")
	a, _ := dataDirApp(t)
	hostFile := filepath.Join(t.TempDir(), "host.txt")
	if err := os.WriteFile(hostFile, []byte("a host file"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{
		thingBlueprint("a", "!Env USHER_BP_SECRET"),
		thingBlueprint("a", "!File "+hostFile),
		"version: 1\ncontext: {x: !Env USHER_BP_SECRET}\nentries:\n- model: test.thing\n  identifiers: {name: a}\n",
	} {
		bp := mustParse(t, src)
		_, err := Apply(context.Background(), a, bp, Options{})
		var ue *UntrustedTagError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "is only allowed in blueprints read from the blueprints directory or applied with the usher CLI") ||
			!strings.Contains(err.Error(), "test.yaml: line ") {
			t.Fatalf("untrusted apply = %v", err)
		}
		if got := things(t, a, "a"); len(got) != 0 {
			t.Fatalf("written: %v", got)
		}
		if _, err := Apply(context.Background(), a, bp, Options{Trusted: true}); err != nil {
			t.Fatalf("trusted apply: %v", err)
		}
		if err := a.Store.SetSetting(context.Background(), thingPrefix+"a", ""); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFileTagNeverReadsTheDatabase: even in a trusted blueprint, !File
// never opens usher's database file, its -wal/-shm/-journal, or anything
// else in the data directory except the blueprints directory, however the
// path is spelled. (Opening and closing the database file drops the
// process's SQLite locks; another process then deletes the live WAL.)
func TestFileTagNeverReadsTheDatabase(t *testing.T) {
	a, data := dataDirApp(t)
	db := filepath.Join(data, "usher.db")
	for _, f := range []string{db + "-wal", db + "-shm"} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("WAL mode expected: %v", err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(db, filepath.Join(a.BlueprintsDir, "db-link")))
	must(os.Symlink(data, filepath.Join(a.BlueprintsDir, "data-link")))
	elsewhere := t.TempDir()
	must(os.Link(db, filepath.Join(elsewhere, "hard-link")))
	must(os.Symlink(db+"-wal", filepath.Join(elsewhere, "wal-link")))
	must(os.WriteFile(filepath.Join(data, "state.txt"), []byte("private"), 0o600))
	must(os.WriteFile(filepath.Join(a.BlueprintsDir, "ok.txt"), []byte("fine"), 0o600))
	must(os.WriteFile(filepath.Join(elsewhere, "ok.txt"), []byte("fine too"), 0o600))

	const isDB = "is usher's own database file"
	const inData = "is in usher's data directory"
	for _, tc := range []struct{ path, want string }{
		{db, isDB},
		{db + "-wal", isDB},
		{db + "-shm", isDB},
		{data + "/../" + filepath.Base(data) + "/usher.db-wal", isDB},
		{"db-link", isDB},            // relative to the blueprints directory
		{"data-link/usher.db", isDB}, // through a linked directory
		{"data-link/../" + filepath.Base(data) + "/usher.db", isDB}, // ".." after a link is the target's parent
		{"../usher.db", isDB},
		{filepath.Join(elsewhere, "hard-link"), isDB},
		{filepath.Join(elsewhere, "wal-link"), isDB},
		{filepath.Join(data, "state.txt"), inData},
		{"../state.txt", inData},
		{"ok.txt", ""},
		{filepath.Join(elsewhere, "ok.txt"), ""},
		// An operator's file may read what the operator can; this one is
		// NUL-separated, so the input rule refuses it as a value.
		{"/proc/self/environ", "without NUL characters"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			bp := mustParse(t, thingBlueprint("f", "!File "+tc.path))
			_, err := Apply(context.Background(), a, bp, Options{Trusted: true})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("apply: %v", err)
				}
				return
			}
			// The file guard names the tag's position; the input rule names
			// the entry and field.
			if err == nil || !strings.Contains(err.Error(), tc.want) ||
				(tc.want == isDB || tc.want == inData) && !strings.Contains(err.Error(), "line 5, column 18") {
				t.Fatalf("apply = %v, want %q", err, tc.want)
			}
			if got := things(t, a, "f"); len(got) != 0 && strings.Contains(got["f"].Value, "SQLite") {
				t.Fatalf("database read: %q", got["f"].Value)
			}
		})
	}

	// The database is refused even when the app does not know its data
	// directory: the SQLite store registers its file when it opens it.
	a.DataDir = ""
	_, err := Apply(context.Background(), a, mustParse(t, thingBlueprint("f", "!File "+db)), Options{Trusted: true})
	if err == nil || !strings.Contains(err.Error(), isDB) {
		t.Fatalf("apply without DataDir = %v", err)
	}
	// So is a blueprint file that is the database (usher blueprint apply).
	if _, err := ReadLocalFile(a, data+"/../"+filepath.Base(data)+"/usher.db"); !errors.Is(err, store.ErrDatabaseFile) {
		t.Fatalf("ReadLocalFile(db) = %v", err)
	}
}

// TestDiscoveredBlueprintTrust: the watcher applies files of the blueprints
// directory as trusted (!Env works, !File of the database is refused), and
// an instance whose content was stored through the API as untrusted.
func TestDiscoveredBlueprintTrust(t *testing.T) {
	t.Setenv("USHER_BP_SECRET", "s3cret")
	a, data := dataDirApp(t)
	writeFile(t, a.BlueprintsDir, "env.yaml", thingBlueprint("env", "!Env USHER_BP_SECRET"))
	writeFile(t, a.BlueprintsDir, "db.yaml", thingBlueprint("db", "!File "+filepath.Join(data, "usher.db")))
	ctx := context.Background()
	content := store.BlueprintInstance{Name: "uploaded", Content: thingBlueprint("uploaded", "!Env USHER_BP_SECRET"),
		Context: map[string]any{}, Status: StatusUnknown, Enabled: true, ManagedModels: []string{}, Metadata: map[string]any{}}
	if err := a.Store.CreateBlueprintInstance(ctx, &content); err != nil {
		t.Fatal(err)
	}
	w := &Watcher{App: a, Holder: "test"}
	if ok, err := w.Sync(ctx); !ok || err != nil {
		t.Fatalf("sync = %v %v", ok, err)
	}
	got := things(t, a, "env", "db", "uploaded")
	if got["env"].Value != "s3cret" || len(got) != 1 {
		t.Fatalf("things = %v", got)
	}
	insts, err := a.Store.ListBlueprintInstances(ctx)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, i := range insts {
		status[i.Name] = i.Status
	}
	if status["env.yaml"] != StatusSuccessful || status["db.yaml"] != StatusError || status["uploaded"] != StatusError {
		t.Fatalf("statuses = %v", status)
	}
}

// TestMetaApplyTrust: a blueprint applied through metaapplyblueprint is
// trusted by its own source, not by the blueprint naming it: an instance
// whose content came through the API stays untrusted under a trusted
// parent.
func TestMetaApplyTrust(t *testing.T) {
	t.Setenv("USHER_BP_SECRET", "s3cret")
	a, _ := dataDirApp(t)
	ctx := context.Background()
	inst := store.BlueprintInstance{Name: "uploaded", Content: thingBlueprint("meta", "!Env USHER_BP_SECRET"),
		Context: map[string]any{}, Status: StatusUnknown, Enabled: true, ManagedModels: []string{}, Metadata: map[string]any{}}
	if err := a.Store.CreateBlueprintInstance(ctx, &inst); err != nil {
		t.Fatal(err)
	}
	parent := mustParse(t, "version: 1\nentries:\n- model: authentik_blueprints.metaapplyblueprint\n  attrs: {identifiers: {name: uploaded}}\n")
	_, err := Apply(ctx, a, parent, Options{Trusted: true})
	if err == nil || !strings.Contains(err.Error(), "!Env is only allowed in blueprints read from the blueprints directory") {
		t.Fatalf("meta apply = %v", err)
	}
	if got := things(t, a, "meta"); len(got) != 0 {
		t.Fatalf("written: %v", got)
	}
}
