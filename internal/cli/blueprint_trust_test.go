package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBlueprintApplyTrust: a file applied with the CLI was placed by the
// operator, so !Env works; !File still never reads usher's database (its
// file, a symlink to it, its WAL by way of "..") and the CLI refuses to
// apply the database file itself, each with a clear error.
func TestBlueprintApplyTrust(t *testing.T) {
	t.Setenv("USHER_TEST_BP_GROUP", "cli-env-group")
	data := t.TempDir()
	env := []string{"USHER_DATA_DIR=" + data, "USHER_PASSWORD_HASH=bcrypt:cost=4", "PATH=/usr/bin"}
	if r := run(t, env, "", "migrate"); r.code != 0 {
		t.Fatalf("migrate: %d %s", r.code, r.stderr)
	}
	group := func(name string) string {
		return writeTemp(t, "version: 1\nentries:\n- model: authentik_core.group\n  identifiers: {name: "+name+"}\n")
	}
	if r := run(t, env, "", "blueprint", "apply", group("!Env USHER_TEST_BP_GROUP")); r.code != 0 || !strings.Contains(r.stdout, "applied: 1 created") {
		t.Fatalf("apply !Env: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The group is the one the variable named.
	if r := run(t, env, "", "blueprint", "apply", group("cli-env-group")); r.code != 0 || !strings.Contains(r.stdout, "applied: 0 created, 0 updated, 1 unchanged") {
		t.Fatalf("re-apply: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	db := filepath.Join(data, "usher.db")
	link := filepath.Join(t.TempDir(), "db-link")
	if err := os.Symlink(db, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{db, link, data + "/../" + filepath.Base(data) + "/usher.db-wal"} {
		bp := writeTemp(t, "version: 1\nentries:\n- model: authentik_core.group\n  identifiers: {name: leak}\n  attrs: {attributes: {db: !File "+p+"}}\n")
		r := run(t, env, "", "blueprint", "apply", bp)
		if r.code != 1 || !strings.Contains(r.stderr, "is usher's own database file") || !strings.Contains(r.stderr, "(nothing was changed)") {
			t.Fatalf("!File %s: code %d\n%s%s", p, r.code, r.stdout, r.stderr)
		}
	}
	bp := writeTemp(t, "version: 1\nentries:\n- model: authentik_core.group\n  identifiers: {name: leak}\n  attrs: {attributes: {x: !File "+filepath.Join(data, "other")+"}}\n")
	if err := os.WriteFile(filepath.Join(data, "other"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := run(t, env, "", "blueprint", "apply", bp); r.code != 1 || !strings.Contains(r.stderr, "is in usher's data directory; !File reads only the blueprints directory there") {
		t.Fatalf("!File in data dir: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, env, "", "blueprint", "apply", db); r.code != 1 || !strings.Contains(r.stderr, "is usher's own database file") {
		t.Fatalf("apply of the database file: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// The same for a file read by another command once the database is open.
	if r := run(t, env, "", "user", "create", "akadmin", "--no-password"); r.code != 0 {
		t.Fatalf("user create: %s", r.stderr)
	}
	if r := run(t, env, "", "invitation", "create", "--name", "x", "--flow", "nope", "--fixed-data", "@"+link); r.code != 1 ||
		!strings.Contains(r.stderr, "is usher's own database file") {
		t.Fatalf("--fixed-data @database: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
