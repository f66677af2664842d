package oauth2

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

// ClientAuthFail is the rate-limit action of failed client authentication.
const ClientAuthFail = "oauth2_client_auth"

// Storage is op.Storage over the service.
type Storage struct {
	S *Service
	// Limiter counts failed client authentications (nil: not limited).
	Limiter *ratelimit.Limiter
}

var (
	_ op.Storage                   = (*Storage)(nil)
	_ op.ClientCredentialsStorage  = (*Storage)(nil)
	_ op.CanSetUserinfoFromRequest = (*Storage)(nil)
)

func (st *Storage) q() store.Store { return st.S.App.Store }

// CreateAuthRequest stores a validated request. Scopes no mapping of the
// provider serves are dropped, as authentik does.
func (st *Storage) CreateAuthRequest(ctx context.Context, req *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	p, _, err := st.S.ProviderByClientID(ctx, req.ClientID)
	if err != nil {
		return nil, err
	}
	scopes, err := st.S.AllowedScopes(ctx, p, req.Scopes)
	if err != nil {
		return nil, err
	}
	s := stored{ClientID: req.ClientID, RedirectURI: req.RedirectURI, Scopes: scopes, State: req.State,
		Nonce: req.Nonce, ResponseType: req.ResponseType, ResponseMode: req.ResponseMode,
		CodeChallenge: req.CodeChallenge, CodeChallengeMethod: req.CodeChallengeMethod, Prompt: req.Prompt,
		MaxAge: req.MaxAge, LoginHint: req.LoginHint}
	b, err := json.Marshal(s)
	if err != nil {
		return nil, err
	}
	now := st.S.now()
	row := store.OAuth2AuthRequest{ID: randomID(), ProviderPK: p.PK, Request: b, Created: now, Expires: now.Add(requestLifetime)}
	if err := st.q().CreateOAuth2AuthRequest(ctx, &row); err != nil {
		return nil, err
	}
	return &AuthRequest{ID: row.ID, ProviderPK: p.PK, Req: s}, nil
}

func (st *Storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	a, _, err := st.S.LoadRequest(ctx, id)
	if err != nil {
		return nil, err
	}
	return a, nil
}

// AuthRequestByCode redeems the code: the conditional UPDATE lets exactly
// one token request through, whichever instance serves it. A replayed
// code revokes every token its first use issued (RFC 6749, 4.1.2).
func (st *Storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	row, used, err := st.q().RedeemOAuth2AuthCode(ctx, Hash(code), st.S.now())
	if used {
		if _, rerr := st.q().RevokeOAuth2Family(ctx, row.ID, st.S.now()); rerr != nil {
			return nil, rerr
		}
		return nil, errors.New("authorization code already used; the tokens issued for it are revoked")
	}
	if err != nil {
		return nil, err
	}
	if row.UserPK == nil {
		return nil, errors.New("authorization code without a user")
	}
	return st.S.fromRow(ctx, row)
}

// SaveAuthCode stores the code's hash; it is valid for the provider's
// access_code_validity.
func (st *Storage) SaveAuthCode(ctx context.Context, id, code string) error {
	row, err := st.q().GetOAuth2AuthRequest(ctx, id)
	if err != nil {
		return err
	}
	p, err := st.S.Provider(ctx, row.ProviderPK)
	if err != nil {
		return err
	}
	return st.q().SetOAuth2AuthCode(ctx, id, Hash(code), st.S.now().Add(Validity(p.AccessCodeValidity, time.Minute)))
}

// DeleteAuthRequest keeps the row: it remembers that the code was used
// (so a replay is recognised) until it expires and the retention job
// removes it.
func (st *Storage) DeleteAuthRequest(context.Context, string) error { return nil }

// tokenBase is what every token row of a request carries.
func (st *Storage) tokenBase(ctx context.Context, request op.TokenRequest) (store.OAuth2Token, store.OAuth2Provider, error) {
	var t store.OAuth2Token
	var clientID string
	switch r := request.(type) {
	case *AuthRequest:
		clientID = r.Req.ClientID
		pk := r.UserPK
		at := r.AuthTime
		t = store.OAuth2Token{ProviderPK: r.ProviderPK, UserPK: &pk, Family: r.ID, SessionHash: r.SessionHash,
			Scopes: r.Req.Scopes, AuthTime: &at, AMR: r.AMR}
	case *grant:
		clientID = r.ClientID
		t = store.OAuth2Token{ProviderPK: r.ProviderPK, Family: r.Family, SessionHash: r.SessionHash,
			Scopes: r.Scopes, AMR: r.AMR}
		if r.UserPK != 0 {
			pk := r.UserPK
			t.UserPK = &pk
		}
		if !r.AuthTime.IsZero() {
			at := r.AuthTime
			t.AuthTime = &at
		}
	default:
		return t, store.OAuth2Provider{}, fmt.Errorf("unsupported token request %T", request)
	}
	t.Audience = []string{clientID}
	p, err := st.S.Provider(ctx, t.ProviderPK)
	return t, p, err
}

func (st *Storage) CreateAccessToken(ctx context.Context, request op.TokenRequest) (string, time.Time, error) {
	t, p, err := st.tokenBase(ctx, request)
	if err != nil {
		return "", time.Time{}, err
	}
	now := st.S.now()
	t.ID, t.Kind, t.Created, t.Expires = randomID(), "access", now, now.Add(Validity(p.AccessTokenValidity, time.Hour))
	if t.Family == "" {
		t.Family = t.ID
	}
	if err := st.q().CreateOAuth2Token(ctx, &t); err != nil {
		return "", time.Time{}, err
	}
	return t.ID, t.Expires, nil
}

// CreateAccessAndRefreshTokens issues an access and a refresh token. On a
// refresh the presented token is rotated: marked used by a conditional
// UPDATE in the same transaction, so of two racing refreshes exactly one
// gets new tokens; the other finds it used, which revokes the family.
func (st *Storage) CreateAccessAndRefreshTokens(ctx context.Context, request op.TokenRequest, current string) (string, string, time.Time, error) {
	base, p, err := st.tokenBase(ctx, request)
	if err != nil {
		return "", "", time.Time{}, err
	}
	now := st.S.now()
	access := base
	access.ID, access.Kind, access.Created, access.Expires = randomID(), "access", now, now.Add(Validity(p.AccessTokenValidity, time.Hour))
	refreshValue := randomID()
	refresh := base
	refresh.ID, refresh.Kind, refresh.TokenHash, refresh.Created = randomID(), "refresh", Hash(refreshValue), now
	refresh.Expires = now.Add(Validity(p.RefreshTokenValidity, 30*24*time.Hour))
	if access.Family == "" {
		access.Family, refresh.Family = refresh.ID, refresh.ID
	}
	reused := false
	err = st.q().Tx(ctx, func(q store.Queries) error {
		if current != "" {
			old, err := q.GetOAuth2TokenByHash(ctx, Hash(current))
			if err != nil {
				return err
			}
			ok, err := q.UseOAuth2RefreshToken(ctx, old.ID, now)
			if err != nil {
				return err
			}
			if !ok {
				reused = true
				return nil
			}
		}
		if err := q.CreateOAuth2Token(ctx, &access); err != nil {
			return err
		}
		return q.CreateOAuth2Token(ctx, &refresh)
	})
	if err != nil {
		return "", "", time.Time{}, err
	}
	if reused {
		if _, err := st.q().RevokeOAuth2Family(ctx, base.Family, now); err != nil {
			return "", "", time.Time{}, err
		}
		return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("refresh token already used; every token of this sign-in is revoked")
	}
	return access.ID, refreshValue, access.Expires, nil
}

// TokenRequestByRefreshToken reads a refresh token. A token that was
// already rotated is being replayed: the whole family is revoked (RFC 9700,
// 4.14.2), as a stolen token and its rightful holder cannot be told apart.
func (st *Storage) TokenRequestByRefreshToken(ctx context.Context, value string) (op.RefreshTokenRequest, error) {
	t, err := st.q().GetOAuth2TokenByHash(ctx, Hash(value))
	if err != nil || t.Kind != "refresh" {
		return nil, op.ErrInvalidRefreshToken
	}
	now := st.S.now()
	if t.UsedAt != nil {
		if _, err := st.q().RevokeOAuth2Family(ctx, t.Family, now); err != nil {
			return nil, err
		}
		return nil, op.ErrInvalidRefreshToken
	}
	if t.RevokedAt != nil || !t.Expires.After(now) || t.UserPK == nil {
		return nil, op.ErrInvalidRefreshToken
	}
	p, err := st.S.Provider(ctx, t.ProviderPK)
	if err != nil {
		return nil, op.ErrInvalidRefreshToken
	}
	u, err := st.q().GetUser(ctx, *t.UserPK)
	if err != nil || !u.IsActive {
		return nil, op.ErrInvalidRefreshToken
	}
	g := &grant{ProviderPK: p.PK, ClientID: p.ClientID, UserPK: u.PK, Subject: Subject(p, u), Scopes: t.Scopes,
		AMR: t.AMR, Family: t.Family, SessionHash: t.SessionHash}
	if t.AuthTime != nil {
		g.AuthTime = *t.AuthTime
	}
	return g, nil
}

// TerminateSession does nothing: op calls it from its own end-session
// handler, which usher does not use; usher's end-session runs the
// invalidation flow, whose logout revokes the session's tokens.
func (st *Storage) TerminateSession(ctx context.Context, _ string, _ string) error { return nil }

// RevokeToken revokes an access token (by its ID, which op decrypted) or
// a refresh token (by value, revoking its whole family) of the client.
func (st *Storage) RevokeToken(ctx context.Context, tokenOrID, _ string, clientID string) *oidc.Error {
	p, _, err := st.S.ProviderByClientID(ctx, clientID)
	if err != nil {
		return oidc.ErrInvalidClient()
	}
	now := st.S.now()
	t, err := st.q().GetOAuth2TokenByHash(ctx, Hash(tokenOrID))
	if err == nil {
		if t.ProviderPK != p.PK {
			return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
		}
		if _, err := st.q().RevokeOAuth2Family(ctx, t.Family, now); err != nil {
			return oidc.ErrServerError()
		}
		return nil
	}
	t, err = st.q().GetOAuth2Token(ctx, tokenOrID)
	if err != nil {
		return nil // RFC 7009: an unknown token is not an error
	}
	if t.ProviderPK != p.PK {
		return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
	}
	if err := st.q().RevokeOAuth2Token(ctx, t.ID, now); err != nil {
		return oidc.ErrServerError()
	}
	return nil
}

func (st *Storage) GetRefreshTokenInfo(ctx context.Context, _ string, value string) (string, string, error) {
	t, err := st.q().GetOAuth2TokenByHash(ctx, Hash(value))
	if err != nil || t.Kind != "refresh" {
		return "", "", op.ErrInvalidRefreshToken
	}
	return "", value, nil
}

func (st *Storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	k, err := st.S.signingKey(ctx, TargetFrom(ctx))
	if err != nil {
		return nil, err
	}
	return k, nil
}

// SignatureAlgorithms lists the algorithms of every key in the JWKS: during
// a rotation from an RSA to an EC key, clients must accept both.
func (st *Storage) SignatureAlgorithms(ctx context.Context) ([]jose.SignatureAlgorithm, error) {
	keys, err := st.S.keySet(ctx, TargetFrom(ctx))
	if err != nil {
		return nil, err
	}
	out := []jose.SignatureAlgorithm{}
	for _, k := range keys {
		if !slices.Contains(out, k.Algorithm()) {
			out = append(out, k.Algorithm())
		}
	}
	return out, nil
}

func (st *Storage) KeySet(ctx context.Context) ([]op.Key, error) {
	return st.S.keySet(ctx, TargetFrom(ctx))
}

func (st *Storage) GetClientByClientID(ctx context.Context, clientID string) (op.Client, error) {
	p, _, err := st.S.ProviderByClientID(ctx, clientID)
	if err != nil {
		return nil, err
	}
	return &client{p: p, target: TargetFrom(ctx), idTokenLifetime: Validity(p.AccessTokenValidity, time.Hour)}, nil
}

// AuthorizeClientIDSecret compares the secret in constant time; failures
// count toward the address's rate limit (a guessed secret).
func (st *Storage) AuthorizeClientIDSecret(ctx context.Context, clientID, secret string) error {
	key := ""
	if t := TargetFrom(ctx); t != nil && t.ClientIP != "" {
		key = ratelimit.IPKey(ClientAuthFail, t.ClientIP)
	}
	if st.Limiter != nil && key != "" {
		if _, limited := st.Limiter.Check(ctx, key); limited {
			return oidc.ErrInvalidClient().WithDescription("too many failed attempts; try again later")
		}
	}
	p, _, err := st.S.ProviderByClientID(ctx, clientID)
	if err == nil && p.ClientSecret != "" && subtle.ConstantTimeCompare([]byte(p.ClientSecret), []byte(secret)) == 1 {
		return nil
	}
	if st.Limiter != nil && key != "" {
		st.Limiter.Fail(ctx, key)
	}
	return oidc.ErrInvalidClient().WithDescription("client authentication failed")
}

func (st *Storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil // SetUserinfoFromRequest does the work, knowing the user
}

func (st *Storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, request op.IDTokenRequest, scopes []string) error {
	var providerPK, userPK int64
	switch r := request.(type) {
	case *AuthRequest:
		providerPK, userPK = r.ProviderPK, r.UserPK
	case *grant:
		providerPK, userPK = r.ProviderPK, r.UserPK
	}
	if userPK == 0 {
		return nil
	}
	return st.S.fillUserinfo(ctx, info, providerPK, userPK, scopes)
}

// activeToken is an access token that is neither revoked nor expired,
// whose user (if any) is still active.
func (st *Storage) activeToken(ctx context.Context, id string) (store.OAuth2Token, *store.User, error) {
	t, err := st.q().GetOAuth2Token(ctx, id)
	if err != nil {
		return t, nil, err
	}
	if t.Kind != "access" || t.RevokedAt != nil || !t.Expires.After(st.S.now()) {
		return t, nil, errors.New("token is revoked or expired")
	}
	if t.UserPK == nil {
		return t, nil, nil
	}
	u, err := st.q().GetUser(ctx, *t.UserPK)
	if err != nil || !u.IsActive {
		return t, nil, errors.New("the token's user is inactive or gone")
	}
	return t, &u, nil
}

func (st *Storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, _, _ string) error {
	t, u, err := st.activeToken(ctx, tokenID)
	if err != nil {
		return err
	}
	if u == nil {
		return errors.New("a client credentials token has no user")
	}
	return st.S.fillUserinfo(ctx, info, t.ProviderPK, u.PK, t.Scopes)
}

func (st *Storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, _, clientID string) error {
	t, u, err := st.activeToken(ctx, tokenID)
	if err != nil {
		return err
	}
	p, err := st.S.Provider(ctx, t.ProviderPK)
	if err != nil {
		return err
	}
	caller, _, err := st.S.ProviderByClientID(ctx, clientID)
	if err != nil || caller.PK != p.PK {
		return errors.New("token was not issued to this client")
	}
	resp.Active = true
	resp.Scope = t.Scopes
	resp.ClientID = p.ClientID
	resp.Audience = t.Audience
	resp.Expiration = oidc.FromTime(t.Expires)
	resp.IssuedAt = oidc.FromTime(t.Created)
	resp.TokenType = oidc.BearerToken
	if u != nil {
		resp.Subject = Subject(p, *u)
		resp.Username = u.Username
	} else {
		resp.Subject = p.ClientID
	}
	return nil
}

func (st *Storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (st *Storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("usher does not accept JWT client assertions")
}

func (st *Storage) ValidateJWTProfileScopes(_ context.Context, _ string, scopes []string) ([]string, error) {
	return scopes, nil
}

func (st *Storage) Health(ctx context.Context) error { return st.q().Ping(ctx) }

// ClientCredentials authenticates a confidential client for the
// client_credentials grant (when the provider allows it).
func (st *Storage) ClientCredentials(ctx context.Context, clientID, secret string) (op.Client, error) {
	if err := st.AuthorizeClientIDSecret(ctx, clientID, secret); err != nil {
		return nil, err
	}
	return st.GetClientByClientID(ctx, clientID)
}

func (st *Storage) ClientCredentialsTokenRequest(ctx context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	p, _, err := st.S.ProviderByClientID(ctx, clientID)
	if err != nil {
		return nil, err
	}
	allowed, err := st.S.AllowedScopes(ctx, p, scopes)
	if err != nil {
		return nil, err
	}
	return &grant{ProviderPK: p.PK, ClientID: p.ClientID, Subject: p.ClientID, Scopes: allowed}, nil
}
