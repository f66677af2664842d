package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/httpx/httpxtest"
)

func TestLocalRedirectRefusesOffsite(t *testing.T) {
	for _, raw := range httpxtest.OffsiteNext {
		next := httpxtest.Decode(raw)
		if got, ok := httpx.LocalRedirect(next); ok {
			t.Errorf("LocalRedirect(%q from %q) = %q, accepted", next, raw, got)
		}
	}
}

func TestLocalRedirectKeepsSameSite(t *testing.T) {
	for raw, want := range httpxtest.SameSite {
		next := httpxtest.Decode(raw)
		got, ok := httpx.LocalRedirect(next)
		if !ok || got != want {
			t.Errorf("LocalRedirect(%q from %q) = %q, %v; want %q", next, raw, got, ok, want)
		}
		// What is checked is what http.Redirect would have sent: feeding
		// the result to it changes nothing.
		rec := httptest.NewRecorder()
		http.Redirect(rec, httptest.NewRequest("GET", "/flows/-/cancel/", nil), got, http.StatusFound)
		if loc := rec.Header().Get("Location"); loc != got {
			t.Errorf("http.Redirect changes %q into %q", got, loc)
		}
		if httpxtest.BrowserLeaves(got) {
			t.Errorf("browser leaves the origin for %q", got)
		}
	}
}

// Redirect sends the checked string, else the fallback, else "/"; whatever
// it sends keeps the browser here.
func TestRedirectSendsOnlyLocalPaths(t *testing.T) {
	for _, raw := range append(append([]string{}, httpxtest.OffsiteNext...), "/if/user/", "/a/../b/") {
		next := httpxtest.Decode(raw)
		for _, fallback := range []string{"/if/flow/default-invalidation-flow/", "//evil.example", ""} {
			rec := httptest.NewRecorder()
			httpx.Redirect(rec, httptest.NewRequest("GET", "/flows/-/cancel/", nil), next, fallback, http.StatusFound)
			loc := rec.Header().Get("Location")
			if rec.Code != http.StatusFound || httpxtest.BrowserLeaves(loc) {
				t.Errorf("Redirect(%q, %q) = %d %q", next, fallback, rec.Code, loc)
			}
			if _, ok := httpx.LocalRedirect(next); !ok {
				want := "/"
				if fallback == "/if/flow/default-invalidation-flow/" {
					want = fallback
				}
				if loc != want {
					t.Errorf("Redirect(%q, %q) went to %q, want the fallback %q", next, fallback, loc, want)
				}
			}
		}
	}
}

// Every accepted value is stable: checking it again gives the same string,
// so a target checked once (the executor's) and again when sent (the page's)
// is the same target.
func TestLocalRedirectIdempotent(t *testing.T) {
	for raw := range httpxtest.SameSite {
		once, _ := httpx.LocalRedirect(httpxtest.Decode(raw))
		twice, ok := httpx.LocalRedirect(once)
		if !ok || twice != once {
			t.Errorf("LocalRedirect(%q) = %q, %v", once, twice, ok)
		}
	}
}
