package console_test

import (
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// TestAdminUnknownURL: an unknown admin URL gets the console's 404 page
// (its style, a way back), and a visitor who is not signed in is sent to log
// in rather than told what exists.
func TestAdminUnknownURL(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	r := f.browser(t, &admin).get(t, "/if/admin/no-such-page/at/all")
	r.expect(t, 404, "", "<h1>Not found</h1>", "Go to the start page")
	if strings.Contains(r.body, "404 page not found") {
		t.Error("bare mux 404")
	}
	if r := f.browser(t, nil).get(t, "/if/admin/no-such-page/"); r.status == 404 || r.status == 200 {
		t.Errorf("anonymous visitor: %d", r.status)
	}
}
