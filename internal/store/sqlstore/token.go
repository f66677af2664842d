package sqlstore

import (
	"context"

	"github.com/usher-id/usher/internal/store"
)

const tokenCols = "identifier, key_hash, user_pk, intent, description, expires, created"

func scanToken(s scanner) (store.Token, error) {
	var t store.Token
	var expires, created timeCol
	err := s.Scan(&t.Identifier, &t.KeyHash, &t.UserPK, &t.Intent, &t.Description, &expires, &created)
	t.Expires, t.Created = expires.ptr(), created.T
	return t, err
}

func (c *conn) CreateToken(ctx context.Context, t *store.Token) error {
	if t.Created.IsZero() {
		t.Created = now()
	}
	if t.Intent == "" {
		t.Intent = "api"
	}
	_, err := c.exec(ctx, "INSERT INTO tokens ("+tokenCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
		t.Identifier, t.KeyHash, t.UserPK, t.Intent, t.Description, c.tp(t.Expires), c.t(t.Created))
	return c.wrap("insert token", err)
}

// GetTokenByHash looks a key up by its hash; the caller checks expiry.
func (c *conn) GetTokenByHash(ctx context.Context, keyHash string) (store.Token, error) {
	t, err := scanToken(c.queryRow(ctx, "SELECT "+tokenCols+" FROM tokens WHERE key_hash = ?", keyHash))
	return t, c.wrap("get token", err)
}

func (c *conn) GetToken(ctx context.Context, identifier string) (store.Token, error) {
	t, err := scanToken(c.queryRow(ctx, "SELECT "+tokenCols+" FROM tokens WHERE identifier = ?", identifier))
	return t, c.wrap("get token", err)
}

// ListTokens lists a user's tokens; userPK 0 lists everyone's.
func (c *conn) ListTokens(ctx context.Context, userPK int64) ([]store.Token, error) {
	rows, err := c.query(ctx, "SELECT "+tokenCols+" FROM tokens WHERE (? = 0 OR user_pk = ?) ORDER BY identifier", userPK, userPK)
	if err != nil {
		return nil, c.wrap("list tokens", err)
	}
	out, err := collect(rows, scanToken)
	return out, c.wrap("list tokens", err)
}

func (c *conn) DeleteToken(ctx context.Context, identifier string) error {
	return c.execOne(ctx, "delete token", "DELETE FROM tokens WHERE identifier = ?", identifier)
}
