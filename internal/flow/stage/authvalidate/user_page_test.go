package authvalidate_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// post sends a console form with the session's CSRF token.
func post(t *testing.T, c *testapp.Client, path string, v url.Values) testapp.Page {
	t.Helper()
	v.Set(auth.CSRFField, c.CSRFToken(c.Base))
	resp, err := c.HTTP.PostForm(c.Base+path, v)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return testapp.Page{Status: resp.StatusCode, Location: resp.Header.Get("Location")}
}

// TestUserPageDevices: the account page lists the user's second factors
// with links to the setup flows; the user renames and removes their own
// (not someone else's); an administrator removes a user's device from the
// admin console.
func TestUserPageDevices(t *testing.T) {
	e := newEnv(t, testapp.Backends(t)[0])
	c := e.client(t)
	password(t, c)
	p := c.Get(e.url + "/if/user/")
	if !strings.Contains(p.Body, "You have no second factor yet.") ||
		!strings.Contains(p.Body, `href="/if/flow/default-authenticator-totp-setup/?next=%2Fif%2Fuser%2F"`) {
		t.Fatalf("account page without devices:\n%s", p.Body)
	}
	setupTOTP(t, c)
	devs, _ := e.app.Store.ListDevices(ctx, e.Admin.PK, "")
	id := strconv.FormatInt(devs[0].PK, 10)
	if p = c.Get(e.url + "/if/user/"); !strings.Contains(p.Body, `value="TOTP Device"`) || !strings.Contains(p.Body, "TOTP Device") {
		t.Fatalf("account page with a device:\n%s", p.Body)
	}
	if r := post(t, c, "/if/user/devices/"+id+"/rename/", url.Values{"name": {"Phone"}}); r.Location != "/if/user/" {
		t.Fatalf("rename answered %d %q", r.Status, r.Location)
	}
	if d, _ := e.app.Store.GetDevice(ctx, devs[0].PK); d.Name != "Phone" {
		t.Errorf("renamed to %q", d.Name)
	}

	// Bob cannot touch akadmin's device.
	h, _ := e.app.Passwords.Hash("bob-Passw0rd-long")
	bob := store.User{Username: "bob", Password: h, IsActive: true, Type: store.UserTypeInternal, Path: "users"}
	if err := e.app.Store.CreateUser(ctx, &bob); err != nil {
		t.Fatal(err)
	}
	bc := e.client(t)
	bc.FollowJSON("default-authentication-flow", "", map[string]any{"uid_field": "bob", "password": "bob-Passw0rd-long"})
	if r := post(t, bc, "/if/user/devices/"+id+"/delete/", url.Values{}); r.Status != 404 {
		t.Errorf("bob removing akadmin's device: %d", r.Status)
	}
	if _, err := e.app.Store.GetDevice(ctx, devs[0].PK); err != nil {
		t.Fatal("akadmin's device is gone")
	}

	// The administrator removes it from the admin console.
	if p = c.Get(e.url + "/if/admin/users/" + strconv.FormatInt(e.Admin.PK, 10) + "/"); !strings.Contains(p.Body, "Phone") {
		t.Fatalf("admin user page:\n%s", p.Body)
	}
	if r := post(t, c, "/if/admin/users/"+strconv.FormatInt(e.Admin.PK, 10)+"/devices/"+id+"/delete/", url.Values{}); r.Location == "" {
		t.Fatalf("admin removal answered %d", r.Status)
	}
	if _, err := e.app.Store.GetDevice(ctx, devs[0].PK); err == nil {
		t.Error("the device survived its removal")
	}
}
