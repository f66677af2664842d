package oauth2

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// requestLifetime bounds how long a user may take to sign in and consent
// before the client has to start over.
const requestLifetime = 30 * time.Minute

// Service holds the provider's rules; Storage adapts it to op.
type Service struct {
	App      *app.App
	Policies *policy.Engine
}

// CryptoKey encrypts opaque access tokens (op's AES-GCM bearer tokens).
// It is derived from the secret every instance shares, so a token issued
// by one instance is read by any other.
func (s *Service) CryptoKey() [32]byte {
	return sha256.Sum256(append([]byte("usher oauth2 access tokens\x00"), s.App.Secret...))
}

func (s *Service) now() time.Time { return s.App.Clock() }

// randomID is 32 random bytes, URL-safe.
func randomID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Hash is the SHA-256 (hex) under which codes and refresh tokens are kept.
func Hash(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}

// Validity parses a provider's timedelta, falling back when it is unset.
func Validity(s string, fallback time.Duration) time.Duration {
	d, err := resource.ParseTimedelta(s)
	if err != nil || d <= 0 {
		return fallback
	}
	return d
}

// Subject is the sub claim for u under the provider's sub_mode
// (authentik's OAuth2Provider.get_user_id / sub_mode).
func Subject(p store.OAuth2Provider, u store.User) string {
	switch p.SubMode {
	case "user_id":
		return strconv.FormatInt(u.PK, 10)
	case "user_uuid":
		return u.UUID
	case "user_username":
		return u.Username
	case "user_email":
		return u.Email
	case "user_upn":
		if upn, ok := u.Attributes["upn"].(string); ok && upn != "" {
			return upn
		}
	}
	return resource.UserUID(u)
}

// Provider loads a provider by pk; the one the request is about comes
// from its target (op asks for it several times per request).
func (s *Service) Provider(ctx context.Context, pk int64) (store.OAuth2Provider, error) {
	if t := TargetFrom(ctx); t != nil && t.Provider.PK == pk {
		return t.Provider, nil
	}
	return s.App.Store.GetOAuth2Provider(ctx, pk)
}

// ProviderByClientID loads the provider and its application; the request's
// own come from its target.
func (s *Service) ProviderByClientID(ctx context.Context, clientID string) (store.OAuth2Provider, *store.Application, error) {
	if t := TargetFrom(ctx); t != nil && t.Provider.PK != 0 && t.Provider.ClientID == clientID {
		return t.Provider, t.App, nil
	}
	p, err := s.App.Store.GetOAuth2ProviderByClientID(ctx, clientID)
	if err != nil {
		return p, nil, err
	}
	a, err := s.App.Store.ApplicationOfProvider(ctx, p.PK)
	if errors.Is(err, store.ErrNotFound) {
		return p, nil, nil
	}
	if err != nil {
		return p, nil, err
	}
	return p, &a, nil
}

// ProviderBySlug loads the application by slug and its provider.
func (s *Service) ProviderBySlug(ctx context.Context, slug string) (store.OAuth2Provider, *store.Application, error) {
	a, err := s.App.Store.GetApplicationBySlug(ctx, slug)
	if err != nil {
		return store.OAuth2Provider{}, nil, err
	}
	if a.Provider == nil {
		return store.OAuth2Provider{}, nil, fmt.Errorf("application %q has no provider: %w", slug, store.ErrNotFound)
	}
	p, err := s.App.Store.GetOAuth2Provider(ctx, *a.Provider)
	return p, &a, err
}

// LoadRequest reads an authorization request with its user's subject.
func (s *Service) LoadRequest(ctx context.Context, id string) (*AuthRequest, store.OAuth2AuthRequest, error) {
	row, err := s.App.Store.GetOAuth2AuthRequest(ctx, id)
	if err != nil {
		return nil, row, err
	}
	if !row.Expires.After(s.now()) {
		return nil, row, fmt.Errorf("authorization request expired: %w", store.ErrNotFound)
	}
	a, err := s.fromRow(ctx, row)
	return a, row, err
}

func (s *Service) fromRow(ctx context.Context, row store.OAuth2AuthRequest) (*AuthRequest, error) {
	a := &AuthRequest{ID: row.ID, ProviderPK: row.ProviderPK, SessionHash: row.SessionHash, AMR: []string{"pwd"}}
	if err := json.Unmarshal(row.Request, &a.Req); err != nil {
		return nil, err
	}
	if row.AuthTime != nil {
		a.AuthTime = *row.AuthTime
	}
	if row.UserPK != nil {
		p, err := s.Provider(ctx, row.ProviderPK)
		if err != nil {
			return nil, err
		}
		u, err := s.App.Store.GetUser(ctx, *row.UserPK)
		if err != nil {
			return nil, err
		}
		a.UserPK, a.Subject = u.PK, Subject(p, u)
	}
	return a, nil
}

// Authorize binds the request to the user who completed its
// authorization flow, once (the conditional UPDATE refuses a request
// that is gone, expired or already bound). sessionHash ties the tokens
// to the browser session, so ending the session revokes them.
func Authorize(ctx context.Context, q store.Queries, id string, userPK int64, sessionHash string, now time.Time) error {
	ok, err := q.AuthorizeOAuth2AuthRequest(ctx, id, userPK, sessionHash, now)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("authorization request already used or expired: %w", store.ErrNotFound)
	}
	return nil
}
