package console_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// Brands are saved through the generic form conversion: text fields as
// given, checkboxes as booleans, empty flow selects as null.
func TestBrandConsole(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	b := f.browser(t, &admin)
	b.get(t, "/if/admin/brands/new/").expect(t, 200, "", "Create Brand", `name="domain"`, `name="flow_authentication"`)

	b.post(t, "/if/admin/brands/new/", url.Values{"domain": {""}, "branding_title": {"Acme"}}).expect(t, 422, "", "This field")
	b.post(t, "/if/admin/brands/new/", url.Values{"domain": {"login.example.com"}, "branding_title": {"Acme"},
		"flow_authentication": {""}}).expect(t, 303, "/if/admin/brands/")

	brands, err := f.st.ListBrands(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got *store.Brand
	for i := range brands {
		if brands[i].Domain == "login.example.com" {
			got = &brands[i]
		}
	}
	if got == nil || got.BrandingTitle != "Acme" || got.Default || got.FlowAuthentication != nil {
		t.Fatalf("brand stored wrong: %+v (all: %+v)", got, brands)
	}

	edit := "/if/admin/brands/" + got.UUID + "/edit/"
	b.post(t, edit, url.Values{"domain": {"login.example.com"}, "branding_title": {"Acme Corp"}, "default": {"on"}}).
		expect(t, 303, "/if/admin/brands/")
	after, err := f.st.GetBrand(context.Background(), got.UUID)
	if err != nil || after.BrandingTitle != "Acme Corp" || !after.Default {
		t.Fatalf("brand after edit: %+v %v", after, err)
	}
}
