package flow_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// /flows/-/default/<designation>/ opens the brand's flow for it, else the
// first flow with that designation, keeping the query (authentik's
// ToDefaultFlow); with none, 404.
func TestDefaultFlowRedirects(t *testing.T) {
	testapp.ForEachBackend(t, func(t *testing.T, e *testapp.Env) {
		c := testapp.NewClient(t, e.URL)
		c.HTTP.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		get := func(path string) (int, string) {
			t.Helper()
			resp, err := c.HTTP.Get(e.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode, resp.Header.Get("Location")
		}
		if code, loc := get("/flows/-/default/authentication/?next=%2Fif%2Fuser%2F"); code != 302 ||
			loc != "/if/flow/default-authentication-flow/?next=%2Fif%2Fuser%2F" {
			t.Errorf("authentication: %d %q", code, loc)
		}
		if code, loc := get("/flows/-/default/invalidation/"); code != 302 || loc != "/if/flow/default-invalidation-flow/" {
			t.Errorf("invalidation: %d %q", code, loc)
		}
		// The brand's own flow wins over the first one by slug.
		ctx := context.Background()
		e.Fixture.Flow("a-first-login", "First", "First", store.DesignationAuthentication, "none")
		if code, loc := get("/flows/-/default/authentication/"); code != 302 || loc != "/if/flow/a-first-login/" {
			t.Errorf("first by slug: %d %q", code, loc)
		}
		login := e.Fixture.Flows["default-authentication-flow"]
		b := store.Brand{Domain: "127.0.0.1", Default: true, BrandingTitle: "usher", FlowAuthentication: &login.UUID}
		if err := e.Store.CreateBrand(ctx, &b); err != nil {
			t.Fatal(err)
		}
		if code, loc := get("/flows/-/default/authentication/"); code != 302 || loc != "/if/flow/default-authentication-flow/" {
			t.Errorf("brand's flow: %d %q", code, loc)
		}
		// No flow with the designation: 404.
		for _, f := range []store.Flow{e.Fixture.Flows["default-invalidation-flow"]} {
			if err := e.Store.DeleteFlow(ctx, f.UUID); err != nil {
				t.Fatal(err)
			}
		}
		if code, _ := get("/flows/-/default/invalidation/"); code != 404 {
			t.Errorf("no invalidation flow: %d, want 404", code)
		}
	})
}
