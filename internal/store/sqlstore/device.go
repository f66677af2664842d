package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/usher-id/usher/internal/store"
)

const deviceCols = "id, kind, user_pk, name, stage, created, last_updated, last_used, secret, digits, last_step, " +
	"credential_id, credential, sign_count, aaguid, email"

func scanDevice(s scanner) (store.Device, error) {
	var d store.Device
	var stage, credID sql.NullString
	var created, updated, used timeCol
	var cred []byte
	err := s.Scan(&d.PK, &d.Kind, &d.UserPK, &d.Name, &stage, &created, &updated, &used, &d.Secret, &d.Digits,
		&d.LastStep, &credID, &cred, &d.SignCount, &d.AAGUID, &d.Email)
	d.Stage, d.Created, d.LastUpdated, d.LastUsed = nullStr(stage), created.T, updated.T, used.ptr()
	d.CredentialID, d.Credential = credID.String, cred
	return d, err
}

func (c *conn) CreateDevice(ctx context.Context, d *store.Device) error {
	n := now()
	d.Created, d.LastUpdated = n, n
	if d.Digits == 0 {
		d.Digits = 6
	}
	var credID any
	if d.CredentialID != "" {
		credID = d.CredentialID
	}
	cred := string(d.Credential)
	if cred == "" {
		cred = "{}"
	}
	err := c.execRow(ctx, `INSERT INTO authenticator_devices (kind, user_pk, name, stage, created, last_updated, last_used,
		secret, digits, last_step, credential_id, credential, sign_count, aaguid, email)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		string(d.Kind), d.UserPK, d.Name, d.Stage, c.t(n), c.t(n), c.tp(d.LastUsed), d.Secret, d.Digits, d.LastStep,
		credID, cred, d.SignCount, d.AAGUID, d.Email).Scan(&d.PK)
	return c.wrap("insert device", err)
}

func (c *conn) GetDevice(ctx context.Context, pk int64) (store.Device, error) {
	d, err := scanDevice(c.queryRow(ctx, "SELECT "+deviceCols+" FROM authenticator_devices WHERE id = ?", pk))
	return d, c.wrap("get device", err)
}

func (c *conn) GetDeviceByCredentialID(ctx context.Context, credentialID string) (store.Device, error) {
	d, err := scanDevice(c.queryRow(ctx, "SELECT "+deviceCols+" FROM authenticator_devices WHERE credential_id = ?", credentialID))
	return d, c.wrap("get device", err)
}

func (c *conn) ListDevices(ctx context.Context, userPK int64, kind store.DeviceKind) ([]store.Device, error) {
	q, args := "SELECT "+deviceCols+" FROM authenticator_devices WHERE 1 = 1", []any{}
	if userPK != 0 {
		q, args = q+" AND user_pk = ?", append(args, userPK)
	}
	if kind != "" {
		q, args = q+" AND kind = ?", append(args, string(kind))
	}
	rows, err := c.query(ctx, q+" ORDER BY id", args...)
	if err != nil {
		return nil, c.wrap("list devices", err)
	}
	out, err := collect(rows, scanDevice)
	return out, c.wrap("list devices", err)
}

func (c *conn) RenameDevice(ctx context.Context, pk int64, name string) error {
	return c.execOne(ctx, "rename device", "UPDATE authenticator_devices SET name = ?, last_updated = ? WHERE id = ?",
		name, c.t(now()), pk)
}

func (c *conn) DeleteDevice(ctx context.Context, pk int64) error {
	return c.execOne(ctx, "delete device", "DELETE FROM authenticator_devices WHERE id = ?", pk)
}

// UseTOTPStep is the replay guard: the row is updated only while its
// last step is earlier, so of two requests with the same code exactly one
// changes a row.
func (c *conn) UseTOTPStep(ctx context.Context, pk int64, step int64, at time.Time) (bool, error) {
	n, err := c.execCount(ctx, "use totp code", `UPDATE authenticator_devices SET last_step = ?, last_used = ?
		WHERE id = ? AND kind = 'totp' AND last_step < ?`, step, c.t(at), pk, step)
	return n == 1, err
}

func (c *conn) AddStaticTokens(ctx context.Context, devicePK int64, hashes []string) error {
	return c.inTx(ctx, func(c *conn) error {
		for _, h := range hashes {
			if _, err := c.exec(ctx, "INSERT INTO static_tokens (device, token_hash) VALUES (?, ?)", devicePK, h); err != nil {
				return c.wrap("insert static token", err)
			}
		}
		return nil
	})
}

func (c *conn) CountStaticTokens(ctx context.Context, devicePK int64) (int, error) {
	var n int
	err := c.queryRow(ctx, "SELECT COUNT(*) FROM static_tokens WHERE device = ?", devicePK).Scan(&n)
	return n, c.wrap("count static tokens", err)
}

// UseStaticToken deletes the token in one statement: the DELETE that
// returns a row is the one use.
func (c *conn) UseStaticToken(ctx context.Context, userPK int64, hash string, at time.Time) (int64, bool, error) {
	var device int64
	err := c.inTx(ctx, func(c *conn) error {
		err := c.execRow(ctx, `DELETE FROM static_tokens WHERE token_hash = ? AND device IN
			(SELECT id FROM authenticator_devices WHERE user_pk = ? AND kind = 'static') RETURNING device`,
			hash, userPK).Scan(&device)
		if err != nil {
			return c.wrap("use static token", err)
		}
		_, err = c.exec(ctx, "UPDATE authenticator_devices SET last_used = ? WHERE id = ?", c.t(at), device)
		return c.wrap("use static token", err)
	})
	if errors.Is(err, store.ErrNotFound) {
		return 0, false, nil
	}
	return device, err == nil, err
}

func (c *conn) UseWebAuthn(ctx context.Context, pk int64, challenge string, signCount int64, credential []byte, at time.Time) (bool, error) {
	n, err := c.execCount(ctx, "use webauthn device", `UPDATE authenticator_devices SET sign_count = ?, credential = ?, last_used = ?,
		last_challenge = ? WHERE id = ? AND kind = 'webauthn' AND last_challenge <> ? AND (sign_count < ? OR (sign_count = 0 AND ? = 0))`,
		signCount, string(credential), c.t(at), challenge, pk, challenge, signCount, signCount)
	return n == 1, err
}

func (c *conn) SetEmailToken(ctx context.Context, pk int64, hash string, validUntil time.Time) error {
	return c.execOne(ctx, "set email token", "UPDATE authenticator_devices SET token_hash = ?, token_valid_until = ? WHERE id = ?",
		hash, c.t(validUntil), pk)
}

func (c *conn) UseEmailToken(ctx context.Context, pk int64, hash string, at time.Time) (bool, error) {
	n, err := c.execCount(ctx, "use email token", `UPDATE authenticator_devices SET token_hash = '', token_valid_until = NULL, last_used = ?
		WHERE id = ? AND kind = 'email' AND token_hash <> '' AND token_hash = ? AND token_valid_until > ?`,
		c.t(at), pk, hash, c.t(at))
	return n == 1, err
}
