// Package authenticatortotp is the TOTP setup stage
// (ak-stage-authenticator-totp): it shows the pending user a new secret as
// a QR code and as text, and stores the device once the user has typed one
// code from their app. It follows authentik's
// stages/authenticator_totp/stage.py: the secret lives in the flow plan
// until confirmed, so an abandoned setup leaves no device behind.
package authenticatortotp

import (
	"fmt"

	"github.com/pquerna/otp"

	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/domain/totp"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
)

// Component is the challenge component.
const Component = "ak-stage-authenticator-totp"

const (
	// ctxKey holds the otpauth:// URI of the secret being set up.
	ctxKey      = "totp_setup_key"
	msgNoUser   = "No Pending user to authenticate."
	msgBadCode  = "Code does not match"
	defaultName = "TOTP Device"
)

type view struct{}

func init() { flow.RegisterStage(store.StageAuthenticatorTOTP, view{}) }

func settings(ex *flow.Execution) *store.TOTPStageSettings {
	if ex.Stage.TOTP != nil {
		return ex.Stage.TOTP
	}
	d, _ := store.NewStage(store.StageAuthenticatorTOTP, "")
	return d.TOTP
}

// key returns the secret being set up for u, making one on first use.
func key(ex *flow.Execution, u *store.User) (*otp.Key, error) {
	if s, ok := ex.Context()[ctxKey].(string); ok {
		if k, err := otp.NewKeyFromURL(s); err == nil {
			return k, nil
		}
	}
	issuer := "usher"
	if b, err := brand.ForRequest(ex.Ctx(), ex.Store(), ex.R); err == nil && b.BrandingTitle != "" {
		issuer = b.BrandingTitle
	}
	k, err := totp.NewKey(issuer, u.Username, settings(ex).Digits)
	if err != nil {
		return nil, fmt.Errorf("totp setup: new key: %w", err)
	}
	ex.Context()[ctxKey] = k.URL()
	return k, nil
}

func challenge(ex *flow.Execution) (*flow.AuthenticatorTOTPChallenge, *otp.Key, *store.User, error) {
	u, err := ex.PendingUser()
	if err == nil && u == nil {
		// A setup flow run by a signed-in user from their settings: authentik's
		// planner makes the request's user the pending user.
		u, err = ex.RequestUser()
	}
	if err != nil || u == nil {
		return nil, nil, nil, err
	}
	k, err := key(ex, u)
	if err != nil {
		return nil, nil, nil, err
	}
	return &flow.AuthenticatorTOTPChallenge{Common: flow.Common{Component: Component},
		UserInfo:  flow.UserInfo{PendingUser: u.Username, PendingUserAvatar: flow.DefaultAvatar},
		ConfigURL: k.URL()}, k, u, nil
}

// Get shows the secret.
func (view) Get(ex *flow.Execution) flow.Response {
	c, _, u, err := challenge(ex)
	if err != nil {
		return flow.Fail(err)
	}
	if u == nil {
		return flow.Invalid(msgNoUser)
	}
	return flow.Ask(c)
}

// Post checks the code and stores the device.
func (view) Post(ex *flow.Execution, data map[string]any) flow.Response {
	c, k, u, err := challenge(ex)
	if err != nil {
		return flow.Fail(err)
	}
	if u == nil {
		return flow.Invalid(msgNoUser)
	}
	digits := settings(ex).Digits
	code := totp.Code(data["code"], digits)
	if code == "" {
		errs := flow.Errors{}
		errs.Add("code", "This field is required.", "required")
		return flow.AskAgain(c, errs)
	}
	now := ex.Now()
	step, ok := totp.Match(k.Secret(), digits, code, now)
	if !ok {
		errs := flow.Errors{}
		errs.Add("code", msgBadCode, "invalid")
		return flow.AskAgain(c, errs)
	}
	name := settings(ex).FriendlyName
	if name == "" {
		name = defaultName
	}
	if _, err := totp.Enroll(ex.Ctx(), ex.Store(), u.PK, name, k.Secret(), digits, step, now); err != nil {
		return flow.Fail(err)
	}
	delete(ex.Context(), ctxKey)
	return flow.Passed()
}
