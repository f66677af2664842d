package oauth2

import (
	"context"
	"fmt"
	"slices"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/store"
)

// mappings returns the provider's scope mappings.
func (s *Service) mappings(ctx context.Context, p store.OAuth2Provider) ([]store.ScopeMapping, error) {
	out := make([]store.ScopeMapping, 0, len(p.PropertyMappings))
	for _, id := range p.PropertyMappings {
		m, err := s.App.Store.GetScopeMapping(ctx, id)
		if err != nil {
			continue // deleted since: the provider simply serves one scope less
		}
		out = append(out, m)
	}
	return out, nil
}

// AllowedScopes keeps the requested scopes the provider serves: openid,
// and each scope one of its mappings names (authentik drops the others).
func (s *Service) AllowedScopes(ctx context.Context, p store.OAuth2Provider, requested []string) ([]string, error) {
	ms, err := s.mappings(ctx, p)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, sc := range requested {
		ok := sc == oidc.ScopeOpenID
		for _, m := range ms {
			ok = ok || m.ScopeName == sc
		}
		if sc == oidc.ScopeOfflineAccess && slices.Contains(p.GrantTypes, "refresh_token") {
			ok = true
		}
		if ok && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out, nil
}

// Permission is a scope as the consent stage shows it.
type Permission struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// ConsentPermissions describes the scopes (the mapping's description,
// as authentik's consent stage lists them).
func (s *Service) ConsentPermissions(ctx context.Context, p store.OAuth2Provider, scopes []string) ([]Permission, error) {
	ms, err := s.mappings(ctx, p)
	if err != nil {
		return nil, err
	}
	out := []Permission{}
	for _, sc := range scopes {
		for _, m := range ms {
			if m.ScopeName == sc && m.Description != "" {
				out = append(out, Permission{ID: sc, Name: m.Description})
				break
			}
		}
	}
	return out, nil
}

// Claims runs the provider's mappings for the granted scopes and merges
// the dictionaries they return, in the provider's order.
func (s *Service) Claims(ctx context.Context, p store.OAuth2Provider, u store.User, scopes []string) (map[string]any, error) {
	ms, err := s.mappings(ctx, p)
	if err != nil {
		return nil, err
	}
	groups, err := s.groupNames(ctx, u.PK)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	for _, m := range ms {
		if !slices.Contains(scopes, m.ScopeName) {
			continue
		}
		v, err := s.Policies.EvalValue(ctx, s.App.Store, m.Expression, &u, nil,
			map[string]any{"scopes": scopes, "groups": groups, "scope_name": m.ScopeName,
				"email_verified": user.EmailVerified(u)})
		if err != nil {
			// As authentik does for a failing property mapping: the
			// sign-in goes on without its claims, and the error is logged
			// for the administrator (with the mapping, never the values).
			s.App.Log.ErrorContext(ctx, "scope mapping failed; its claims are left out", "mapping", m.Name, "error", err)
			continue
		}
		claims, ok := v.(map[string]any)
		if !ok {
			if v != nil {
				s.App.Log.ErrorContext(ctx, "scope mapping did not return a dictionary of claims; left out",
					"mapping", m.Name, "type", fmt.Sprintf("%T", v))
			}
			continue
		}
		for k, c := range claims {
			out[k] = c
		}
	}
	return out, nil
}

func (s *Service) groupNames(ctx context.Context, userPK int64) ([]any, error) {
	gs, err := s.App.Store.UserGroups(ctx, userPK)
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(gs))
	for _, g := range gs {
		out = append(out, g.Name)
	}
	return out, nil
}

// fillUserinfo sets sub and the mapped claims.
func (s *Service) fillUserinfo(ctx context.Context, info *oidc.UserInfo, providerPK, userPK int64, scopes []string) error {
	p, err := s.Provider(ctx, providerPK)
	if err != nil {
		return err
	}
	u, err := s.App.Store.GetUser(ctx, userPK)
	if err != nil {
		return err
	}
	info.Subject = Subject(p, u)
	claims, err := s.Claims(ctx, p, u, scopes)
	if err != nil {
		s.App.Log.ErrorContext(ctx, "oauth2 scope mapping failed", "provider", p.Name, "error", err)
		return err
	}
	for k, v := range claims {
		switch k {
		case "sub":
			continue // the provider's sub_mode decides
		case "email":
			info.Email, _ = v.(string)
		case "email_verified":
			// oidc.UserInfo's EmailVerified is omitempty: false would
			// vanish, and relying parties such as oauth2-proxy take a
			// missing email_verified for a verified address. So only true
			// goes in the field; false is sent as an extra claim (also in
			// the ID token), as authentik sends the mapping's value.
			if b, ok := v.(bool); ok && b {
				info.EmailVerified = true
			} else {
				info.AppendClaims(k, v)
			}
		case "name":
			info.Name, _ = v.(string)
		case "given_name":
			info.GivenName, _ = v.(string)
		case "family_name":
			info.FamilyName, _ = v.(string)
		case "preferred_username":
			info.PreferredUsername, _ = v.(string)
		case "nickname":
			info.Nickname, _ = v.(string)
		default:
			info.AppendClaims(k, v)
		}
	}
	return nil
}
