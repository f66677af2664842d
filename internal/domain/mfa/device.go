package mfa

import (
	"context"
	"errors"

	"github.com/usher-id/usher/internal/store"
)

// ErrNotYours: a user asked for a device of someone else (answered as not
// found, so device IDs of others are not confirmed).
var ErrNotYours = errors.New("device belongs to another user")

// OwnDevice returns the device pk of kind when it belongs to userPK.
func OwnDevice(ctx context.Context, q store.Queries, userPK, pk int64, kind store.DeviceKind) (store.Device, error) {
	d, err := q.GetDevice(ctx, pk)
	if err != nil {
		return d, err
	}
	if (kind != "" && d.Kind != kind) || (userPK != 0 && d.UserPK != userPK) {
		return store.Device{}, store.ErrNotFound
	}
	return d, nil
}

// Rename gives the device a new name.
func Rename(ctx context.Context, q store.Queries, d *store.Device, name string) error {
	if err := q.RenameDevice(ctx, d.PK, name); err != nil {
		return err
	}
	fresh, err := q.GetDevice(ctx, d.PK)
	if err == nil {
		*d = fresh
	}
	return err
}

// Remove deletes the device; with it go its recovery codes (cascade).
// A user left without devices signs in as a validation stage's
// not_configured_action says.
func Remove(ctx context.Context, q store.Queries, d store.Device) error {
	return q.DeleteDevice(ctx, d.PK)
}
