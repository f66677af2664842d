package console_test

import (
	"testing"

	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/store/storetest"
)

// The console's searches and filters with NUL or bytes that are not UTF-8
// answer 400 naming the parameter, on both databases, never a 500 (issue
// 12 item 6).
func TestConsoleQueryRefusesBadText(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			f := fixtureOn(t, be.Open(t), server.Options{})
			admin := f.user(t, "admin", "internal", true)
			b := f.browser(t, &admin)
			for _, path := range []string{"/if/admin/users/?search=abc%00", "/if/admin/invitations/?search=abc%00",
				"/if/admin/invitations/?search=ak%ff%feadmin", "/if/admin/events/?action=%00", "/if/admin/users/?search=%00&page=2"} {
				b.get(t, path).expect(t, 400, "", "Query parameter")
			}
		})
	}
}
