package authvalidate

import (
	"errors"
	"slices"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/domain/mfa"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
)

// ctxWebAuthn holds go-webauthn's ceremony state (the challenge) between
// the page and the answer, in the session's plan.
const ctxWebAuthn = "authenticator_validate_webauthn"

// AuthMethodPasswordless is the auth_method of a passkey sign-in without a
// username (authentik's default authentication flow skips its own
// validation stage for it).
const AuthMethodPasswordless = "auth_webauthn_pwl"

const (
	msgWebAuthnFailed = "The security key or passkey could not be verified. Please try again."
	msgUnknownKey     = "This passkey is not registered here."
)

func relyingParty(ex *flow.Execution) (*webauthn.WebAuthn, error) {
	b, err := brand.ForRequest(ex.Ctx(), ex.Store(), ex.R)
	if err != nil {
		return nil, err
	}
	return mfa.RelyingParty(ex.R, brand.Title(b))
}

// webauthnChallenge starts an assertion for the user's registered keys.
func webauthnChallenge(ex *flow.Execution, u *store.User, _ []store.Device) (map[string]any, error) {
	rp, err := relyingParty(ex)
	if err != nil {
		return nil, err
	}
	wu, err := mfa.WebAuthnUser(ex.Ctx(), ex.Store(), *u)
	if err != nil {
		return nil, err
	}
	a, sess, err := rp.BeginLogin(wu, webauthn.WithUserVerification(mfa.UserVerification(settings(ex).WebAuthnUserVerification)))
	if err != nil {
		return nil, err
	}
	return keep(ex, a, sess)
}

// keep stores the ceremony and returns the browser's options.
func keep(ex *flow.Execution, a *protocol.CredentialAssertion, sess *webauthn.SessionData) (map[string]any, error) {
	raw, err := mfa.EncodeSession(sess)
	if err != nil {
		return nil, err
	}
	ex.Context()[ctxWebAuthn] = raw
	return mfa.Options(a.Response)
}

// passwordless offers a discoverable-credential (passkey) sign-in when no
// user is known yet, in an authentication flow whose stage allows WebAuthn
// (authentik's get_webauthn_challenge_without_user).
func passwordless(ex *flow.Execution, st *state) (bool, error) {
	if ex.Flow.Designation != store.DesignationAuthentication || !slices.Contains(settings(ex).DeviceClasses, string(store.DeviceWebAuthn)) {
		return false, nil
	}
	rp, err := relyingParty(ex)
	if errors.Is(err, mfa.ErrNoRPID) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	a, sess, err := rp.BeginDiscoverableLogin(webauthn.WithUserVerification(mfa.UserVerification(settings(ex).WebAuthnUserVerification)))
	if err != nil {
		return false, err
	}
	ch, err := keep(ex, a, sess)
	if err != nil {
		return false, err
	}
	st.challenges = []flow.DeviceChallenge{{DeviceClass: string(store.DeviceWebAuthn), DeviceUID: "-1", Challenge: ch}}
	return true, nil
}

// webauthnVerify checks an assertion against the ceremony it answers. For
// a pending user the credential must be one of theirs; without one
// (passwordless) the credential's user handle names the user, who becomes
// the pending user. A refusal returns a nil device and the message.
func webauthnVerify(ex *flow.Execution, st *state, answer any, ceremony string) (*store.Device, string, error) {
	sess, err := mfa.DecodeSession(ceremony)
	if err != nil {
		return nil, msgWebAuthnFailed, nil
	}
	raw, err := mfa.AnswerBytes(answer)
	if err != nil {
		return nil, msgWebAuthnFailed, nil
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(raw)
	if err != nil {
		return nil, msgWebAuthnFailed, nil
	}
	rp, err := relyingParty(ex)
	if err != nil {
		return nil, "", err
	}
	var cred *webauthn.Credential
	user := st.user
	if user != nil {
		wu, err := mfa.WebAuthnUser(ex.Ctx(), ex.Store(), *user)
		if err != nil {
			return nil, "", err
		}
		if cred, err = rp.ValidateLogin(wu, sess, parsed); err != nil {
			ex.Log().InfoContext(ex.Ctx(), "webauthn assertion refused", "user", user.PK, "err", err)
			return nil, msgWebAuthnFailed, nil
		}
	} else {
		var found *store.User
		handler := func(rawID, userHandle []byte) (webauthn.User, error) {
			u, err := ex.Store().GetUserByUUID(ex.Ctx(), string(userHandle))
			if err != nil {
				return nil, err
			}
			found = &u
			return mfa.WebAuthnUser(ex.Ctx(), ex.Store(), u)
		}
		if _, cred, err = rp.ValidatePasskeyLogin(handler, sess, parsed); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, msgUnknownKey, nil
			}
			ex.Log().InfoContext(ex.Ctx(), "webauthn passkey assertion refused", "err", err)
			return nil, msgWebAuthnFailed, nil
		}
		if found == nil || !found.IsActive {
			return nil, msgUnknownKey, nil
		}
		user = found
	}
	d, ok, err := mfa.RecordAssertion(ex.Ctx(), ex.Store(), sess.Challenge, cred, ex.Now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, msgUnknownKey, nil
	}
	if err != nil {
		return nil, "", err
	}
	if !ok || d.UserPK != user.PK {
		return nil, msgWebAuthnFailed, nil
	}
	if st.user == nil {
		ex.SetPendingUser(user)
		ex.Context()[flow.CtxAuthMethod] = AuthMethodPasswordless
	}
	return d, "", nil
}
