package console_test

import (
	"net/http"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// The Events filter offers usher's own actions and shows the active one,
// also when a link names an action the list does not have.
func TestEventFilterShowsActiveAction(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	b := f.browser(t, &admin)
	b.get(t, "/if/admin/events/?action=invitation_failed").expect(t, http.StatusOK, "",
		`<option value="invitation_failed" selected>`, `<option value="rate_limited">`)
	b.get(t, "/if/admin/events/?action=custom_thing").expect(t, http.StatusOK, "", `<option value="custom_thing" selected>`)
}
