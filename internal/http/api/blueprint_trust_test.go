package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/store/storetest"
)

// TestBlueprintImportRefusesHostTags: a blueprint uploaded through the API
// may not read the server's environment or files (!Env, !File), even from
// an administrator: the import answers 400 naming the tag and its line,
// writes nothing, and no secret shows up in the groups API. The same
// file placed in the blueprints directory and imported by path works.
func TestBlueprintImportRefusesHostTags(t *testing.T) {
	t.Setenv("USHER_BOOTSTRAP_TOKEN", "bootstrap-token-s3cret")
	t.Setenv("USHER_BOOTSTRAP_PASSWORD", "bootstrap-password-s3cret")
	secrets := []string{"bootstrap-token-s3cret", "bootstrap-password-s3cret", "USHER_BOOTSTRAP", "SQLite format"}
	eachBackendWith(t, func(t *testing.T, e *env) {
		dbFile := filepath.Join(e.app.DataDir, "usher.db")
		writeFile(t, dbFile, "SQLite format 3\x00 pretend database")
		for i, tc := range []struct{ tag, value string }{
			{"!Env", "USHER_BOOTSTRAP_TOKEN"},
			{"!Env", "USHER_BOOTSTRAP_PASSWORD"},
			{"!File", "/proc/self/environ"},
			{"!File", dbFile},
		} {
			t.Run(tc.tag+" "+filepath.Base(tc.value), func(t *testing.T) {
				name := fmt.Sprintf("leak-%d", i)
				doc := "version: 1\nentries:\n- model: authentik_core.group\n  identifiers: {name: " + name + "}\n" +
					"  attrs:\n    attributes:\n      secret: " + tc.tag + " " + tc.value + "\n"
				status, body := e.importUpload(t, "leak.yaml", doc)
				want := tc.tag + " is only allowed in blueprints read from the blueprints directory or applied with the usher CLI"
				if status != 400 || !strings.Contains(body, want) || !strings.Contains(body, "line 7, column 15") ||
					!strings.Contains(body, `"file"`) {
					t.Fatalf("import = %d %s, want 400 with %q at line 7, column 15", status, body, want)
				}
				e.expectNoSecrets(t, name, secrets)
			})
		}
		// In the context, or in an entry a false condition would skip, the
		// tag is refused all the same: nothing of the file is applied.
		for _, doc := range []string{
			"version: 1\ncontext:\n  x: !Env USHER_BOOTSTRAP_TOKEN\nentries:\n- model: authentik_core.group\n  identifiers: {name: ctx-leak}\n  attrs: {attributes: {secret: !Context x}}\n",
			"version: 1\nentries:\n- model: authentik_core.group\n  identifiers: {name: ctx-leak}\n- model: authentik_core.group\n  conditions: [false]\n  identifiers: {name: cond}\n  attrs: {attributes: {secret: !File /proc/self/environ}}\n",
		} {
			if status, body := e.importUpload(t, "leak.yaml", doc); status != 400 || !strings.Contains(body, "is only allowed in blueprints read from the blueprints directory") {
				t.Fatalf("import = %d %s", status, body)
			}
			e.expectNoSecrets(t, "ctx-leak", secrets)
		}

		// The operator's own file in the blueprints directory may use !Env.
		writeFile(t, filepath.Join(e.app.BlueprintsDir, "env.yaml"), "version: 1\nentries:\n- model: authentik_core.group\n"+
			"  identifiers: {name: from-env}\n  attrs: {attributes: {token: !Env USHER_BOOTSTRAP_TOKEN}}\n")
		status, raw := e.importPath(t, "env.yaml")
		if status != 200 || !strings.Contains(raw, `"success":true`) {
			t.Fatalf("import by path = %d %s", status, raw)
		}
		_, _, groups := e.do("GET", "/api/v3/core/groups/?name=from-env", nil, e.adminKey)
		if !bytes.Contains(groups, []byte("bootstrap-token-s3cret")) {
			t.Fatalf("trusted !Env not applied: %s", raw)
		}

		// Even there, !File never reads the database or the data directory.
		writeFile(t, filepath.Join(e.app.BlueprintsDir, "db.yaml"), "version: 1\nentries:\n- model: authentik_core.group\n"+
			"  identifiers: {name: from-db}\n  attrs: {attributes: {db: !File "+dbFile+"}}\n")
		status, raw = e.importPath(t, "db.yaml")
		if status != 200 || !strings.Contains(raw, `"success":false`) || !strings.Contains(raw, "is in usher's data directory") {
			t.Fatalf("import of !File data dir = %d %s", status, raw)
		}
		e.expectNoSecrets(t, "from-db", []string{"SQLite format"})

		// An instance's content is stored through the API: refused too.
		status, _, body := e.do("POST", "/api/v3/managed/blueprints/", map[string]any{"name": "inst", "content": "version: 1\nentries:\n" +
			"- model: authentik_core.group\n  identifiers: {name: inst}\n  attrs: {attributes: {s: !Env USHER_BOOTSTRAP_PASSWORD}}\n"}, e.adminKey)
		if status != 400 || !bytes.Contains(body, []byte("line 5, column 27: !Env is only allowed in blueprints read from the blueprints directory")) {
			t.Fatalf("instance with !Env content = %d %s", status, body)
		}
		// And an instance path may not leave the blueprints directory
		// (to the database next to it, by symlink or by "..").
		must(t, os.Symlink(dbFile, filepath.Join(e.app.BlueprintsDir, "db-link.yaml")))
		for _, p := range []string{"../usher.db", dbFile, "db-link.yaml", "../blueprints/../usher.db-wal"} {
			status, _, body = e.do("POST", "/api/v3/managed/blueprints/", map[string]any{"name": "p", "path": p}, e.adminKey)
			if status != 400 || !bytes.Contains(body, []byte(`"path"`)) {
				t.Fatalf("instance with path %q = %d %s", p, status, body)
			}
		}
	})
}

// eachBackendWith runs fn on both databases with a data directory holding
// the blueprints directory, as the serve command sets them up.
func eachBackendWith(t *testing.T, fn func(t *testing.T, e *env)) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			data := t.TempDir()
			fn(t, newEnv(t, b.Open(t), func(a *app.App) {
				a.DataDir = data
				a.BlueprintsDir = filepath.Join(data, "blueprints")
				must(t, os.MkdirAll(a.BlueprintsDir, 0o755))
			}))
		})
	}
}

// importPath imports a file of the blueprints directory as the admin.
func (e *env) importPath(t *testing.T, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v3/managed/blueprints/import/", strings.NewReader("path="+path))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+e.adminKey)
	res, err := e.srv.Client().Do(req)
	must(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// importUpload posts a blueprint file to the import endpoint as the admin.
func (e *env) importUpload(t *testing.T, name, content string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest("POST", e.srv.URL+"/api/v3/managed/blueprints/import/", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+e.adminKey)
	res, err := e.srv.Client().Do(req)
	must(t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// expectNoSecrets checks that the group was not created and no secret is
// readable through the groups API.
func (e *env) expectNoSecrets(t *testing.T, group string, secrets []string) {
	t.Helper()
	status, m, raw := e.do("GET", "/api/v3/core/groups/?page_size=100", nil, e.adminKey)
	if status != 200 {
		t.Fatalf("groups = %d %s", status, raw)
	}
	for _, s := range secrets {
		if bytes.Contains(raw, []byte(s)) {
			t.Fatalf("groups API shows %q: %s", s, raw)
		}
	}
	res, _ := json.Marshal(m["results"])
	if bytes.Contains(res, []byte(`"name":"`+group+`"`)) {
		t.Fatalf("group %s was written: %s", group, res)
	}
}
