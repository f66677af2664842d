package brand

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDefaultLogoServed(t *testing.T) {
	mux := http.NewServeMux()
	Assets{}.Mount(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", DefaultLogo, nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/svg+xml" || !strings.Contains(rec.Body.String(), "<svg") {
		t.Fatalf("logo: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
}
