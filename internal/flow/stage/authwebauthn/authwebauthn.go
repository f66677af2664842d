// Package authwebauthn is the WebAuthn setup stage (authentik's
// stages/authenticator_webauthn): the browser creates a passkey or
// security-key credential, go-webauthn verifies it, and the device is
// saved.
package authwebauthn

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/domain/mfa"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
)

// Component is the challenge component.
const Component = "ak-stage-authenticator-webauthn"

const (
	// ctxKey holds go-webauthn's ceremony state between the page and the
	// answer (in the session's plan).
	ctxKey      = "authenticator_webauthn_setup"
	ctxAttempts = "authenticator_webauthn_attempts"
	msgNoUser   = "No Pending user to authenticate."
	msgFailed   = "The passkey or security key could not be registered. Please try again."
	msgKnown    = "This passkey or security key is registered already."
	msgTooMany  = "Too many failed attempts. Please start again."
	// DefaultName is the device name when the stage has no friendly name.
	DefaultName = "WebAuthn Device"
)

type view struct{}

func init() { flow.RegisterStage(store.StageAuthenticatorWebAuthn, view{}) }

func settings(ex *flow.Execution) *store.AuthenticatorWebAuthnStageSettings {
	if s := ex.Stage.AuthenticatorWebAuthn; s != nil {
		return s
	}
	d, _ := store.NewStage(store.StageAuthenticatorWebAuthn, "")
	return d.AuthenticatorWebAuthn
}

// Get starts a registration ceremony.
func (view) Get(ex *flow.Execution) flow.Response {
	c, err := challenge(ex)
	if errors.Is(err, mfa.ErrNoRPID) {
		return flow.Invalid("Passkeys and security keys cannot be set up on this address: open the site by its domain name.")
	}
	if err != nil {
		return flow.Fail(err)
	}
	if c == nil {
		return flow.Invalid(msgNoUser)
	}
	return flow.Ask(c)
}

func relyingParty(ex *flow.Execution) (*webauthn.WebAuthn, error) {
	b, err := brand.ForRequest(ex.Ctx(), ex.Store(), ex.R)
	if err != nil {
		return nil, err
	}
	return mfa.RelyingParty(ex.R, brand.Title(b))
}

// account is who registers: the flow's user, or in an enrollment before
// the user write stage the account about to be created (from prompt_data,
// with its UUID fixed now); nil when there is neither.
func account(ex *flow.Execution) (webauthn.User, *store.User, error) {
	u, err := ex.FlowUser()
	if err != nil || u != nil {
		if u == nil {
			return nil, nil, err
		}
		wu, err := mfa.WebAuthnUser(ex.Ctx(), ex.Store(), *u)
		return wu, u, err
	}
	if !ex.HasPromptData() {
		return nil, nil, nil
	}
	username, _ := ex.PromptData()["username"].(string)
	if username == "" {
		return nil, nil, nil
	}
	name, _ := ex.PromptData()["name"].(string)
	id, _ := ex.Context()[flow.CtxPendingUserUUID].(string)
	if id == "" {
		id = newUUID()
		ex.Context()[flow.CtxPendingUserUUID] = id
	}
	return mfa.ProspectiveUser(id, username, name), nil, nil
}

// challenge makes the creation options from the stage's settings; the
// user's registered keys are excluded, so a key is not registered twice.
func challenge(ex *flow.Execution) (*flow.AuthenticatorWebAuthnChallenge, error) {
	wu, _, err := account(ex)
	if err != nil || wu == nil {
		return nil, err
	}
	rp, err := relyingParty(ex)
	if err != nil {
		return nil, err
	}
	s := settings(ex)
	sel := protocol.AuthenticatorSelection{UserVerification: mfa.UserVerification(s.UserVerification),
		ResidentKey: mfa.ResidentKey(s.ResidentKeyRequirement)}
	if s.ResidentKeyRequirement == "required" {
		yes := true
		sel.RequireResidentKey = &yes
	}
	if s.AuthenticatorAttachment != nil {
		sel.AuthenticatorAttachment = protocol.AuthenticatorAttachment(*s.AuthenticatorAttachment)
	}
	var excl []protocol.CredentialDescriptor
	for _, c := range wu.WebAuthnCredentials() {
		excl = append(excl, c.Descriptor())
	}
	opts := []webauthn.RegistrationOption{webauthn.WithAuthenticatorSelection(sel), webauthn.WithExclusions(excl)}
	var hints []protocol.PublicKeyCredentialHints
	for _, h := range s.Hints {
		hints = append(hints, protocol.PublicKeyCredentialHints(h))
	}
	if len(hints) > 0 {
		opts = append(opts, webauthn.WithPublicKeyCredentialHints(hints))
	}
	creation, sess, err := rp.BeginRegistration(wu, opts...)
	if err != nil {
		return nil, err
	}
	raw, err := mfa.EncodeSession(sess)
	if err != nil {
		return nil, err
	}
	ex.Context()[ctxKey] = raw
	reg, err := mfa.Options(creation.Response)
	if err != nil {
		return nil, err
	}
	return &flow.AuthenticatorWebAuthnChallenge{Common: flow.Common{Component: Component},
		UserInfo: flow.UserInfo{PendingUser: wu.WebAuthnName(), PendingUserAvatar: flow.DefaultAvatar}, Registration: reg}, nil
}

// Post verifies the new credential with go-webauthn and saves it.
func (view) Post(ex *flow.Execution, data map[string]any) flow.Response {
	ceremony, _ := ex.Context()[ctxKey].(string)
	wu, u, err := account(ex)
	if err != nil {
		return flow.Fail(err)
	}
	if wu == nil {
		return flow.Invalid(msgNoUser)
	}
	fail := func(msg string) flow.Response {
		n, _ := ex.Context()[ctxAttempts].(float64)
		n++
		ex.Context()[ctxAttempts] = n
		if limit := settings(ex).MaxAttempts; limit > 0 && int(n) >= limit {
			return flow.Invalid(msgTooMany)
		}
		c, err := challenge(ex)
		if err != nil {
			return flow.Fail(err)
		}
		errs := flow.Errors{}
		errs.Add("response", msg, "invalid")
		return flow.AskAgain(c, errs)
	}
	sess, err := mfa.DecodeSession(ceremony)
	if err != nil {
		return fail(msgFailed)
	}
	raw, err := mfa.AnswerBytes(data["response"])
	if err != nil {
		return fail(msgFailed)
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(raw)
	if err != nil {
		return fail(msgFailed)
	}
	rp, err := relyingParty(ex)
	if err != nil {
		return flow.Fail(err)
	}
	cred, err := rp.CreateCredential(wu, sess, parsed)
	if err != nil {
		ex.Log().InfoContext(ex.Ctx(), "webauthn registration refused", "user", wu.WebAuthnName(), "err", err)
		return fail(msgFailed)
	}
	name := settings(ex).FriendlyName
	if name == "" {
		name = DefaultName
	}
	stage := ex.Stage.UUID
	if u == nil {
		// Enrollment: saved with the account by the user write stage.
		if _, err := ex.Store().GetDeviceByCredentialID(ex.Ctx(), mfa.CredentialID(cred.ID)); err == nil {
			return fail(msgKnown)
		}
		p, err := mfa.PendingDevice(name, &stage, cred)
		if err != nil {
			return flow.Fail(err)
		}
		list, _ := ex.Context()[flow.CtxPendingDevices].([]any)
		ex.Context()[flow.CtxPendingDevices] = append(list, p)
		delete(ex.Context(), ctxKey)
		delete(ex.Context(), ctxAttempts)
		return flow.Passed()
	}
	d, err := mfa.NewWebAuthnDevice(u.PK, name, &stage, cred)
	if err != nil {
		return flow.Fail(err)
	}
	if err := ex.Store().CreateDevice(ex.Ctx(), &d); errors.Is(err, store.ErrConflict) {
		return fail(msgKnown)
	} else if err != nil {
		return flow.Fail(err)
	}
	delete(ex.Context(), ctxKey)
	delete(ex.Context(), ctxAttempts)
	ex.Log().DebugContext(ex.Ctx(), "webauthn device registered", "user", u.PK, "device", strconv.FormatInt(d.PK, 10))
	return flow.Passed()
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
