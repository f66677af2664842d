package mfa

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// Every WebAuthn check (attestation, assertion, challenge, origin, RP ID,
// user verification, counters) is go-webauthn's; this file only adapts
// usher's users and devices to it and stores what it returns.

// RelyingParty is usher as a WebAuthn relying party for the request's
// origin (authentik derives the RP ID from the request host too): the RP
// ID is the host name, the only accepted origin the scheme and host the
// client used.
func RelyingParty(r *http.Request, displayName string) (*webauthn.WebAuthn, error) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if net.ParseIP(host) != nil || host == "" {
		return nil, ErrNoRPID
	}
	return webauthn.New(&webauthn.Config{RPID: host, RPDisplayName: displayName, RPOrigins: []string{httpx.BaseURL(r)}})
}

// ErrNoRPID: the site was opened by an IP address, where browsers do not
// offer WebAuthn (a relying party ID must be a domain name).
var ErrNoRPID = errors.New("passkeys and security keys need the site to be opened by its domain name, not an IP address")

// webauthnUser adapts a user and their WebAuthn devices to go-webauthn.
type webauthnUser struct {
	u     store.User
	creds []webauthn.Credential
}

// WebAuthnID is the user handle: the user's UUID (stable, not secret,
// never the username, which can change).
func (w *webauthnUser) WebAuthnID() []byte                         { return []byte(w.u.UUID) }
func (w *webauthnUser) WebAuthnName() string                       { return w.u.Username }
func (w *webauthnUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }
func (w *webauthnUser) WebAuthnDisplayName() string {
	if w.u.Name != "" {
		return w.u.Name
	}
	return w.u.Username
}

// WebAuthnUser loads the user's registered credentials.
func WebAuthnUser(ctx context.Context, q store.Queries, u store.User) (webauthn.User, error) {
	devs, err := q.ListDevices(ctx, u.PK, store.DeviceWebAuthn)
	if err != nil {
		return nil, err
	}
	w := &webauthnUser{u: u}
	for _, d := range devs {
		var c webauthn.Credential
		if err := json.Unmarshal(d.Credential, &c); err != nil {
			return nil, fmt.Errorf("webauthn device %d: %w", d.PK, err)
		}
		w.creds = append(w.creds, c)
	}
	return w, nil
}

// Options is the JSON object a browser passes to
// navigator.credentials.create() or get() (authentik's "registration" and
// WebAuthn device challenge).
func Options(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	err = json.Unmarshal(b, &m)
	return m, err
}

// EncodeSession and DecodeSession keep go-webauthn's ceremony state in the
// flow's context (the session row), between the challenge and the answer.
func EncodeSession(s *webauthn.SessionData) (string, error) {
	b, err := json.Marshal(s)
	return string(b), err
}

func DecodeSession(raw string) (webauthn.SessionData, error) {
	var s webauthn.SessionData
	if raw == "" {
		return s, errors.New("no WebAuthn ceremony in progress")
	}
	err := json.Unmarshal([]byte(raw), &s)
	return s, err
}

// AnswerBytes reads a browser's answer, posted as a JSON object (the
// executor API) or as its text (a form field).
func AnswerBytes(v any) ([]byte, error) {
	switch t := v.(type) {
	case string:
		return []byte(t), nil
	case map[string]any:
		return json.Marshal(t)
	}
	return nil, errors.New("not a WebAuthn response")
}

// CredentialID is how a credential ID is stored: base64url without padding.
func CredentialID(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }

// NewWebAuthnDevice is the device for a credential go-webauthn verified.
func NewWebAuthnDevice(userPK int64, name string, stage *string, c *webauthn.Credential) (store.Device, error) {
	raw, err := json.Marshal(c)
	if err != nil {
		return store.Device{}, err
	}
	return store.Device{Kind: store.DeviceWebAuthn, UserPK: userPK, Name: name, Stage: stage,
		CredentialID: CredentialID(c.ID), Credential: raw, SignCount: int64(c.Authenticator.SignCount),
		AAGUID: aaguid(c.Authenticator.AAGUID)}, nil
}

// aaguid formats the authenticator model's AAGUID as a UUID.
func aaguid(b []byte) string {
	if len(b) != 16 {
		return "00000000-0000-0000-0000-000000000000"
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// RecordAssertion stores the counter and flags of a verified assertion
// for the ceremony with challenge. The UPDATE only succeeds once per
// challenge and while the stored counter is lower (or both are zero, for
// authenticators without one), so a replayed assertion, even sent to two
// instances at once, or a cloned authenticator's is refused: ok is false.
func RecordAssertion(ctx context.Context, q store.Queries, challenge string, c *webauthn.Credential, now time.Time) (*store.Device, bool, error) {
	d, err := q.GetDeviceByCredentialID(ctx, CredentialID(c.ID))
	if err != nil {
		return nil, false, err
	}
	if c.Authenticator.CloneWarning {
		return &d, false, nil
	}
	raw, err := json.Marshal(c)
	if err != nil {
		return nil, false, err
	}
	ok, err := q.UseWebAuthn(ctx, d.PK, challenge, int64(c.Authenticator.SignCount), raw, now)
	return &d, ok, err
}

// Requirement helpers: authentik's choices are go-webauthn's constants.

func UserVerification(s string) protocol.UserVerificationRequirement {
	switch s {
	case "required":
		return protocol.VerificationRequired
	case "discouraged":
		return protocol.VerificationDiscouraged
	}
	return protocol.VerificationPreferred
}

func ResidentKey(s string) protocol.ResidentKeyRequirement {
	switch s {
	case "required":
		return protocol.ResidentKeyRequirementRequired
	case "discouraged":
		return protocol.ResidentKeyRequirementDiscouraged
	}
	return protocol.ResidentKeyRequirementPreferred
}

// A passkey registered during enrollment, before the account exists, waits
// in the flow's context (PendingDevice) and is saved by the user write
// stage in the transaction that creates the account and consumes the
// invitation (CreatePendingDevices): there is no account without its
// passkey, and no used invitation without either.

// PendingDevice is the context form of a verified credential.
func PendingDevice(name string, stage *string, c *webauthn.Credential) (map[string]any, error) {
	raw, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	m := map[string]any{"name": name, "credential": string(raw)}
	if stage != nil {
		m["stage"] = *stage
	}
	return m, nil
}

// CreatePendingDevices saves the pending devices (a context list) for
// userPK through q.
func CreatePendingDevices(ctx context.Context, q store.Queries, userPK int64, pending []any) error {
	for _, p := range pending {
		m, _ := p.(map[string]any)
		raw, _ := m["credential"].(string)
		var c webauthn.Credential
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return fmt.Errorf("pending webauthn device: %w", err)
		}
		name, _ := m["name"].(string)
		var stage *string
		if s, ok := m["stage"].(string); ok {
			stage = &s
		}
		d, err := NewWebAuthnDevice(userPK, name, stage, &c)
		if err != nil {
			return err
		}
		if err := q.CreateDevice(ctx, &d); err != nil {
			return err
		}
	}
	return nil
}

// ProspectiveUser is the account an enrollment is about to create, for a
// registration before it exists: its UUID is fixed now (the passkey's user
// handle) and given to the account when it is created.
func ProspectiveUser(uuid, username, name string) webauthn.User {
	return &webauthnUser{u: store.User{UUID: uuid, Username: username, Name: name}}
}
