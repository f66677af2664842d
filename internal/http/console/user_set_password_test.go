package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// An admin setting a user's password ends that user's sessions, as the
// CLI's set-password does; the admin stays signed in.
func TestAdminSetPasswordEndsUserSessions(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	alice := f.user(t, "alice", store.UserTypeInternal, false)
	ab := f.browser(t, &admin)
	alices := []*browser{f.browser(t, &alice), f.browser(t, &alice)}
	for _, b := range alices {
		b.get(t, "/if/user/").expect(t, http.StatusOK, "")
	}
	ab.post(t, "/if/admin/users/"+strconv.FormatInt(alice.PK, 10)+"/password/",
		url.Values{"password": {"n3w-pass"}, "password_repeat": {"n3w-pass"}}).expect(t, http.StatusSeeOther, "")
	for i, b := range alices {
		if r := b.get(t, "/if/user/"); r.status == http.StatusOK {
			t.Fatalf("alice's session %d still signed in after the admin set her password", i)
		}
	}
	ab.get(t, "/if/admin/users/").expect(t, http.StatusOK, "")
	if len(f.events(t, "password_set")) != 1 {
		t.Fatal("want one password_set event")
	}
}
