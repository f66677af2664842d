package console

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// defaultAuthorizationFlow is the flow authentik's provider wizard picks
// first (blueprints/default/flow-default-provider-authorization-implicit-consent.yaml).
const defaultAuthorizationFlow = "default-provider-authorization-implicit-consent"

// defaultScopes are the managed scope mappings preselected on a new
// provider, as authentik's provider form does
// (web/src/admin/providers/oauth2/OAuth2ProviderFormForm.ts).
var defaultScopes = []string{"goauthentik.io/providers/oauth2/scope-openid",
	"goauthentik.io/providers/oauth2/scope-email", "goauthentik.io/providers/oauth2/scope-profile"}

// regexPrefix marks a redirect URI line that is a regular expression.
const regexPrefix = "regex:"

const redirectURIsHelp = "One per line. Each is matched exactly (strict), the safe default. Start a line with " +
	regexPrefix + " to match by regular expression instead (the whole URI must match), e.g. " +
	regexPrefix + `https://app\.example\.com/oauth/callback/.*`

func (h *Handler) mountProviders(mux *routes) {
	e := h.providerEntity()
	mux.HandleFunc("GET /if/admin/providers/", h.admin(h.providerList))
	e.mount(mux)
	mux.HandleFunc("GET /if/admin/providers/{id}/", h.admin(e.with(h.providerDetail)))
}

func (h *Handler) loadProvider(ctx context.Context, id string) (store.OAuth2Provider, error) {
	pk, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return store.OAuth2Provider{}, store.ErrNotFound
	}
	return h.App.Store.GetOAuth2Provider(ctx, pk)
}

func (h *Handler) providerEntity() *entity[store.OAuth2Provider] {
	return &entity[store.OAuth2Provider]{h: h,
		Singular: "Provider", Base: "/if/admin/providers/", Nav: "providers", model: resource.OAuth2Providers,
		load: h.loadProvider,
		form: func(ctx context.Context, _ *store.OAuth2Provider) (*formDef, error) {
			fields, err := h.providerFields(ctx, "name", "Name")
			if err != nil {
				return nil, err
			}
			return &formDef{Fields: fields}, nil
		},
		values: func(obj *store.OAuth2Provider) url.Values {
			if obj == nil {
				return h.providerDefaults(context.Background())
			}
			return providerValues(*obj, "name")
		},
		data: func(f *formDef, v url.Values, _ *store.OAuth2Provider) map[string]any {
			return providerData(f, v, "name")
		},
		ident: func(p store.OAuth2Provider) (string, string) { return strconv.FormatInt(p.PK, 10), p.Name },
		next:  func(p store.OAuth2Provider) string { return "/if/admin/providers/" + strconv.FormatInt(p.PK, 10) + "/" },
	}
}

// providerFields is the provider form; nameField is the form name of the
// provider's name ("provider_name" where an application's name shares the
// form).
func (h *Handler) providerFields(ctx context.Context, nameField, nameLabel string) ([]*field, error) {
	q := h.App.Store
	authz, err := h.designatedFlows(ctx, store.DesignationAuthorization, "")
	if err != nil {
		return nil, err
	}
	authn, err := h.designatedFlows(ctx, store.DesignationAuthentication, "The brand's authentication flow")
	if err != nil {
		return nil, err
	}
	inval, err := h.designatedFlows(ctx, store.DesignationInvalidation, "The brand's invalidation flow")
	if err != nil {
		return nil, err
	}
	keys, err := q.ListCertificateKeyPairs(ctx)
	if err != nil {
		return nil, err
	}
	keyOpts := []option{{Value: "", Label: "usher's default key pair"}}
	for _, k := range keys {
		if strings.TrimSpace(k.KeyData) != "" {
			keyOpts = append(keyOpts, option{Value: k.UUID, Label: k.Name})
		}
	}
	maps, err := q.ListScopeMappings(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(maps, func(i, j int) bool { return maps[i].Name < maps[j].Name })
	mapOpts := make([]option, 0, len(maps))
	for _, m := range maps {
		mapOpts = append(mapOpts, option{Value: m.UUID, Label: m.Name + " (scope " + m.ScopeName + ")"})
	}
	return []*field{
		{Name: nameField, Label: nameLabel, Kind: "text", Required: nameField == "name"},
		{Name: "authorization_flow", Label: "Authorization flow", Kind: "select", Required: true, Options: authz,
			Help: "Runs after the user signed in, before the client gets a code: implicit consent redirects at once, explicit consent asks first."},
		{Name: "authentication_flow", Label: "Authentication flow", Kind: "select", Nullable: true, Options: authn,
			Help: "Signs in a user who is not signed in yet."},
		{Name: "invalidation_flow", Label: "Invalidation flow", Kind: "select", Nullable: true, Options: inval,
			Help: "Runs when the client sends the user to end-session (RP-initiated logout)."},
		{Name: "protocol", Label: "Protocol settings", Kind: "heading"},
		{Name: "client_type", Label: "Client type", Kind: "select", Options: choices(
			"confidential", "Confidential (a server that keeps the client secret)",
			"public", "Public (a browser or mobile app; PKCE required, no secret)")},
		{Name: "client_id", Label: "Client ID", Kind: "text", Required: true, Autocomplete: "off"},
		{Name: "client_secret", Label: "Client secret", Kind: "text", Autocomplete: "off",
			Help: "Shown again on the provider's page to copy into the client."},
		{Name: "redirect_uris", Label: "Redirect URIs", Kind: "textarea", Help: redirectURIsHelp},
		{Name: "signing_key", Label: "Signing key", Kind: "select", Nullable: true, Options: keyOpts,
			Help: "Signs ID tokens: RS256 for an RSA key, ES256 for an ECDSA key."},
		{Name: "advanced", Label: "Advanced settings", Kind: "heading",
			Help: "Validities are durations like hours=1 or days=30;hours=2 (weeks, days, hours, minutes, seconds)."},
		{Name: "access_code_validity", Label: "Access code validity", Kind: "text", Required: true},
		{Name: "access_token_validity", Label: "Access token validity", Kind: "text", Required: true},
		{Name: "refresh_token_validity", Label: "Refresh token validity", Kind: "text", Required: true},
		{Name: "property_mappings", Label: "Scopes", Kind: "multiselect", Options: mapOpts,
			Help: "The scope mappings the client may ask for; each adds the claims of its scope."},
		{Name: "include_claims_in_id_token", Label: "Include claims in ID token", Kind: "checkbox",
			Help: "Put the scopes' claims in the ID token too, for clients that do not call userinfo."},
		{Name: "sub_mode", Label: "Subject mode", Kind: "select", Options: choices(
			"hashed_user_id", "A hashed user ID (default)", "user_id", "The user's ID", "user_uuid", "The user's UUID",
			"user_username", "The username", "user_email", "The email address", "user_upn", "The user's UPN attribute, else the hashed ID"),
			Help: "What the sub claim holds; the client identifies the user by it."},
		{Name: "issuer_mode", Label: "Issuer mode", Kind: "select", Options: choices(
			"per_provider", "Each application has its own issuer (default)", "global", "One issuer for the whole install")},
	}, nil
}

// designatedFlows lists the flows of one designation as select options,
// with an empty choice labelled none first unless none is "".
func (h *Handler) designatedFlows(ctx context.Context, designation, none string) ([]option, error) {
	flows, err := h.App.Store.ListFlows(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(flows, func(i, j int) bool { return flows[i].Slug < flows[j].Slug })
	var opts []option
	if none != "" {
		opts = append(opts, option{Value: "", Label: none})
	}
	for _, f := range flows {
		if f.Designation == designation {
			opts = append(opts, option{Value: f.UUID, Label: f.Name + " (" + f.Slug + ")"})
		}
	}
	if none == "" && len(opts) == 0 {
		opts = append(opts, option{Value: "", Label: "No flow with designation " + designation + " exists"})
	}
	return opts, nil
}

// defaultAuthzFlow is authentik's implicit-consent flow when installed,
// else the first authorization flow by slug; "" when there is none.
func (h *Handler) defaultAuthzFlow(ctx context.Context) string {
	flows, err := h.App.Store.ListFlows(ctx)
	if err != nil {
		return ""
	}
	sort.Slice(flows, func(i, j int) bool { return flows[i].Slug < flows[j].Slug })
	first := ""
	for _, f := range flows {
		if f.Designation != store.DesignationAuthorization {
			continue
		}
		if f.Slug == defaultAuthorizationFlow {
			return f.UUID
		}
		if first == "" {
			first = f.UUID
		}
	}
	return first
}

// providerDefaults are a new provider's form values: the model's defaults,
// a fresh client ID and secret (authentik's form fills them in the same
// way) and the managed openid, email and profile scopes.
func (h *Handler) providerDefaults(ctx context.Context) url.Values {
	v := url.Values{"authorization_flow": {h.defaultAuthzFlow(ctx)}, "client_type": {"confidential"},
		"client_id": {resource.RandomClientValue(40)}, "client_secret": {resource.RandomClientValue(128)},
		"access_code_validity": {"minutes=1"}, "access_token_validity": {"hours=1"}, "refresh_token_validity": {"days=30"},
		"include_claims_in_id_token": {"on"}, "sub_mode": {"hashed_user_id"}, "issuer_mode": {"per_provider"}}
	for _, managed := range defaultScopes {
		if m, err := h.App.Store.GetScopeMappingByManaged(ctx, managed); err == nil {
			v.Add("property_mappings", m.UUID)
		}
	}
	return v
}

func providerValues(p store.OAuth2Provider, nameField string) url.Values {
	lines := make([]string, 0, len(p.RedirectURIs))
	for _, u := range p.RedirectURIs {
		if u.MatchingMode == "regex" {
			lines = append(lines, regexPrefix+u.URL)
		} else {
			lines = append(lines, u.URL)
		}
	}
	return url.Values{nameField: {p.Name}, "authorization_flow": {p.AuthorizationFlow},
		"authentication_flow": {strPtr(p.AuthenticationFlow)}, "invalidation_flow": {strPtr(p.InvalidationFlow)},
		"client_type": {p.ClientType}, "client_id": {p.ClientID}, "client_secret": {p.ClientSecret},
		"redirect_uris": {strings.Join(lines, "\n")}, "signing_key": {strPtr(p.SigningKey)},
		"access_code_validity": {p.AccessCodeValidity}, "access_token_validity": {p.AccessTokenValidity},
		"refresh_token_validity": {p.RefreshTokenValidity}, "include_claims_in_id_token": {boolStr(p.IncludeClaimsInIDToken)},
		"sub_mode": {p.SubMode}, "issuer_mode": {p.IssuerMode}, "property_mappings": p.PropertyMappings}
}

// providerData converts the provider form to the API's data: the redirect
// URI lines become authentik's [{matching_mode, url}] list.
func providerData(f *formDef, v url.Values, nameField string) map[string]any {
	d := genericData(f, v)
	if nameField != "name" {
		d["name"] = d[nameField]
		delete(d, nameField)
	}
	d["redirect_uris"] = parseRedirectURIs(v.Get("redirect_uris"))
	return d
}

func parseRedirectURIs(text string) []any {
	out := []any{}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		mode := "strict"
		if rest, ok := strings.CutPrefix(line, regexPrefix); ok {
			mode, line = "regex", strings.TrimSpace(rest)
		}
		out = append(out, map[string]any{"matching_mode": mode, "url": line})
	}
	return out
}

type providerRow struct {
	P   store.OAuth2Provider
	App *store.Application
}

func (h *Handler) providerList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	ctx := r.Context()
	ps, err := h.App.Store.ListOAuth2Providers(ctx)
	if err != nil {
		return err
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	byProvider, err := h.applicationsByProvider(ctx)
	if err != nil {
		return err
	}
	rows := make([]providerRow, 0, len(ps))
	for _, p := range ps {
		row := providerRow{P: p}
		if a, ok := byProvider[p.PK]; ok {
			row.App = &a
		}
		rows = append(rows, row)
	}
	v := h.view(r, u, "Providers", "providers")
	v.P = rows
	return h.render(w, r, http.StatusOK, "provider_list", v)
}

// applicationsByProvider maps each provider in use to its application.
func (h *Handler) applicationsByProvider(ctx context.Context) (map[int64]store.Application, error) {
	apps, err := h.App.Store.ListApplications(ctx)
	if err != nil {
		return nil, err
	}
	out := map[int64]store.Application{}
	for _, a := range apps {
		if a.Provider != nil {
			out[*a.Provider] = a
		}
	}
	return out, nil
}

type copyValue struct{ Label, Value string }

type providerPage struct {
	P       store.OAuth2Provider
	App     *store.Application
	Client  []copyValue
	URLs    []copyValue
	Flow    string
	Scopes  []string
	KeyName string
}

// providerDetail shows what a client is configured with: the client ID and
// secret and authentik's setup URLs (OAuth2ProviderSetupURLs).
func (h *Handler) providerDetail(w http.ResponseWriter, r *http.Request, u *store.User, _ *entity[store.OAuth2Provider], p store.OAuth2Provider) error {
	ctx := r.Context()
	page := providerPage{P: p, Client: []copyValue{{"Client ID", p.ClientID}}}
	if p.ClientSecret != "" {
		page.Client = append(page.Client, copyValue{"Client secret", p.ClientSecret})
	}
	slug := ""
	if a, err := h.App.Store.ApplicationOfProvider(ctx, p.PK); err == nil {
		page.App, slug = &a, a.Slug
	}
	urls := resource.ProviderURLs(httpx.BaseURL(r), slug)
	for _, k := range []struct{ key, label string }{{"provider_info", "OpenID configuration URL (discovery)"},
		{"issuer", "Issuer"}, {"authorize", "Authorize URL"}, {"token", "Token URL"}, {"user_info", "Userinfo URL"},
		{"jwks", "JWKS URL"}, {"logout", "End-session (logout) URL"}} {
		if s, ok := urls[k.key].(string); ok && s != "" {
			page.URLs = append(page.URLs, copyValue{k.label, s})
		}
	}
	if f, err := h.App.Store.GetFlow(ctx, p.AuthorizationFlow); err == nil {
		page.Flow = f.Name + " (" + f.Slug + ")"
	}
	for _, id := range p.PropertyMappings {
		if m, err := h.App.Store.GetScopeMapping(ctx, id); err == nil {
			page.Scopes = append(page.Scopes, m.ScopeName)
		}
	}
	if p.SigningKey != nil {
		if k, err := h.App.Store.GetCertificateKeyPair(ctx, *p.SigningKey); err == nil {
			page.KeyName = k.Name
		}
	}
	v := h.view(r, u, "Provider "+p.Name, "providers")
	v.Back = &link{URL: "/if/admin/providers/", Label: "Providers"}
	v.P = page
	return h.render(w, r, http.StatusOK, "provider_detail", v)
}
