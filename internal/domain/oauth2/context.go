package oauth2

import (
	"context"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

type ctxKey int

const targetKey ctxKey = iota

// Target is what one protocol request is about: the provider (and the
// application it serves) the client or path names, and the site's base
// URL, from which the per-application issuer is built.
type Target struct {
	Provider store.OAuth2Provider
	App      *store.Application
	BaseURL  string
	// RedirectURI is the redirect_uri of an authorization request, so the
	// client can answer op's exact-match check with a URI our own matcher
	// (strict or regex) accepted.
	RedirectURI string
	// PostLogoutRedirectURI likewise, for end-session.
	PostLogoutRedirectURI string
	// ClientIP keys the rate limit of failed client authentication.
	ClientIP string

	signer *signer // the request's signing key, once loaded
}

// WithTarget stores t in ctx.
func WithTarget(ctx context.Context, t *Target) context.Context {
	return context.WithValue(ctx, targetKey, t)
}

// TargetFrom returns the target stored by WithTarget (nil when none).
func TargetFrom(ctx context.Context) *Target {
	t, _ := ctx.Value(targetKey).(*Target)
	return t
}

// Issuer is authentik's per-provider issuer, /application/o/<slug>/, or
// the site's base URL in global issuer mode.
func Issuer(base string, p store.OAuth2Provider, app *store.Application) string {
	base = strings.TrimSuffix(base, "/")
	if p.IssuerMode == "global" || app == nil {
		return base + "/"
	}
	return base + "/application/o/" + app.Slug + "/"
}
