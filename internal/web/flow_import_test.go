package web

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"testing"

	"github.com/usher-id/usher/internal/auth"
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
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header.Get("Location"), string(raw)}
}

// TestFlowImport imports the seed page's blueprint from the Flows page.
func TestFlowImport(t *testing.T) {
	data, err := os.ReadFile("/work/shared/blueprints/example/flows-invitation-enrollment.yaml")
	if err != nil {
		t.Skip("example blueprint not available:", err)
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
