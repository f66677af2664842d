package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/usher-id/usher/internal/store"
)

const authRequestCols = "id, provider_pk, request, user_pk, session_hash, auth_time, code_hash, code_used_at, created, expires"

func scanAuthRequest(s scanner) (store.OAuth2AuthRequest, error) {
	var r store.OAuth2AuthRequest
	var req string
	var authTime, used, created, expires timeCol
	err := s.Scan(&r.ID, &r.ProviderPK, &req, &r.UserPK, &r.SessionHash, &authTime, &r.CodeHash, &used, &created, &expires)
	r.Request, r.AuthTime, r.CodeUsedAt, r.Created, r.Expires = []byte(req), authTime.ptr(), used.ptr(), created.T, expires.T
	return r, err
}

func (c *conn) CreateOAuth2AuthRequest(ctx context.Context, r *store.OAuth2AuthRequest) error {
	if r.Created.IsZero() {
		r.Created = now()
	}
	_, err := c.exec(ctx, `INSERT INTO oauth2_auth_requests (id, provider_pk, request, created, expires)
		VALUES (?, ?, ?, ?, ?)`, r.ID, r.ProviderPK, string(r.Request), c.t(r.Created), c.t(r.Expires))
	return c.wrap("insert oauth2 auth request", err)
}

func (c *conn) GetOAuth2AuthRequest(ctx context.Context, id string) (store.OAuth2AuthRequest, error) {
	r, err := scanAuthRequest(c.queryRow(ctx, "SELECT "+authRequestCols+" FROM oauth2_auth_requests WHERE id = ?", id))
	return r, c.wrap("get oauth2 auth request", err)
}

func (c *conn) AuthorizeOAuth2AuthRequest(ctx context.Context, id string, userPK int64, sessionHash string, at time.Time) (bool, error) {
	n, err := c.execCount(ctx, "authorize oauth2 auth request", `UPDATE oauth2_auth_requests
		SET user_pk = ?, session_hash = ?, auth_time = ? WHERE id = ? AND user_pk IS NULL AND expires > ?`,
		userPK, sessionHash, c.t(at), id, c.t(at))
	return n == 1, err
}

func (c *conn) SetOAuth2AuthCode(ctx context.Context, id, codeHash string, expires time.Time) error {
	return c.execOne(ctx, "set oauth2 auth code", `UPDATE oauth2_auth_requests SET code_hash = ?, expires = ?
		WHERE id = ? AND code_hash IS NULL AND user_pk IS NOT NULL`, codeHash, c.t(expires), id)
}

func (c *conn) RedeemOAuth2AuthCode(ctx context.Context, codeHash string, at time.Time) (store.OAuth2AuthRequest, bool, error) {
	r, err := scanAuthRequest(c.execRow(ctx, `UPDATE oauth2_auth_requests SET code_used_at = ?
		WHERE code_hash = ? AND code_used_at IS NULL AND expires > ? RETURNING `+authRequestCols,
		c.t(at), codeHash, c.t(at)))
	if err == nil {
		return r, false, nil
	}
	if err = c.wrap("redeem oauth2 auth code", err); !errors.Is(err, store.ErrNotFound) {
		return r, false, err
	}
	// Not redeemable: tell a replay of a used code apart from an unknown
	// one, so the caller can revoke what the first use issued.
	old, gerr := scanAuthRequest(c.queryRow(ctx, "SELECT "+authRequestCols+" FROM oauth2_auth_requests WHERE code_hash = ?", codeHash))
	if gerr == nil && old.CodeUsedAt != nil {
		return old, true, err
	}
	return store.OAuth2AuthRequest{}, false, err
}

func (c *conn) DeleteOAuth2AuthRequest(ctx context.Context, id string) error {
	_, err := c.exec(ctx, "DELETE FROM oauth2_auth_requests WHERE id = ?", id)
	return c.wrap("delete oauth2 auth request", err)
}

const oauthTokenCols = `id, kind, token_hash, provider_pk, user_pk, family, session_hash, scopes, audience, auth_time, amr,
	created, expires, used_at, revoked_at`

func scanOAuthToken(s scanner) (store.OAuth2Token, error) {
	var t store.OAuth2Token
	var hash *string
	var authTime, created, expires, used, revoked timeCol
	err := s.Scan(&t.ID, &t.Kind, &hash, &t.ProviderPK, &t.UserPK, &t.Family, &t.SessionHash, jsonCol{&t.Scopes},
		jsonCol{&t.Audience}, &authTime, jsonCol{&t.AMR}, &created, &expires, &used, &revoked)
	if hash != nil {
		t.TokenHash = *hash
	}
	t.AuthTime, t.Created, t.Expires, t.UsedAt, t.RevokedAt = authTime.ptr(), created.T, expires.T, used.ptr(), revoked.ptr()
	return t, err
}

func (c *conn) CreateOAuth2Token(ctx context.Context, t *store.OAuth2Token) error {
	if t.Created.IsZero() {
		t.Created = now()
	}
	var hash *string
	if t.TokenHash != "" {
		hash = &t.TokenHash
	}
	scopes, err := jsonList(t.Scopes)
	if err != nil {
		return err
	}
	aud, err := jsonList(t.Audience)
	if err != nil {
		return err
	}
	amr, err := jsonList(t.AMR)
	if err != nil {
		return err
	}
	_, err = c.exec(ctx, `INSERT INTO oauth2_tokens (id, kind, token_hash, provider_pk, user_pk, family, session_hash,
		scopes, audience, auth_time, amr, created, expires) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.Kind, hash, t.ProviderPK, t.UserPK, t.Family, t.SessionHash, scopes, aud, c.tp(t.AuthTime), amr,
		c.t(t.Created), c.t(t.Expires))
	return c.wrap("insert oauth2 token", err)
}

func (c *conn) GetOAuth2Token(ctx context.Context, id string) (store.OAuth2Token, error) {
	t, err := scanOAuthToken(c.queryRow(ctx, "SELECT "+oauthTokenCols+" FROM oauth2_tokens WHERE id = ?", id))
	return t, c.wrap("get oauth2 token", err)
}

func (c *conn) GetOAuth2TokenByHash(ctx context.Context, hash string) (store.OAuth2Token, error) {
	t, err := scanOAuthToken(c.queryRow(ctx, "SELECT "+oauthTokenCols+" FROM oauth2_tokens WHERE token_hash = ?", hash))
	return t, c.wrap("get oauth2 token", err)
}

func (c *conn) UseOAuth2RefreshToken(ctx context.Context, id string, at time.Time) (bool, error) {
	n, err := c.execCount(ctx, "use oauth2 refresh token", `UPDATE oauth2_tokens SET used_at = ?
		WHERE id = ? AND kind = 'refresh' AND used_at IS NULL AND revoked_at IS NULL AND expires > ?`, c.t(at), id, c.t(at))
	return n == 1, err
}

func (c *conn) RevokeOAuth2Token(ctx context.Context, id string, at time.Time) error {
	_, err := c.exec(ctx, "UPDATE oauth2_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", c.t(at), id)
	return c.wrap("revoke oauth2 token", err)
}

func (c *conn) RevokeOAuth2Family(ctx context.Context, family string, at time.Time) (int, error) {
	return c.execCount(ctx, "revoke oauth2 token family",
		"UPDATE oauth2_tokens SET revoked_at = ? WHERE family = ? AND revoked_at IS NULL", c.t(at), family)
}

func (c *conn) RevokeOAuth2TokensOfUser(ctx context.Context, userPK int64, at time.Time) (int, error) {
	return c.execCount(ctx, "revoke oauth2 tokens of user",
		"UPDATE oauth2_tokens SET revoked_at = ? WHERE user_pk = ? AND revoked_at IS NULL", c.t(at), userPK)
}

func (c *conn) RevokeOAuth2TokensOfSession(ctx context.Context, sessionHash string, at time.Time) (int, error) {
	if sessionHash == "" {
		return 0, nil
	}
	return c.execCount(ctx, "revoke oauth2 tokens of session",
		"UPDATE oauth2_tokens SET revoked_at = ? WHERE session_hash = ? AND revoked_at IS NULL", c.t(at), sessionHash)
}

func (c *conn) DeleteExpiredOAuth2(ctx context.Context, cutoff time.Time) (int64, error) {
	a, err := c.execCount(ctx, "delete expired oauth2 auth requests", "DELETE FROM oauth2_auth_requests WHERE expires < ?", c.t(cutoff))
	if err != nil {
		return 0, err
	}
	b, err := c.execCount(ctx, "delete expired oauth2 tokens", "DELETE FROM oauth2_tokens WHERE expires < ?", c.t(cutoff))
	return int64(a + b), err
}

const consentCols = "id, user_pk, application, permissions, expires"

func scanConsent(s scanner) (store.UserConsent, error) {
	var u store.UserConsent
	var expires timeCol
	err := s.Scan(&u.ID, &u.UserPK, &u.Application, &u.Permissions, &expires)
	u.Expires = expires.ptr()
	return u, err
}

func (c *conn) GetUserConsent(ctx context.Context, userPK int64, application, permissions string, at time.Time) (store.UserConsent, error) {
	u, err := scanConsent(c.queryRow(ctx, "SELECT "+consentCols+` FROM user_consents
		WHERE user_pk = ? AND application = ? AND permissions = ? AND (expires IS NULL OR expires > ?)`,
		userPK, application, permissions, c.t(at)))
	return u, c.wrap("get user consent", err)
}

func (c *conn) SaveUserConsent(ctx context.Context, u *store.UserConsent) error {
	err := c.execRow(ctx, `INSERT INTO user_consents (user_pk, application, permissions, expires) VALUES (?, ?, ?, ?)
		ON CONFLICT (user_pk, application, permissions) DO UPDATE SET expires = excluded.expires RETURNING id`,
		u.UserPK, u.Application, u.Permissions, c.tp(u.Expires)).Scan(&u.ID)
	return c.wrap("save user consent", err)
}

func (c *conn) ListUserConsents(ctx context.Context, userPK int64) ([]store.UserConsent, error) {
	rows, err := c.query(ctx, "SELECT "+consentCols+" FROM user_consents WHERE user_pk = ? ORDER BY id", userPK)
	if err != nil {
		return nil, c.wrap("list user consents", err)
	}
	out, err := collect(rows, scanConsent)
	return out, c.wrap("list user consents", err)
}

func (c *conn) DeleteUserConsent(ctx context.Context, id int64) error {
	return c.execOne(ctx, "delete user consent", "DELETE FROM user_consents WHERE id = ?", id)
}
