package store

import (
	"context"
	"time"
)

// TOTPDevice is a user's time-based one-time password device (authentik's
// stages.authenticator_totp.TOTPDevice). Key is the base32 secret the app
// was given; LastStep is the time step of the last code accepted (-1 when
// none), so a code is never accepted twice.
type TOTPDevice struct {
	ID        int64
	UserPK    int64
	Name      string
	Key       string
	Digits    int
	Confirmed bool
	LastStep  int64
	Created   time.Time
	LastUsed  *time.Time
}

// TOTPQueries stores TOTP devices.
type TOTPQueries interface {
	CreateTOTPDevice(ctx context.Context, d *TOTPDevice) error
	GetTOTPDevice(ctx context.Context, id int64) (TOTPDevice, error)
	// ListTOTPDevices lists a user's devices, or every device when userPK is 0.
	ListTOTPDevices(ctx context.Context, userPK int64) ([]TOTPDevice, error)
	RenameTOTPDevice(ctx context.Context, id int64, name string) error
	DeleteTOTPDevice(ctx context.Context, id int64) error
	// UseTOTPStep records that the code of time step was accepted on the
	// device, in one conditional write: it reports false, writing nothing,
	// when that step or a later one was already used (a replay, also when
	// two instances accept the same code at once).
	UseTOTPStep(ctx context.Context, id, step int64, at time.Time) (bool, error)
}
