package consent_test

import (
	"testing"

	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/testkit"
)

// checkAuthorizationFlow checks that slug is authentik's authorization
// flow, bound to a consent stage of mode (or to nothing).
func checkAuthorizationFlow(t *testing.T, st store.Store, slug, stage, mode string) {
	t.Helper()
	f, err := st.GetFlowBySlug(ctx, slug)
	if err != nil || f.Designation != store.DesignationAuthorization || f.Authentication != "require_authenticated" ||
		f.Title != "Redirecting to %(app)s" || f.Name != "Authorize Application" {
		t.Fatalf("flow %s = %+v, %v", slug, f, err)
	}
	bindings, err := st.ListBindings(ctx, f.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if stage == "" {
		if len(bindings) != 0 {
			t.Fatalf("%s bindings = %+v", slug, bindings)
		}
		return
	}
	if len(bindings) != 1 || bindings[0].Order != 0 {
		t.Fatalf("%s bindings = %+v", slug, bindings)
	}
	s, err := st.GetStage(ctx, bindings[0].Stage)
	if err != nil || s.Kind != store.StageConsent || s.Name != stage || s.Consent.Mode != mode || s.Consent.ConsentExpireIn != "weeks=4" {
		t.Fatalf("%s stage = %+v %+v, %v", slug, s, s.Consent, err)
	}
}

// authentik's explicit consent blueprint imports as it is.
func TestAuthentikBlueprintImports(t *testing.T) {
	path := testkit.AuthentikBlueprint(t, "flow-default-provider-authorization-explicit-consent.yaml")
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			a := testapp.NewApp(t, st)
			testapp.ApplyFile(t, a, path)
			testapp.ApplyFile(t, a, path) // idempotent
			checkAuthorizationFlow(t, st, "default-provider-authorization-explicit-consent",
				"default-provider-authorization-consent", store.ConsentExpiring)
		})
	}
}

// Every install gets both authorization flows: explicit consent asks
// (mode expiring), implicit consent has no stage.
func TestDefaultAuthorizationFlows(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			a := testapp.NewApp(t, st)
			for i := 0; i < 2; i++ { // first start, then a restart
				if err := blueprint.ApplyDefaults(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			checkAuthorizationFlow(t, st, "default-provider-authorization-explicit-consent",
				"default-provider-authorization-consent", store.ConsentExpiring)
			checkAuthorizationFlow(t, st, "default-provider-authorization-implicit-consent", "", "")
		})
	}
}
