// Package authtotp is the TOTP setup stage (authentik's
// stages/authenticator_totp): it shows a new secret as a QR code and as
// text, and saves the device once the user types a code it produced.
package authtotp

import (
	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/domain/mfa"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
)

// Component is the challenge component.
const Component = "ak-stage-authenticator-totp"

const (
	// ctxKey holds the otpauth:// URL of the secret being set up, between
	// showing it and checking the first code (in the session's plan, never
	// in process memory).
	ctxKey     = "authenticator_totp_setup"
	msgNoUser  = "No Pending user to authenticate."
	msgNoMatch = "Code does not match"
	// DefaultName is the device name when the stage has no friendly name
	// (authentik's default).
	DefaultName = "TOTP Device"
)

type view struct{}

func init() { flow.RegisterStage(store.StageAuthenticatorTOTP, view{}) }

func settings(ex *flow.Execution) *store.AuthenticatorTOTPStageSettings {
	if s := ex.Stage.AuthenticatorTOTP; s != nil {
		return s
	}
	d, _ := store.NewStage(store.StageAuthenticatorTOTP, "")
	return d.AuthenticatorTOTP
}

// Get shows the secret, making one on the first visit.
func (view) Get(ex *flow.Execution) flow.Response {
	c, err := challenge(ex)
	if err != nil {
		return flow.Fail(err)
	}
	if c == nil {
		return flow.Invalid(msgNoUser)
	}
	return flow.Ask(c)
}

func challenge(ex *flow.Execution) (*flow.AuthenticatorTOTPChallenge, error) {
	u, err := ex.FlowUser()
	if err != nil || u == nil {
		return nil, err
	}
	url, _ := ex.Context()[ctxKey].(string)
	key, err := mfa.KeyFromURL(url)
	if url == "" || err != nil || key.AccountName() != u.Username {
		b, err := brand.ForRequest(ex.Ctx(), ex.Store(), ex.R)
		if err != nil {
			return nil, err
		}
		if key, err = mfa.NewTOTPKey(brand.Title(b), u.Username, settings(ex).Digits); err != nil {
			return nil, err
		}
		ex.Context()[ctxKey] = key.URL()
	}
	qr, err := mfa.QRDataURI(key)
	if err != nil {
		return nil, err
	}
	return &flow.AuthenticatorTOTPChallenge{Common: flow.Common{Component: Component},
		UserInfo:  flow.UserInfo{PendingUser: u.Username, PendingUserAvatar: flow.DefaultAvatar},
		ConfigURL: key.URL(), QRCode: qr, Secret: key.Secret()}, nil
}

// Post checks the first code and saves the device. The device starts at
// the code's time step, so the same code cannot then be used to sign in.
func (view) Post(ex *flow.Execution, data map[string]any) flow.Response {
	c, err := challenge(ex)
	if err != nil {
		return flow.Fail(err)
	}
	if c == nil {
		return flow.Invalid(msgNoUser)
	}
	code, _ := data["code"].(string)
	if code == "" {
		errs := flow.Errors{}
		errs.Add("code", "This field is required.", "required")
		return flow.AskAgain(c, errs)
	}
	key, err := mfa.KeyFromURL(c.ConfigURL)
	if err != nil {
		return flow.Fail(err)
	}
	step, ok := mfa.MatchTOTP(key.Secret(), int(key.Digits()), code, ex.Now())
	if !ok {
		errs := flow.Errors{}
		errs.Add("code", msgNoMatch, "invalid")
		return flow.AskAgain(c, errs)
	}
	u, err := ex.FlowUser()
	if err != nil {
		return flow.Fail(err)
	}
	name := settings(ex).FriendlyName
	if name == "" {
		name = DefaultName
	}
	stage := ex.Stage.UUID
	d := store.Device{Kind: store.DeviceTOTP, UserPK: u.PK, Name: name, Stage: &stage, Secret: key.Secret(),
		Digits: int(key.Digits()), LastStep: step}
	if err := ex.Store().CreateDevice(ex.Ctx(), &d); err != nil {
		return flow.Fail(err)
	}
	delete(ex.Context(), ctxKey)
	return flow.Passed()
}
