package store

import (
	"context"
	"time"
)

// DeviceKind is an authenticator device class, as authentik's
// authenticator_validate DeviceClasses names them.
type DeviceKind string

const (
	DeviceTOTP     DeviceKind = "totp"
	DeviceStatic   DeviceKind = "static"
	DeviceWebAuthn DeviceKind = "webauthn"
	DeviceEmail    DeviceKind = "email"
)

// Device is one second factor of a user: authentik's TOTPDevice,
// StaticDevice, WebAuthnDevice or EmailDevice. The fields of other kinds
// stay zero.
type Device struct {
	PK          int64
	Kind        DeviceKind
	UserPK      int64
	Name        string
	Stage       *string // the setup stage that created it; nulled when deleted
	Created     time.Time
	LastUpdated time.Time
	LastUsed    *time.Time

	// TOTP: the base32 secret, the code length, and the last time step a
	// code was accepted for (UseTOTPStep only accepts later steps).
	Secret   string
	Digits   int
	LastStep int64

	// WebAuthn: the credential ID (base64url, unpadded), go-webauthn's
	// credential as JSON, the signature counter and the authenticator's
	// AAGUID.
	CredentialID string
	Credential   []byte
	SignCount    int64
	AAGUID       string

	// Email: the address codes are sent to.
	Email string
}

// DeviceQueries stores second-factor devices. Everything a login redeems
// (a TOTP step, a static token, a WebAuthn counter, an emailed code) is
// taken by one conditional UPDATE or DELETE, so two requests racing on any
// instances cannot both use it.
type DeviceQueries interface {
	// CreateDevice inserts d, setting PK and the timestamps.
	CreateDevice(ctx context.Context, d *Device) error
	GetDevice(ctx context.Context, pk int64) (Device, error)
	// GetDeviceByCredentialID finds a WebAuthn device by credential ID.
	GetDeviceByCredentialID(ctx context.Context, credentialID string) (Device, error)
	// ListDevices lists devices by pk; userPK 0 means every user's, kind ""
	// every kind.
	ListDevices(ctx context.Context, userPK int64, kind DeviceKind) ([]Device, error)
	RenameDevice(ctx context.Context, pk int64, name string) error
	DeleteDevice(ctx context.Context, pk int64) error

	// UseTOTPStep records that a code for step was accepted, unless a code
	// for this or a later step was accepted before: ok is false then.
	UseTOTPStep(ctx context.Context, pk int64, step int64, at time.Time) (ok bool, err error)
	// AddStaticTokens stores token hashes for a static device.
	AddStaticTokens(ctx context.Context, devicePK int64, hashes []string) error
	// CountStaticTokens counts the unused tokens of a static device.
	CountStaticTokens(ctx context.Context, devicePK int64) (int, error)
	// UseStaticToken deletes the token with this hash from the user's
	// static devices and returns the device it belonged to; ok is false
	// when there is none (never issued, or used already).
	UseStaticToken(ctx context.Context, userPK int64, hash string, at time.Time) (devicePK int64, ok bool, err error)
	// UseWebAuthn records an assertion for the ceremony with challenge:
	// the new counter and credential. It fails (ok false) when this
	// challenge was accepted already, or when the stored counter is not
	// below signCount, unless both are zero (authenticators without one).
	UseWebAuthn(ctx context.Context, pk int64, challenge string, signCount int64, credential []byte, at time.Time) (ok bool, err error)
	// SetEmailToken stores the hash of the code just sent and its expiry.
	SetEmailToken(ctx context.Context, pk int64, hash string, validUntil time.Time) error
	// UseEmailToken clears the code when hash matches and it is still
	// valid at at; ok is false otherwise.
	UseEmailToken(ctx context.Context, pk int64, hash string, at time.Time) (ok bool, err error)
}
