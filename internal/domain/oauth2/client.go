package oauth2

import (
	"regexp"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/usher-id/usher/internal/store"
)

// client is a provider as op sees it.
type client struct {
	p      store.OAuth2Provider
	target *Target
	// idTokenLifetime is the access token validity (authentik gives ID
	// tokens the access token's lifetime).
	idTokenLifetime time.Duration
}

var _ op.Client = (*client)(nil)

func (c *client) GetID() string { return c.p.ClientID }

// RedirectURIs answers op's exact-match check: the strict URIs, plus the
// request's own redirect_uri when one of the provider's regex URIs
// matches it whole (authentik's regex matching mode).
func (c *client) RedirectURIs() []string {
	out := []string{}
	for _, u := range c.p.RedirectURIs {
		if u.MatchingMode != "regex" {
			out = append(out, u.URL)
		}
	}
	if c.target != nil && c.target.RedirectURI != "" && MatchRedirect(c.p, c.target.RedirectURI) {
		out = append(out, c.target.RedirectURI)
	}
	return out
}

// PostLogoutRedirectURIs: authentik accepts the provider's redirect URIs
// after logout too.
func (c *client) PostLogoutRedirectURIs() []string {
	out := []string{}
	for _, u := range c.p.RedirectURIs {
		if u.MatchingMode != "regex" {
			out = append(out, u.URL)
		}
	}
	if c.target != nil && c.target.PostLogoutRedirectURI != "" && MatchRedirect(c.p, c.target.PostLogoutRedirectURI) {
		out = append(out, c.target.PostLogoutRedirectURI)
	}
	return out
}

// MatchRedirect is the one redirect URI check of the provider: exact
// string equality for strict URIs (no prefix matching), a whole-string
// match for regex URIs.
func MatchRedirect(p store.OAuth2Provider, uri string) bool {
	for _, u := range p.RedirectURIs {
		switch u.MatchingMode {
		case "regex":
			re, err := regexp.Compile(`^(?:` + u.URL + `)$`)
			if err == nil && re.MatchString(uri) {
				return true
			}
		default:
			if u.URL == uri {
				return true
			}
		}
	}
	return false
}

// ApplicationType: a confidential client is a web application; a public
// one is native, which op lets use loopback redirects on any port (RFC 8252).
func (c *client) ApplicationType() op.ApplicationType {
	if c.p.ClientType == "public" {
		return op.ApplicationTypeNative
	}
	return op.ApplicationTypeWeb
}

func (c *client) AuthMethod() oidc.AuthMethod {
	if c.p.ClientType == "public" {
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

// ResponseTypes: only the code flow; implicit and hybrid are refused with
// unsupported_response_type before anything is stored.
func (c *client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}

func (c *client) GrantTypes() []oidc.GrantType {
	out := []oidc.GrantType{}
	for _, g := range c.p.GrantTypes {
		switch g {
		case "authorization_code":
			out = append(out, oidc.GrantTypeCode)
		case "refresh_token":
			out = append(out, oidc.GrantTypeRefreshToken)
		case "client_credentials":
			out = append(out, oidc.GrantTypeClientCredentials)
		}
	}
	return out
}

// LoginURL is where op sends the browser after storing the request: the
// page that signs the user in and runs the authorization flow.
func (c *client) LoginURL(id string) string {
	return "/application/o/authorize/continue/?request=" + id
}

func (c *client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c *client) IDTokenLifetime() time.Duration      { return c.idTokenLifetime }

// DevMode lets an administrator register http:// redirect URIs (an
// internal tool on a private network): the URI still has to match exactly.
func (c *client) DevMode() bool { return true }

func (c *client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

// IsScopeAllowed: scopes beyond the standard ones are allowed when a scope
// mapping of the provider names them (checked when claims are built).
func (c *client) IsScopeAllowed(string) bool { return true }

// IDTokenUserinfoClaimsAssertion is include_claims_in_id_token.
func (c *client) IDTokenUserinfoClaimsAssertion() bool { return c.p.IncludeClaimsInIDToken }
func (c *client) ClockSkew() time.Duration             { return 0 }
