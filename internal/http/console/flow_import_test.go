package console_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testkit"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/http/console"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/store"
)

func (b *browser) upload(t *testing.T, path, name string, data []byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField(auth.CSRFField, b.csrf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", b.f.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.send(t, req)
}

// TestFlowImport imports authentik's invitations guide's blueprint from the Flows page.
func TestFlowImport(t *testing.T) {
	data, err := os.ReadFile(testkit.ExampleBlueprint(t, "flows-invitation-enrollment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	b := f.browser(t, &admin)
	b.get(t, "/if/admin/flows/import/").expect(t, 200, "", `type="file"`, "Import")
	b.upload(t, "/if/admin/flows/import/", "bad.yaml", []byte("version: 2\nentries: []\n")).expect(t, 422, "")
	b.upload(t, "/if/admin/flows/import/", "flows-invitation-enrollment.yaml", data).expect(t, 200, "", "Imported flows-invitation-enrollment.yaml")
	if _, err := f.st.GetFlowBySlug(context.Background(), "invitation-enrollment-flow-internal-engineering"); err != nil {
		t.Fatal("flow not imported:", err)
	}
	if len(f.events(t, "model_created")) < 20 {
		t.Fatal("import recorded too few model_created events")
	}
	b.get(t, "/if/admin/invitations/").expect(t, 200, "", "example-engineering-team-invitation", "invitation-enrollment-flow-internal-engineering")
}

// TestFlowImportBodyLimit: a blueprint larger than the server's default
// body limit but within the blueprint limit imports; a larger one is
// refused on the import page with the limit named.
func TestFlowImportBodyLimit(t *testing.T) {
	f := fixtureOn(t, storetest.OpenSQLite(t), server.Options{MaxBodyBytes: 64 << 10})
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	b := f.browser(t, &admin)
	blueprint := func(size int) []byte {
		doc := "version: 1\nentries:\n  - model: authentik_flows.flow\n    identifiers: {slug: big}\n" +
			"    attrs: {name: Big, title: Big, designation: enrollment}\n"
		pad := strings.Repeat("# padding to make the file large\n", size/33+1)
		return []byte(doc + pad[:size-len(doc)])
	}
	b.upload(t, console.ImportPath, "big.yaml", blueprint(200<<10)).expect(t, 200, "", "Imported big.yaml")
	if _, err := f.st.GetFlowBySlug(context.Background(), "big"); err != nil {
		t.Fatal("flow not imported:", err)
	}
	// 1 MiB is the fixture's blueprint limit; the envelope allowance lets
	// the page itself answer for a file just above it.
	b.upload(t, console.ImportPath, "huge.yaml", blueprint(1<<20+1000)).expect(t, 413, "",
		"The file is larger than the 1048576 bytes a blueprint may have.", `type="file"`)

	// Other console forms keep the server's default limit.
	b.post(t, "/if/admin/groups/new/", url.Values{"name": {strings.Repeat("x", 100<<10)}}).expect(t, 413, "")
}
