package sqlstore

import (
	"context"
	"time"

	"github.com/usher-id/usher/internal/store"
)

const totpCols = "id, user_pk, name, key, digits, confirmed, last_step, created, last_used"

func scanTOTP(s scanner) (store.TOTPDevice, error) {
	var d store.TOTPDevice
	var created, lastUsed timeCol
	err := s.Scan(&d.ID, &d.UserPK, &d.Name, &d.Key, &d.Digits, &d.Confirmed, &d.LastStep, &created, &lastUsed)
	d.Created, d.LastUsed = created.T, lastUsed.ptr()
	return d, err
}

func (c *conn) CreateTOTPDevice(ctx context.Context, d *store.TOTPDevice) error {
	if d.Created.IsZero() {
		d.Created = now()
	}
	err := c.execRow(ctx, `INSERT INTO totp_devices (user_pk, name, key, digits, confirmed, last_step, created, last_used)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		d.UserPK, d.Name, d.Key, d.Digits, d.Confirmed, d.LastStep, c.t(d.Created), c.tp(d.LastUsed)).Scan(&d.ID)
	return c.wrap("insert totp device", err)
}

func (c *conn) GetTOTPDevice(ctx context.Context, id int64) (store.TOTPDevice, error) {
	d, err := scanTOTP(c.queryRow(ctx, "SELECT "+totpCols+" FROM totp_devices WHERE id = ?", id))
	return d, c.wrap("get totp device", err)
}

func (c *conn) ListTOTPDevices(ctx context.Context, userPK int64) ([]store.TOTPDevice, error) {
	q, args := "SELECT "+totpCols+" FROM totp_devices ORDER BY id", []any{}
	if userPK != 0 {
		q, args = "SELECT "+totpCols+" FROM totp_devices WHERE user_pk = ? ORDER BY id", []any{userPK}
	}
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, c.wrap("list totp devices", err)
	}
	out, err := collect(rows, scanTOTP)
	return out, c.wrap("list totp devices", err)
}

func (c *conn) RenameTOTPDevice(ctx context.Context, id int64, name string) error {
	return c.execOne(ctx, "rename totp device", "UPDATE totp_devices SET name = ? WHERE id = ?", name, id)
}

func (c *conn) DeleteTOTPDevice(ctx context.Context, id int64) error {
	return c.execOne(ctx, "delete totp device", "DELETE FROM totp_devices WHERE id = ?", id)
}

func (c *conn) UseTOTPStep(ctx context.Context, id, step int64, at time.Time) (bool, error) {
	n, err := c.execCount(ctx, "use totp step",
		"UPDATE totp_devices SET last_step = ?, last_used = ? WHERE id = ? AND last_step < ?", step, c.t(at), id, step)
	return n == 1, err
}
