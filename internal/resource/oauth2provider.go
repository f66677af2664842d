package resource

import (
	"crypto/rand"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/domain/keypair"
	"github.com/usher-id/usher/internal/store"
)

// Choices of the OAuth2 provider (authentik's providers/oauth2/models.py).
var (
	ClientTypes  = []string{"confidential", "public"}
	SubModes     = []string{"hashed_user_id", "user_id", "user_uuid", "user_username", "user_email", "user_upn"}
	IssuerModes  = []string{"global", "per_provider"}
	GrantTypes   = []string{"authorization_code", "implicit", "hybrid", "refresh_token", "client_credentials", "password", "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange"}
	MatchingMode = []string{"strict", "regex"}
)

// OAuth2Providers is authentik's providers.oauth2.OAuth2Provider.
var OAuth2Providers = &Model[store.OAuth2Provider]{
	Name: store.ModelOAuth2Provider, VerboseName: "OAuth2/OpenID Provider", VerboseNamePlural: "OAuth2/OpenID Providers",
	Fields: []string{"pk", "name", "authentication_flow", "authorization_flow", "invalidation_flow", "property_mappings",
		"component", "assigned_application_slug", "assigned_application_name", "assigned_backchannel_application_slug",
		"assigned_backchannel_application_name", "verbose_name", "verbose_name_plural", "meta_model_name", "client_type",
		"grant_types", "client_id", "client_secret", "access_code_validity", "access_token_validity",
		"refresh_token_validity", "refresh_token_threshold", "include_claims_in_id_token", "signing_key",
		"encryption_key", "redirect_uris", "logout_uri", "logout_method", "sub_mode", "issuer_mode",
		"jwt_federation_sources", "jwt_federation_providers", "urls"},
	pk:    func(o store.OAuth2Provider) any { return o.PK },
	title: func(o store.OAuth2Provider) string { return o.Name },
	list:  func(c *Ctx) ([]store.OAuth2Provider, error) { return c.Q.ListOAuth2Providers(c.ctx()) },
	del:   func(c *Ctx, o store.OAuth2Provider) error { return c.Q.DeleteOAuth2Provider(c.ctx(), o.PK) },
}

func init() {
	OAuth2Providers.save, OAuth2Providers.serialize = saveProvider, serializeProvider
	define(OAuth2Providers, finder[store.OAuth2Provider]{
		byPK: func(c *Ctx, pk any) (store.OAuth2Provider, error) {
			n, ok := asInt(pk)
			if !ok {
				return store.OAuth2Provider{}, store.ErrNotFound
			}
			return c.Q.GetOAuth2Provider(c.ctx(), int64(n))
		},
		unique: map[string]func(c *Ctx, v string) (store.OAuth2Provider, error){
			"name": func(c *Ctx, v string) (store.OAuth2Provider, error) { return c.Q.GetOAuth2ProviderByName(c.ctx(), v) },
			"client_id": func(c *Ctx, v string) (store.OAuth2Provider, error) {
				return c.Q.GetOAuth2ProviderByClientID(c.ctx(), v)
			},
		},
	})
}

// RandomClientValue is authentik's generate_id / generate_key: letters and
// digits from the system's random source.
func RandomClientValue(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	// Bytes from 248 up are drawn again: 248 = 4 x 62, so every letter
	// is equally likely (a plain modulo would favour the first eight).
	out := make([]byte, 0, n)
	buf := make([]byte, n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic(err) // the system's random source does not fail
		}
		for _, x := range buf {
			if x < 248 && len(out) < n {
				out = append(out, alphabet[int(x)%len(alphabet)])
			}
		}
	}
	return string(out)
}

func saveProvider(c *Ctx, existing *store.OAuth2Provider, data map[string]any) (store.OAuth2Provider, error) {
	p := store.OAuth2Provider{ClientType: "confidential", AccessCodeValidity: "minutes=1",
		AccessTokenValidity: "hours=1", RefreshTokenValidity: "days=30", IncludeClaimsInIDToken: true,
		SubMode: "hashed_user_id", IssuerMode: "per_provider", RedirectURIs: []store.RedirectURI{},
		PropertyMappings: []string{}, GrantTypes: []string{"authorization_code", "refresh_token"}}
	if existing != nil {
		p = *existing
	} else {
		p.ClientID = RandomClientValue(40)
		p.ClientSecret = RandomClientValue(128)
	}
	in := newInput(c, store.ModelOAuth2Provider, existing == nil, data)
	in.readOnly("pk", "component", "assigned_application_slug", "assigned_application_name",
		"assigned_backchannel_application_slug", "assigned_backchannel_application_name", "verbose_name",
		"verbose_name_plural", "meta_model_name", "urls")
	in.str("name", &p.Name, strOpt{required: true})
	flows := exists(c, getFlow)
	var authz *string
	if existing != nil {
		authz = &p.AuthorizationFlow
	}
	if in.ref("authorization_flow", &authz, true, false, flows) && authz != nil {
		p.AuthorizationFlow = *authz
	}
	in.ref("authentication_flow", &p.AuthenticationFlow, false, true, flows)
	in.ref("invalidation_flow", &p.InvalidationFlow, false, true, flows)
	in.choice("client_type", &p.ClientType, false, ClientTypes...)
	in.choices("grant_types", &p.GrantTypes, false, GrantTypes...)
	if in.str("client_id", &p.ClientID, strOpt{max: 255}) && (existing == nil || p.ClientID != existing.ClientID) {
		if other, err := c.Q.GetOAuth2ProviderByClientID(c.ctx(), p.ClientID); err == nil && other.PK != p.PK {
			in.taken("client_id", uniqueMsg("OAuth2/OpenID Provider", "client id"))
		}
	}
	in.str("client_secret", &p.ClientSecret, strOpt{blank: true, max: 255})
	in.duration("access_code_validity", &p.AccessCodeValidity)
	in.duration("access_token_validity", &p.AccessTokenValidity)
	in.duration("refresh_token_validity", &p.RefreshTokenValidity)
	var threshold string
	in.duration("refresh_token_threshold", &threshold)
	in.boolean("include_claims_in_id_token", &p.IncludeClaimsInIDToken)
	in.ref("signing_key", &p.SigningKey, false, true, exists(c, func(c *Ctx, id string) (store.CertificateKeyPair, error) {
		return c.Q.GetCertificateKeyPair(c.ctx(), id)
	}))
	var none *string
	in.ref("encryption_key", &none, false, true, func(string) bool { return false })
	in.redirectURIs("redirect_uris", &p.RedirectURIs)
	var ignored string
	in.str("logout_uri", &ignored, strOpt{blank: true})
	in.choice("logout_method", &ignored, false, "backchannel", "frontchannel")
	in.choice("sub_mode", &p.SubMode, false, SubModes...)
	in.choice("issuer_mode", &p.IssuerMode, false, IssuerModes...)
	in.refs("property_mappings", &p.PropertyMappings, false, true, exists(c, func(c *Ctx, id string) (store.ScopeMapping, error) {
		return c.Q.GetScopeMapping(c.ctx(), id)
	}))
	var noneList []string
	in.refs("jwt_federation_sources", &noneList, false, true, func(string) bool { return false })
	if raw, ok := in.get("jwt_federation_providers"); ok && raw != nil {
		if l, isList := raw.([]any); !isList || len(l) > 0 {
			in.fail("jwt_federation_providers", "usher does not accept tokens of other providers; leave jwt_federation_providers empty.")
		}
	}
	if p.ClientType == "confidential" && strings.TrimSpace(p.ClientSecret) == "" && in.ok() {
		in.fail("client_secret", "A confidential client needs a client secret: give one, or leave the field out to have one generated.")
	}
	if existing == nil || p.Name != existing.Name {
		if other, err := c.Q.GetOAuth2ProviderByName(c.ctx(), p.Name); err == nil && other.PK != p.PK {
			in.taken("name", uniqueMsg("provider", "name"))
		}
	}
	if err := in.err(); err != nil {
		return store.OAuth2Provider{}, err
	}
	if existing != nil && !samePtr(existing.SigningKey, p.SigningKey) {
		rotated(c, existing, &p)
	}
	var err error
	if existing == nil {
		err = c.Q.CreateOAuth2Provider(c.ctx(), &p)
	} else {
		err = c.Q.UpdateOAuth2Provider(c.ctx(), &p)
	}
	c.forget()
	if err != nil {
		return store.OAuth2Provider{}, conflict(err, "client_id", uniqueMsg("OAuth2/OpenID Provider", "client id"))
	}
	return p, nil
}

// redirectURIs reads authentik's list of {matching_mode, url}; a string
// (authentik before 2024.10: one URI per line) is read as strict URIs.
func (in *input) redirectURIs(key string, dst *[]store.RedirectURI) bool {
	raw, ok := in.present(key, false)
	if !ok {
		return false
	}
	if s, isStr := raw.(string); isStr {
		out := []store.RedirectURI{}
		for _, line := range strings.Split(s, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, store.RedirectURI{MatchingMode: "strict", URL: line})
			}
		}
		*dst = out
		return true
	}
	list, good := in.list(key, raw)
	if !good {
		return false
	}
	out := make([]store.RedirectURI, 0, len(list))
	for i, item := range list {
		m, isMap := asDict(item)
		if !isMap {
			in.fail(key, fmt.Sprintf("Item %d: expected {matching_mode, url}, got %s.", i+1, pyType(item)))
			return false
		}
		u := store.RedirectURI{MatchingMode: "strict"}
		if v, ok := m["matching_mode"]; ok {
			s, _ := asString(v)
			if !contains(MatchingMode, s) {
				in.fail(key, fmt.Sprintf("Item %d: matching_mode %q is not a valid choice (strict or regex).", i+1, fmt.Sprint(v)))
				return false
			}
			u.MatchingMode = s
		}
		if t, ok := m["redirect_uri_type"]; ok && t != "authorization" && t != "logout" {
			in.fail(key, fmt.Sprintf("Item %d: redirect_uri_type %q is not a valid choice (authorization or logout).", i+1, fmt.Sprint(t)))
			return false
		}
		u.URL, _ = asString(m["url"])
		if strings.TrimSpace(u.URL) == "" {
			in.fail(key, fmt.Sprintf("Item %d: url may not be blank.", i+1))
			return false
		}
		if u.MatchingMode == "regex" {
			if _, err := regexp.Compile(u.URL); err != nil {
				in.fail(key, fmt.Sprintf("Item %d: %q is not a valid regular expression: %v", i+1, u.URL, err))
				return false
			}
		}
		out = append(out, u)
	}
	*dst = out
	return true
}

func serializeProvider(c *Ctx, p store.OAuth2Provider) (map[string]any, error) {
	var appSlug, appName any
	slug := ""
	if a, err := c.Q.ApplicationOfProvider(c.ctx(), p.PK); err == nil {
		appSlug, appName, slug = a.Slug, a.Name, a.Slug
	}
	uris := make([]any, 0, len(p.RedirectURIs))
	for _, u := range p.RedirectURIs {
		uris = append(uris, map[string]any{"matching_mode": u.MatchingMode, "url": u.URL, "redirect_uri_type": "authorization"})
	}
	var invalidation any = ""
	if p.InvalidationFlow != nil {
		invalidation = *p.InvalidationFlow
	}
	return map[string]any{"pk": p.PK, "name": p.Name, "authentication_flow": strPtr(p.AuthenticationFlow),
		"authorization_flow": p.AuthorizationFlow, "invalidation_flow": invalidation,
		"property_mappings": nonNil(p.PropertyMappings), "component": "ak-provider-oauth2-form",
		"assigned_application_slug": appSlug, "assigned_application_name": appName,
		"assigned_backchannel_application_slug": nil, "assigned_backchannel_application_name": nil,
		"verbose_name": "OAuth2/OpenID Provider", "verbose_name_plural": "OAuth2/OpenID Providers",
		"meta_model_name": store.ModelOAuth2Provider, "client_type": p.ClientType, "grant_types": nonNil(p.GrantTypes),
		"client_id": p.ClientID, "client_secret": p.ClientSecret, "access_code_validity": p.AccessCodeValidity,
		"access_token_validity": p.AccessTokenValidity, "refresh_token_validity": p.RefreshTokenValidity,
		"refresh_token_threshold": "seconds=0", "include_claims_in_id_token": p.IncludeClaimsInIDToken,
		"signing_key": strPtr(p.SigningKey), "encryption_key": nil, "redirect_uris": uris, "logout_uri": "",
		"logout_method": "frontchannel", "sub_mode": p.SubMode, "issuer_mode": p.IssuerMode,
		"jwt_federation_sources": []any{}, "jwt_federation_providers": []any{},
		"urls": ProviderURLs(c.BaseURL, slug)}, nil
}

// ProviderURLs are the endpoints a client is configured with (authentik's
// OAuth2ProviderSetupURLs); the per-application ones need the slug of the
// application the provider is assigned to.
func ProviderURLs(base, appSlug string) map[string]any {
	base = strings.TrimSuffix(base, "/")
	urls := map[string]any{"authorize": base + "/application/o/authorize/", "token": base + "/application/o/token/",
		"user_info": base + "/application/o/userinfo/", "issuer": nil, "provider_info": nil, "logout": nil,
		"jwks": nil, "dcr_registration": nil}
	if appSlug != "" {
		app := base + "/application/o/" + appSlug + "/"
		urls["issuer"] = app
		urls["provider_info"] = app + ".well-known/openid-configuration"
		urls["logout"] = app + "end-session/"
		urls["jwks"] = app + "jwks/"
	}
	return urls
}

func samePtr(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// rotated keeps the key the provider signed with until now in its JWKS
// for as long as a token it signed can live (the access token validity,
// which ID tokens share), so clients verify through a key rotation.
func rotated(c *Ctx, old, p *store.OAuth2Provider) {
	prev := old.SigningKey
	if prev == nil { // it signed with the install's default pair
		if k, err := c.Q.GetCertificateKeyPairByManaged(c.ctx(), keypair.DefaultManaged); err == nil {
			prev = &k.UUID
		}
	}
	if prev == nil {
		return
	}
	d, err := ParseTimedelta(old.AccessTokenValidity)
	if err != nil || d <= 0 {
		d = time.Hour
	}
	until := c.now().Add(d)
	p.PreviousSigningKey, p.PreviousKeyUntil = prev, &until
}
