package blueprint

import (
	"context"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

func TestApplyDefaults(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	if err := ApplyDefaults(ctx, a); err != nil {
		t.Fatal(err)
	}
	login, err := a.Store.GetFlowBySlug(ctx, "default-authentication-flow")
	if err != nil || login.Designation != store.DesignationAuthentication {
		t.Fatalf("login flow = %+v, %v", login, err)
	}
	logout, err := a.Store.GetFlowBySlug(ctx, "default-invalidation-flow")
	if err != nil || logout.Designation != store.DesignationInvalidation {
		t.Fatalf("logout flow = %+v, %v", logout, err)
	}
	bindings, err := a.Store.ListBindings(ctx, login.UUID)
	if err != nil || len(bindings) != 3 {
		t.Fatalf("login bindings = %+v, %v", bindings, err)
	}
	ident, err := a.Store.GetStage(ctx, bindings[0].Stage)
	if err != nil || ident.Kind != store.StageIdentification || ident.Identification.PasswordStage == nil ||
		len(ident.Identification.UserFields) != 2 || ident.Identification.UserFields[0] != "username" {
		t.Fatalf("identification stage = %+v, %v", ident.Identification, err)
	}
	// The second factor, for users who have one (authentik's default flow
	// binds its validation stage at 30 too).
	if st, _ := a.Store.GetStage(ctx, bindings[1].Stage); st.Kind != store.StageAuthenticatorValidate ||
		st.AuthenticatorValidate.NotConfiguredAction != "skip" || bindings[1].Order != 30 {
		t.Fatalf("second stage = %+v", st)
	}
	if st, _ := a.Store.GetStage(ctx, bindings[2].Stage); st.Kind != store.StageUserLogin {
		t.Fatalf("third stage = %+v", st)
	}
	for _, slug := range []string{"default-authenticator-totp-setup", "default-authenticator-static-setup", "default-authenticator-webauthn-setup"} {
		if f, err := a.Store.GetFlowBySlug(ctx, slug); err != nil || f.Designation != store.DesignationStageConfiguration {
			t.Errorf("setup flow %s = %+v, %v", slug, f, err)
		}
	}
	brands, err := a.Store.ListBrands(ctx)
	if err != nil || len(brands) != 1 {
		t.Fatalf("brands = %+v, %v", brands, err)
	}
	br := brands[0]
	if br.Domain != "authentik-default" || !br.Default || br.BrandingTitle != "usher" ||
		br.FlowAuthentication == nil || *br.FlowAuthentication != login.UUID || br.FlowInvalidation == nil || *br.FlowInvalidation != logout.UUID {
		t.Fatalf("brand = %+v", br)
	}

	// An administrator's edit survives the next start.
	br.BrandingTitle = "ACME"
	if err := a.Store.UpdateBrand(ctx, &br); err != nil {
		t.Fatal(err)
	}
	if err := ApplyDefaults(ctx, a); err != nil {
		t.Fatal(err)
	}
	brands, _ = a.Store.ListBrands(ctx)
	if len(brands) != 1 || brands[0].BrandingTitle != "ACME" {
		t.Fatalf("brands after restart = %+v", brands)
	}
	flows, _ := a.Store.ListFlows(ctx)
	if len(flows) != 7 {
		t.Fatalf("flows after restart = %d", len(flows))
	}
}
