package blueprint

import (
	"context"
	"testing"

	"github.com/usher-id/usher/internal/domain/keypair"
	"github.com/usher-id/usher/internal/store/storetest"
)

// A provider and its application as authentik users write them: flows,
// the self-signed key and the managed scope mappings found by name.
const providerBlueprint = `version: 1
metadata:
  name: Grafana
entries:
- model: authentik_providers_oauth2.oauth2provider
  id: provider
  identifiers:
    name: Grafana
  attrs:
    authorization_flow: !Find [authentik_flows.flow, [slug, default-provider-authorization-implicit-consent]]
    invalidation_flow: !Find [authentik_flows.flow, [slug, default-invalidation-flow]]
    client_type: confidential
    client_id: grafana
    client_secret: a-secret-from-the-vault
    redirect_uris:
    - matching_mode: strict
      url: https://grafana.example.com/login/generic_oauth
    signing_key: !Find [authentik_crypto.certificatekeypair, [name, authentik Self-signed Certificate]]
    property_mappings:
    - !Find [authentik_providers_oauth2.scopemapping, [managed, goauthentik.io/providers/oauth2/scope-openid]]
    - !Find [authentik_providers_oauth2.scopemapping, [managed, goauthentik.io/providers/oauth2/scope-email]]
    - !Find [authentik_providers_oauth2.scopemapping, [managed, goauthentik.io/providers/oauth2/scope-profile]]
- model: authentik_core.application
  identifiers:
    slug: grafana
  attrs:
    name: Grafana
    provider: !KeyOf provider
`

func TestProviderBlueprint(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			a := appOn(b.Open(t))
			if err := ApplyDefaults(ctx, a); err != nil {
				t.Fatal(err)
			}
			kp, err := keypair.EnsureDefault(ctx, a.Store)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 2; i++ { // and again: nothing changes, nothing fails
				if _, err := Apply(ctx, a, mustParse(t, providerBlueprint), Options{}); err != nil {
					t.Fatalf("apply %d: %v", i+1, err)
				}
			}
			p, err := a.Store.GetOAuth2ProviderByClientID(ctx, "grafana")
			if err != nil {
				t.Fatal(err)
			}
			if p.SigningKey == nil || *p.SigningKey != kp.UUID || len(p.PropertyMappings) != 3 || p.ClientSecret != "a-secret-from-the-vault" {
				t.Errorf("provider = %+v", p)
			}
			app, err := a.Store.GetApplicationBySlug(ctx, "grafana")
			if err != nil || app.Provider == nil || *app.Provider != p.PK {
				t.Fatalf("application = %+v %v", app, err)
			}
		})
	}
}
