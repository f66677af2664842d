package oauth2

import (
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// stored is the client's authorization request as kept in the database.
type stored struct {
	ClientID            string                   `json:"client_id"`
	RedirectURI         string                   `json:"redirect_uri"`
	Scopes              []string                 `json:"scopes"`
	State               string                   `json:"state,omitempty"`
	Nonce               string                   `json:"nonce,omitempty"`
	ResponseType        oidc.ResponseType        `json:"response_type"`
	ResponseMode        oidc.ResponseMode        `json:"response_mode,omitempty"`
	CodeChallenge       string                   `json:"code_challenge,omitempty"`
	CodeChallengeMethod oidc.CodeChallengeMethod `json:"code_challenge_method,omitempty"`
	Prompt              []string                 `json:"prompt,omitempty"`
	MaxAge              *uint                    `json:"max_age,omitempty"`
	LoginHint           string                   `json:"login_hint,omitempty"`
}

// AuthRequest is an authorization request as op sees it.
type AuthRequest struct {
	ID          string
	ProviderPK  int64
	Req         stored
	UserPK      int64 // 0 until a user completed the authorization flow
	Subject     string
	AuthTime    time.Time
	SessionHash string
	AMR         []string
}

var _ op.AuthRequest = (*AuthRequest)(nil)

func (a *AuthRequest) GetID() string                      { return a.ID }
func (a *AuthRequest) GetACR() string                     { return "" }
func (a *AuthRequest) GetAMR() []string                   { return a.AMR }
func (a *AuthRequest) GetAudience() []string              { return []string{a.Req.ClientID} }
func (a *AuthRequest) GetAuthTime() time.Time             { return a.AuthTime }
func (a *AuthRequest) GetClientID() string                { return a.Req.ClientID }
func (a *AuthRequest) GetNonce() string                   { return a.Req.Nonce }
func (a *AuthRequest) GetRedirectURI() string             { return a.Req.RedirectURI }
func (a *AuthRequest) GetScopes() []string                { return a.Req.Scopes }
func (a *AuthRequest) GetState() string                   { return a.Req.State }
func (a *AuthRequest) GetSubject() string                 { return a.Subject }
func (a *AuthRequest) Done() bool                         { return a.UserPK != 0 }
func (a *AuthRequest) GetResponseMode() oidc.ResponseMode { return a.Req.ResponseMode }
func (a *AuthRequest) GetResponseType() oidc.ResponseType { return a.Req.ResponseType }

func (a *AuthRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.Req.CodeChallenge == "" {
		return nil
	}
	m := a.Req.CodeChallengeMethod
	if m == "" {
		m = oidc.CodeChallengeMethodPlain
	}
	return &oidc.CodeChallenge{Challenge: a.Req.CodeChallenge, Method: m}
}

// grant is a token request that is not a code exchange: a refresh (the
// family and user of the refresh token) or client credentials (no user).
type grant struct {
	ProviderPK  int64
	ClientID    string
	UserPK      int64
	Subject     string
	Scopes      []string
	AuthTime    time.Time
	AMR         []string
	Family      string
	SessionHash string
}

var _ op.RefreshTokenRequest = (*grant)(nil)

func (g *grant) GetAMR() []string            { return g.AMR }
func (g *grant) GetAudience() []string       { return []string{g.ClientID} }
func (g *grant) GetAuthTime() time.Time      { return g.AuthTime }
func (g *grant) GetClientID() string         { return g.ClientID }
func (g *grant) GetScopes() []string         { return g.Scopes }
func (g *grant) GetSubject() string          { return g.Subject }
func (g *grant) SetCurrentScopes(s []string) { g.Scopes = s }
