package store

import (
	"context"
	"time"
)

// Model names of the OpenID Connect provider's objects (authentik's).
const (
	ModelOAuth2Provider     = "authentik_providers_oauth2.oauth2provider"
	ModelScopeMapping       = "authentik_providers_oauth2.scopemapping"
	ModelCertificateKeyPair = "authentik_crypto.certificatekeypair"
	ModelConsentStage       = "authentik_stages_consent.consentstage"
)

// CertificateKeyPair is authentik's crypto.CertificateKeyPair: a PEM
// certificate and, for signing, its PEM private key.
type CertificateKeyPair struct {
	UUID            string
	Name            string
	CertificateData string
	KeyData         string
	Managed         *string
	Created         time.Time
}

// ScopeMapping is authentik's providers.oauth2.ScopeMapping: Expression
// returns the claims ScopeName adds to userinfo and the ID token.
type ScopeMapping struct {
	UUID        string
	Name        string
	Managed     *string
	ScopeName   string
	Description string
	Expression  string
}

// RedirectURI is one of a provider's allowed redirect URIs; MatchingMode
// is "strict" (exact string) or "regex" (the whole URI must match).
type RedirectURI struct {
	MatchingMode string `json:"matching_mode"`
	URL          string `json:"url"`
}

// OAuth2Provider is authentik's providers.oauth2.OAuth2Provider.
// Validities are authentik's timedelta strings ("hours=1").
type OAuth2Provider struct {
	PK                 int64
	Name               string
	AuthorizationFlow  string
	AuthenticationFlow *string
	InvalidationFlow   *string
	ClientType         string // confidential, public
	ClientID           string
	ClientSecret       string
	RedirectURIs       []RedirectURI
	SigningKey         *string
	// PreviousSigningKey is the pair SigningKey replaced; it stays in the
	// JWKS until PreviousKeyUntil (the last token it signed expires).
	PreviousSigningKey     *string
	PreviousKeyUntil       *time.Time
	AccessCodeValidity     string
	AccessTokenValidity    string
	RefreshTokenValidity   string
	IncludeClaimsInIDToken bool
	SubMode                string
	IssuerMode             string
	PropertyMappings       []string // scope mapping UUIDs
	GrantTypes             []string
}

// OAuth2AuthRequest is an authorization request in progress: Request is
// the client's request as JSON; UserPK and AuthTime are set when a user
// completes the authorization flow, CodeHash when the code is issued.
type OAuth2AuthRequest struct {
	ID          string
	ProviderPK  int64
	Request     []byte
	UserPK      *int64
	SessionHash string
	AuthTime    *time.Time
	CodeHash    *string
	CodeUsedAt  *time.Time
	Created     time.Time
	Expires     time.Time
}

// OAuth2Token is an issued access ("access") or refresh ("refresh")
// token. TokenHash is the SHA-256 of a refresh token (empty for access
// tokens, whose value names the row's ID).
type OAuth2Token struct {
	ID          string
	Kind        string
	TokenHash   string
	ProviderPK  int64
	UserPK      *int64
	Family      string
	SessionHash string
	Scopes      []string
	Audience    []string
	AuthTime    *time.Time
	AMR         []string
	Created     time.Time
	Expires     time.Time
	UsedAt      *time.Time
	RevokedAt   *time.Time
}

// UserConsent is consent a user gave an application (authentik's
// stages.consent.UserConsent); Expires nil means permanent.
type UserConsent struct {
	ID          int64
	UserPK      int64
	Application string
	Permissions string
	Expires     *time.Time
}

// OAuthQueries stores the OpenID Connect provider's objects.
type OAuthQueries interface {
	CreateCertificateKeyPair(ctx context.Context, k *CertificateKeyPair) error
	GetCertificateKeyPair(ctx context.Context, uuid string) (CertificateKeyPair, error)
	GetCertificateKeyPairByName(ctx context.Context, name string) (CertificateKeyPair, error)
	GetCertificateKeyPairByManaged(ctx context.Context, managed string) (CertificateKeyPair, error)
	ListCertificateKeyPairs(ctx context.Context) ([]CertificateKeyPair, error)
	UpdateCertificateKeyPair(ctx context.Context, k *CertificateKeyPair) error
	DeleteCertificateKeyPair(ctx context.Context, uuid string) error

	CreateScopeMapping(ctx context.Context, m *ScopeMapping) error
	GetScopeMapping(ctx context.Context, uuid string) (ScopeMapping, error)
	GetScopeMappingByName(ctx context.Context, name string) (ScopeMapping, error)
	GetScopeMappingByManaged(ctx context.Context, managed string) (ScopeMapping, error)
	ListScopeMappings(ctx context.Context) ([]ScopeMapping, error)
	UpdateScopeMapping(ctx context.Context, m *ScopeMapping) error
	DeleteScopeMapping(ctx context.Context, uuid string) error

	CreateOAuth2Provider(ctx context.Context, p *OAuth2Provider) error
	GetOAuth2Provider(ctx context.Context, pk int64) (OAuth2Provider, error)
	GetOAuth2ProviderByName(ctx context.Context, name string) (OAuth2Provider, error)
	GetOAuth2ProviderByClientID(ctx context.Context, clientID string) (OAuth2Provider, error)
	ListOAuth2Providers(ctx context.Context) ([]OAuth2Provider, error)
	UpdateOAuth2Provider(ctx context.Context, p *OAuth2Provider) error
	DeleteOAuth2Provider(ctx context.Context, pk int64) error
	// ApplicationOfProvider is the application linked to the provider
	// (ErrNotFound when none is).
	ApplicationOfProvider(ctx context.Context, providerPK int64) (Application, error)

	CreateOAuth2AuthRequest(ctx context.Context, r *OAuth2AuthRequest) error
	GetOAuth2AuthRequest(ctx context.Context, id string) (OAuth2AuthRequest, error)
	// AuthorizeOAuth2AuthRequest binds the request to the user who
	// completed its authorization flow; it reports false when the request
	// is gone, expired or already bound.
	AuthorizeOAuth2AuthRequest(ctx context.Context, id string, userPK int64, sessionHash string, at time.Time) (bool, error)
	SetOAuth2AuthCode(ctx context.Context, id, codeHash string, expires time.Time) error
	// RedeemOAuth2AuthCode marks the code used in one conditional UPDATE
	// and returns its request; a code already used, unknown or expired
	// gives ErrNotFound, and used reports a replay of a used code.
	RedeemOAuth2AuthCode(ctx context.Context, codeHash string, now time.Time) (req OAuth2AuthRequest, used bool, err error)
	DeleteOAuth2AuthRequest(ctx context.Context, id string) error

	CreateOAuth2Token(ctx context.Context, t *OAuth2Token) error
	GetOAuth2Token(ctx context.Context, id string) (OAuth2Token, error)
	GetOAuth2TokenByHash(ctx context.Context, hash string) (OAuth2Token, error)
	// UseOAuth2RefreshToken marks a refresh token used (rotated) in one
	// conditional UPDATE; false when it was already used or revoked.
	UseOAuth2RefreshToken(ctx context.Context, id string, at time.Time) (bool, error)
	RevokeOAuth2Token(ctx context.Context, id string, at time.Time) error
	RevokeOAuth2Family(ctx context.Context, family string, at time.Time) (int, error)
	RevokeOAuth2TokensOfUser(ctx context.Context, userPK int64, at time.Time) (int, error)
	RevokeOAuth2TokensOfSession(ctx context.Context, sessionHash string, at time.Time) (int, error)
	DeleteExpiredOAuth2(ctx context.Context, cutoff time.Time) (int64, error)

	GetUserConsent(ctx context.Context, userPK int64, application, permissions string, now time.Time) (UserConsent, error)
	SaveUserConsent(ctx context.Context, c *UserConsent) error
	ListUserConsents(ctx context.Context, userPK int64) ([]UserConsent, error)
	DeleteUserConsent(ctx context.Context, id int64) error
}
