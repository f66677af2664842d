package hardening

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

// Every kind of request body is refused with 413 and a clear message once
// it passes its limit, whether its length is declared or not.
func TestBodyLimits(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	a := testapp.NewApp(t, st)
	a.MaxBodyBytes, a.MaxBlueprintBytes = 8<<10, 16<<10
	// The blueprint upload paths get their own limit from the app (16 KiB
	// plus room for the form around the file), set by boot.Server.
	srv := testapp.NewServerWith(t, a, server.Options{MaxBodyBytes: 8 << 10}).URL
	fx := fixture(t, st, a)
	key := auth.NewTokenKey()
	if err := st.CreateToken(ctx, &store.Token{Identifier: "limit", KeyHash: auth.HashToken(key), UserPK: fx.Admin.PK, Intent: "api"}); err != nil {
		t.Fatal(err)
	}
	big := func(n int) string { return strings.Repeat("x", n) }
	multipart := func(field, name, content string) string {
		return "--B\r\nContent-Disposition: form-data; name=\"" + field + "\"; filename=\"" + name + "\"\r\n\r\n" + content + "\r\n--B--\r\n"
	}
	tests := []struct {
		name, path, ctype, body string
		bearer                  bool
		wantJSON                bool
	}{
		{"API JSON", "/api/v3/core/groups/", "application/json", `{"name":"` + big(20<<10) + `"}`, true, true},
		{"executor JSON", "/api/v3/flows/executor/" + enrollSlug + "/", "application/json", `{"component":"ak-stage-prompt","x":"` + big(20<<10) + `"}`, false, true},
		{"flow page form", "/if/flow/" + enrollSlug + "/", "application/x-www-form-urlencoded", "username=" + big(20<<10), false, false},
		{"admin console form", "/if/admin/groups/new/", "multipart/form-data; boundary=B", multipart("name", "", big(20<<10)), false, false},
		{"blueprint upload", "/api/v3/managed/blueprints/import/", "multipart/form-data; boundary=B", multipart("file", "bp.yaml", "version: 1\n#"+big(200<<10)), true, true},
	}
	for _, tt := range tests {
		for _, chunked := range []bool{false, true} {
			name := tt.name
			if chunked {
				name += ", length not declared"
			}
			t.Run(name, func(t *testing.T) {
				var body io.Reader = strings.NewReader(tt.body)
				if chunked {
					pr, pw := io.Pipe()
					go func() { pw.Write([]byte(tt.body)); pw.Close() }()
					body = pr
				}
				req, _ := http.NewRequest("POST", srv+tt.path, body)
				req.Header.Set("Content-Type", tt.ctype)
				if tt.bearer {
					req.Header.Set("Authorization", "Bearer "+key)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusRequestEntityTooLarge {
					t.Fatalf("status %d, want 413: %.300s", resp.StatusCode, b)
				}
				text := string(b)
				if !strings.Contains(text, "larger than") || strings.Contains(text, "goroutine") {
					t.Errorf("unclear 413 body: %.300s", text)
				}
				if tt.wantJSON != strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
					t.Errorf("Content-Type %q for %s", resp.Header.Get("Content-Type"), tt.name)
				}
			})
		}
	}
}
