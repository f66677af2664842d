package console_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/domain/totp"
	"github.com/usher-id/usher/internal/store"
)

// The user page lists the user's own TOTP devices, links to the setup flow
// (the TOTP stage's configure_flow), and removes a device only for its
// owner.
func TestUserDevices(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	jane := f.user(t, "jane", store.UserTypeInternal, false)
	bob := f.user(t, "bob", store.UserTypeInternal, false)
	key, err := totp.NewKey("usher", "jane", 6)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	mine, err := totp.Enroll(ctx, f.st, jane.PK, "Jane's phone", key.Secret(), 6, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	theirs, err := totp.Enroll(ctx, f.st, bob.PK, "Bob's phone", key.Secret(), 6, 1, now)
	if err != nil {
		t.Fatal(err)
	}
	b := f.browser(t, &jane)

	// No setup flow configured: the devices, no setup link.
	r := b.get(t, "/if/user/")
	r.expect(t, http.StatusOK, "", "Two-factor authentication", "Jane&#39;s phone")
	if strings.Contains(r.body, "Bob&#39;s phone") || strings.Contains(r.body, "Set up an authenticator app") {
		t.Fatalf("page shows another user's device or a setup link without a flow:\n%s", snippet(r.body))
	}

	// A TOTP stage with a configure_flow: the page links to that flow.
	fl := store.Flow{Name: "TOTP", Slug: "totp-setup", Title: "Set up", Designation: store.DesignationStageConfiguration,
		Authentication: "require_authenticated"}
	if err := f.st.CreateFlow(ctx, &fl); err != nil {
		t.Fatal(err)
	}
	st, _ := store.NewStage(store.StageAuthenticatorTOTP, "totp")
	st.TOTP.ConfigureFlow = &fl.UUID
	if err := f.st.CreateStage(ctx, &st); err != nil {
		t.Fatal(err)
	}
	b.get(t, "/if/user/").expect(t, http.StatusOK, "", `href="/if/flow/totp-setup/?next=%2Fif%2Fuser%2F"`)

	// Someone else's device: refused, still there.
	b.post(t, "/if/user/devices/totp/"+strconv.FormatInt(theirs.ID, 10)+"/delete/", nil).expect(t, http.StatusSeeOther, "/if/user/")
	if _, err := f.st.GetTOTPDevice(ctx, theirs.ID); err != nil {
		t.Fatalf("another user's device was removed: %v", err)
	}
	// Without the CSRF token: refused.
	b.do(t, http.MethodPost, "/if/user/devices/totp/"+strconv.FormatInt(mine.ID, 10)+"/delete/", nil)
	if _, err := f.st.GetTOTPDevice(ctx, mine.ID); err != nil {
		t.Fatalf("removed without a CSRF token: %v", err)
	}
	// Own device: removed, with an event.
	b.post(t, "/if/user/devices/totp/"+strconv.FormatInt(mine.ID, 10)+"/delete/", nil).expect(t, http.StatusSeeOther, "/if/user/")
	if _, err := f.st.GetTOTPDevice(ctx, mine.ID); err == nil {
		t.Fatal("own device not removed")
	}
	if len(f.events(t, "model_deleted")) != 1 {
		t.Fatalf("model_deleted events: %d", len(f.events(t, "model_deleted")))
	}
}
