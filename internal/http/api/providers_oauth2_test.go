package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	ak "goauthentik.io/api/v3"
)

// authentik's Go client creates, reads and lists providers, scope mappings
// and key pairs; its decoders refuse responses missing required fields.
func TestClientOAuth2Provider(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		authz, _, err := e.client.FlowsAPI.FlowsInstancesCreate(ctx).FlowRequest(
			*ak.NewFlowRequest("Authorize", "authorize-app", "Redirecting to %(app)s", ak.FLOWDESIGNATIONENUM_AUTHORIZATION)).Execute()
		if err != nil {
			t.Fatal(err)
		}
		inval, _, err := e.client.FlowsAPI.FlowsInstancesCreate(ctx).FlowRequest(
			*ak.NewFlowRequest("Logout", "logout-app", "Bye", ak.FLOWDESIGNATIONENUM_INVALIDATION)).Execute()
		if err != nil {
			t.Fatal(err)
		}

		kp, _, err := e.client.CryptoAPI.CryptoCertificatekeypairsGenerateCreate(ctx).CertificateGenerationRequest(
			*ak.NewCertificateGenerationRequest("signing.example", 30)).Execute()
		if err != nil {
			t.Fatalf("generate key pair: %v", err)
		}
		if !kp.PrivateKeyAvailable || kp.GetKeyType() != ak.CERTIFICATEKEYPAIRKEYTYPEENUM_RSA || kp.FingerprintSha256.Get() == nil {
			t.Errorf("generated key pair = %+v", kp)
		}
		kps, _, err := e.client.CryptoAPI.CryptoCertificatekeypairsList(ctx).Execute()
		if err != nil || len(kps.Results) == 0 {
			t.Fatalf("list key pairs: %v %v", kps, err)
		}

		sm, _, err := e.client.PropertymappingsAPI.PropertymappingsProviderScopeCreate(ctx).ScopeMappingRequest(
			*ak.NewScopeMappingRequest("Team", `return {"team": "blue"}`, "team")).Execute()
		if err != nil {
			t.Fatalf("create scope mapping: %v", err)
		}
		sms, _, err := e.client.PropertymappingsAPI.PropertymappingsProviderScopeList(ctx).Execute()
		if err != nil || len(sms.Results) == 0 {
			t.Fatalf("list scope mappings: %v", err)
		}
		// A broken expression is refused with the line and what is wrong.
		_, res, err := e.client.PropertymappingsAPI.PropertymappingsProviderScopeCreate(ctx).ScopeMappingRequest(
			*ak.NewScopeMappingRequest("Broken", "return {", "x")).Execute()
		if status, body := apiErr(t, res, err); status != http.StatusBadRequest || body["expression"] == nil {
			t.Errorf("broken expression: %d %v", status, body)
		}

		req := ak.NewOAuth2ProviderRequest("Grafana", authz.Pk, inval.Pk, []ak.RedirectURIRequest{
			*ak.NewRedirectURIRequest(ak.MATCHINGMODEENUM_STRICT, "https://grafana.example/login/generic_oauth"),
			*ak.NewRedirectURIRequest(ak.MATCHINGMODEENUM_REGEX, `https://.*\.grafana\.example/cb`)})
		req.SetSigningKey(kp.Pk)
		req.SetPropertyMappings([]string{sm.Pk})
		p, _, err := e.client.ProvidersAPI.ProvidersOauth2Create(ctx).OAuth2ProviderRequest(*req).Execute()
		if err != nil {
			t.Fatalf("create provider: %v", err)
		}
		if len(p.GetClientId()) != 40 || len(p.GetClientSecret()) != 128 || p.GetClientType() != ak.CLIENTTYPEENUM_CONFIDENTIAL {
			t.Errorf("provider defaults = %+v", p)
		}
		got, _, err := e.client.ProvidersAPI.ProvidersOauth2Retrieve(ctx, p.Pk).Execute()
		if err != nil || len(got.RedirectUris) != 2 || got.RedirectUris[1].MatchingMode != ak.MATCHINGMODEENUM_REGEX {
			t.Fatalf("retrieve provider: %+v %v", got, err)
		}
		app := ak.NewApplicationRequest("Grafana", "grafana")
		app.SetProvider(p.Pk)
		if _, _, err := e.client.CoreAPI.CoreApplicationsCreate(ctx).ApplicationRequest(*app).Execute(); err != nil {
			t.Fatalf("create application: %v", err)
		}
		urls, _, err := e.client.ProvidersAPI.ProvidersOauth2SetupUrlsRetrieve(ctx, p.Pk).Execute()
		if err != nil || !strings.HasSuffix(urls.Issuer, "/application/o/grafana/") || !strings.HasSuffix(urls.Jwks, "/application/o/grafana/jwks/") {
			t.Fatalf("setup urls: %+v %v", urls, err)
		}
		list, _, err := e.client.ProvidersAPI.ProvidersOauth2List(ctx).Execute()
		if err != nil || len(list.Results) != 1 || list.Results[0].GetAssignedApplicationSlug() != "grafana" {
			t.Fatalf("list providers: %+v %v", list, err)
		}
		all, _, err := e.client.ProvidersAPI.ProvidersAllList(ctx).Execute()
		if err != nil || len(all.Results) != 1 {
			t.Fatalf("providers/all: %+v %v", all, err)
		}
		// One provider serves one application.
		other := ak.NewApplicationRequest("Other", "other")
		other.SetProvider(p.Pk)
		_, res, err = e.client.CoreAPI.CoreApplicationsCreate(ctx).ApplicationRequest(*other).Execute()
		if status, body := apiErr(t, res, err); status != http.StatusBadRequest || body["provider"] == nil {
			t.Errorf("second application on the provider: %d %v", status, body)
		}
		// A bad regex redirect URI names the item.
		bad := ak.NewOAuth2ProviderRequest("Bad", authz.Pk, inval.Pk, []ak.RedirectURIRequest{
			*ak.NewRedirectURIRequest(ak.MATCHINGMODEENUM_REGEX, `https://(`)})
		_, res, err = e.client.ProvidersAPI.ProvidersOauth2Create(ctx).OAuth2ProviderRequest(*bad).Execute()
		if status, body := apiErr(t, res, err); status != http.StatusBadRequest || !strings.Contains(strings.Join(asStrings(body["redirect_uris"]), " "), "Item 1") {
			t.Errorf("bad regex: %d %v", status, body)
		}
	})
}

func asStrings(v any) []string {
	l, _ := v.([]any)
	out := []string{}
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
