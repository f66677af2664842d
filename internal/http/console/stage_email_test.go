package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// The email stage form: the SMTP password is write-only (never shown), an
// edit that leaves it empty keeps it, and an unknown template or
// use_tls with use_ssl is refused naming the field.
func TestEmailStageForm(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	b := f.browser(t, &admin)
	form := url.Values{"name": {"mail"}, "host": {"smtp.example.com"}, "port": {"587"}, "username": {"u"},
		"password": {"smtp-secret"}, "use_tls": {"on"}, "timeout": {"10"}, "from_address": {"it@example.com"},
		"subject": {"Hello"}, "template": {"email/account_confirmation.html"}, "token_expiry": {"hours=1"},
		"recovery_max_attempts": {"3"}, "recovery_cache_timeout": {"minutes=10"}}
	b.post(t, "/if/admin/stages/new/?type=email", form).expect(t, http.StatusSeeOther, "")
	st, err := f.st.GetStageByName(context.Background(), "mail")
	if err != nil || st.Email == nil || st.Email.Password != "smtp-secret" || !st.Email.UseTLS || st.Email.UseGlobalSettings ||
		st.Email.Template != "email/account_confirmation.html" || st.Email.RecoveryMaxAttempts != 3 {
		t.Fatalf("created: %v %+v", err, st.Email)
	}
	edit := "/if/admin/stages/" + st.UUID + "/edit/"
	if r := b.get(t, edit); r.status != http.StatusOK || strings.Contains(r.body, "smtp-secret") {
		t.Fatalf("edit form (%d) shows the password or fails", r.status)
	}
	form.Set("password", "")
	form.Set("subject", "Changed")
	b.post(t, edit, form).expect(t, http.StatusSeeOther, "")
	st, _ = f.st.GetStage(context.Background(), st.UUID)
	if st.Email.Password != "smtp-secret" || st.Email.Subject != "Changed" {
		t.Fatalf("after an edit without password: %+v", st.Email)
	}
	form.Set("template", "email/nosuch.html")
	if r := b.post(t, edit, form); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "is not a valid choice") {
		t.Fatalf("unknown template: %d", r.status)
	}
	form.Set("template", "email/password_reset.html")
	form.Set("use_ssl", "on")
	if r := b.post(t, edit, form); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "mutually exclusive") {
		t.Fatalf("TLS and SSL: %d", r.status)
	}
	if st, _ = f.st.GetStage(context.Background(), st.UUID); st.Email.Template != "email/account_confirmation.html" || st.Email.UseSSL {
		t.Fatalf("a refused edit was written: %+v", st.Email)
	}
}
