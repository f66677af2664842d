package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// The consent stage is offered, created and edited in the console like
// every stage kind; a bad duration is refused naming the field.
func TestConsentStageForm(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	b := f.browser(t, &admin)
	b.get(t, "/if/admin/stages/new/").expect(t, http.StatusOK, "", "Consent Stage", "type=consent")
	b.get(t, "/if/admin/stages/new/?type=consent").expect(t, http.StatusOK, "", `name="mode"`, `name="consent_expire_in"`)
	form := url.Values{"name": {"ask"}, "mode": {"permanent"}, "consent_expire_in": {"weeks=4"}}
	b.post(t, "/if/admin/stages/new/?type=consent", form).expect(t, http.StatusSeeOther, "")
	st, err := f.st.GetStageByName(context.Background(), "ask")
	if err != nil || st.Kind != store.StageConsent || st.Consent.Mode != store.ConsentPermanent {
		t.Fatalf("created: %v %+v", err, st.Consent)
	}
	edit := "/if/admin/stages/" + st.UUID + "/edit/"
	form.Set("mode", "expiring")
	form.Set("consent_expire_in", "days=2")
	b.post(t, edit, form).expect(t, http.StatusSeeOther, "")
	if st, _ = f.st.GetStage(context.Background(), st.UUID); st.Consent.Mode != store.ConsentExpiring || st.Consent.ConsentExpireIn != "days=2" {
		t.Fatalf("edited: %+v", st.Consent)
	}
	form.Set("consent_expire_in", "later")
	if r := b.post(t, edit, form); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "later is not in the correct format") {
		t.Fatalf("bad duration: %d", r.status)
	}
	if st, _ = f.st.GetStage(context.Background(), st.UUID); st.Consent.ConsentExpireIn != "days=2" {
		t.Fatalf("a refused edit was written: %+v", st.Consent)
	}
}
