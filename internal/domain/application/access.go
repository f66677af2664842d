// Package application holds the rules of applications: who may open one
// (authentik's PolicyEngine over the application's bindings) and where it
// starts.
package application

import (
	"context"
	"net/http"
	"net/url"

	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/store"
)

// Access reports whether u may open a: the policy, group and user
// bindings on the application decide in its policy engine mode; without
// bindings everyone may (authentik's default). Messages explain a refusal.
func Access(ctx context.Context, e *policy.Engine, q store.Queries, a store.Application, u *store.User, r *http.Request) (bool, []string, error) {
	res, err := e.EvaluateTarget(ctx, q, a.UUID, a.PolicyEngineMode, policy.Request{User: u, HTTP: r, Obj: a,
		Context: map[string]any{}})
	if err != nil {
		return false, nil, err
	}
	return res.Passing, res.Messages, nil
}

// LaunchURL is where the application starts: its meta_launch_url, else
// the origin of its OAuth2 provider's first strict redirect URI
// (authentik's Application.get_launch_url); "" when neither exists.
func LaunchURL(ctx context.Context, q store.Queries, a store.Application) string {
	if a.MetaLaunchURL != "" {
		return a.MetaLaunchURL
	}
	if a.Provider == nil {
		return ""
	}
	p, err := q.GetOAuth2Provider(ctx, *a.Provider)
	if err != nil {
		return ""
	}
	return ProviderLaunchURL(p)
}

// ProviderLaunchURL is where an application behind p starts: the origin
// of p's first strict http(s) redirect URI, "" when it has none.
func ProviderLaunchURL(p store.OAuth2Provider) string {
	for _, u := range p.RedirectURIs {
		if u.MatchingMode != "strict" {
			continue
		}
		if parsed, err := url.Parse(u.URL); err == nil && (parsed.Scheme == "http" || parsed.Scheme == "https") && parsed.Host != "" {
			return parsed.Scheme + "://" + parsed.Host + "/"
		}
	}
	return ""
}
