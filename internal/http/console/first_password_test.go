package console_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/usher-id/usher/internal/auth"
)

// An administrator created with a generated password sees only the account
// page until they choose their own password; afterwards the console opens.
func TestGeneratedPasswordMustBeChanged(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	res, err := auth.Bootstrap(ctx, f.st, f.app.Passwords, auth.BootstrapOptions{})
	if err != nil || res.GeneratedPassword == "" {
		t.Fatalf("bootstrap: %+v %v", res, err)
	}
	admin, err := f.st.GetUserByUsername(ctx, auth.AdminUsername)
	if err != nil {
		t.Fatal(err)
	}
	b := f.browser(t, &admin)
	b.get(t, "/if/admin/").expect(t, http.StatusSeeOther, "/if/user/")
	b.get(t, "/if/user/").expect(t, http.StatusOK, "", "Choose your own password now", `id="change-password"`)

	b.post(t, "/if/user/password/", url.Values{"current_password": {res.GeneratedPassword},
		"new_password": {"my own long passphrase"}, "new_password_repeat": {"my own long passphrase"}})
	after, _ := f.st.GetUserByUsername(ctx, auth.AdminUsername)
	if _, still := after.Attributes[auth.AttrPasswordChangeRequired]; still {
		t.Fatal("the requirement survived the password change")
	}
	b.get(t, "/if/admin/").expect(t, http.StatusOK, "")
	if ok, _ := f.app.Passwords.Verify(after.Password, "my own long passphrase"); !ok {
		t.Error("new password not set")
	}
}
