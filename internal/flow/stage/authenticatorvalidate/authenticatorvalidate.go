// Package authenticatorvalidate is the authenticator validation stage
// (ak-stage-authenticator-validate): after the password it asks for a code
// from one of the pending user's devices. It follows authentik's
// stages/authenticator_validate/stage.py for the choices a user without a
// device gets (not_configured_action skip, deny, configure) and for
// last_auth_threshold. usher's devices are TOTP devices so far.
package authenticatorvalidate

import (
	"slices"
	"strconv"

	"github.com/usher-id/usher/internal/domain/totp"
	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/flow/stage/userlogin"
	"github.com/usher-id/usher/internal/store"
)

// Component is the challenge component.
const Component = "ak-stage-authenticator-validate"

// Messages, as authentik words them.
const (
	msgNoUser        = "No pending user."
	msgNotConfigured = "No (allowed) MFA authenticator configured."
	msgBadCode       = "Invalid Token. Please ensure the time on your device is accurate and try again."
)

type view struct{}

func init() { flow.RegisterStage(store.StageAuthenticatorValidate, view{}) }

func settings(ex *flow.Execution) *store.ValidateStageSettings {
	if ex.Stage.Validate != nil {
		return ex.Stage.Validate
	}
	d, _ := store.NewStage(store.StageAuthenticatorValidate, "")
	return d.Validate
}

// devices are the pending user's confirmed devices of the allowed classes.
func devices(ex *flow.Execution, u *store.User) ([]store.TOTPDevice, error) {
	if !slices.Contains(settings(ex).DeviceClasses, "totp") {
		return nil, nil
	}
	all, err := ex.Store().ListTOTPDevices(ex.Ctx(), u.PK)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(d store.TOTPDevice) bool { return !d.Confirmed }), nil
}

func challenge(u *store.User, devs []store.TOTPDevice) *flow.AuthenticatorValidationChallenge {
	c := &flow.AuthenticatorValidationChallenge{Common: flow.Common{Component: Component},
		UserInfo:         flow.UserInfo{PendingUser: u.Username, PendingUserAvatar: flow.DefaultAvatar},
		DeviceChallenges: []flow.DeviceChallenge{}, ConfigurationStages: []any{}}
	for _, d := range devs {
		dc := flow.DeviceChallenge{DeviceClass: "totp", DeviceUID: strconv.FormatInt(d.ID, 10), Challenge: map[string]any{}}
		if d.LastUsed != nil {
			s := fieldrule.FormatTime(*d.LastUsed)
			dc.LastUsed = &s
		}
		c.DeviceChallenges = append(c.DeviceChallenges, dc)
	}
	return c
}

// Get asks for a code, or applies not_configured_action / the threshold.
func (view) Get(ex *flow.Execution) flow.Response {
	u, err := ex.PendingUser()
	if err != nil {
		return flow.Fail(err)
	}
	if u == nil {
		return flow.Invalid(msgNoUser)
	}
	devs, err := devices(ex, u)
	if err != nil {
		return flow.Fail(err)
	}
	s := settings(ex)
	if len(devs) == 0 {
		switch s.NotConfiguredAction {
		case "deny":
			return flow.Invalid(msgNotConfigured)
		case "configure":
			if len(s.ConfigurationStages) == 0 {
				return flow.Invalid(msgNotConfigured)
			}
			// authentik lets the user pick when there are several; usher
			// runs the first one. Once it passes, this stage is done.
			ex.Plan.InsertNext(s.ConfigurationStages[0], ex.Binding.Order)
			return flow.Passed()
		default:
			return flow.Passed()
		}
	}
	if threshold := userlogin.ParseTimedelta(s.LastAuthThreshold); threshold > 0 {
		now := ex.Now()
		for _, d := range devs {
			if d.LastUsed != nil && now.Sub(*d.LastUsed) < threshold {
				return passed(ex, d)
			}
		}
	}
	return flow.Ask(challenge(u, devs))
}

// Post checks the code against each device; a code is accepted once.
func (view) Post(ex *flow.Execution, data map[string]any) flow.Response {
	u, err := ex.PendingUser()
	if err != nil {
		return flow.Fail(err)
	}
	if u == nil {
		return flow.Invalid(msgNoUser)
	}
	devs, err := devices(ex, u)
	if err != nil {
		return flow.Fail(err)
	}
	if len(devs) == 0 {
		return view{}.Get(ex)
	}
	c := challenge(u, devs)
	code := totp.Code(data["code"], 0)
	if code == "" {
		errs := flow.Errors{}
		errs.Add("code", "This field is required.", "required")
		return flow.AskAgain(c, errs)
	}
	now := ex.Now()
	for _, d := range devs {
		ok, err := totp.Verify(ex.Ctx(), ex.Store(), d, totp.Code(data["code"], d.Digits), now)
		if err != nil {
			return flow.Fail(err)
		}
		if ok {
			t := now
			d.LastUsed = &t
			return passed(ex, d)
		}
	}
	errs := flow.Errors{}
	errs.Add("code", msgBadCode, "invalid")
	return flow.AskAgain(c, errs)
}

// passed records the device used in the login's method arguments, as
// authentik's auth_method_args.mfa_devices.
func passed(ex *flow.Execution, d store.TOTPDevice) flow.Response {
	ctx := ex.Context()
	if _, ok := ctx[flow.CtxAuthMethod]; !ok {
		ctx[flow.CtxAuthMethod] = "auth_mfa"
	}
	args, _ := ctx["auth_method_args"].(map[string]any)
	if args == nil {
		args = map[string]any{}
	}
	args["mfa_devices"] = append(toList(args["mfa_devices"]), map[string]any{"app": "authentik_stages_authenticator_totp",
		"model_name": "totpdevice", "pk": d.ID, "name": d.Name})
	ctx["auth_method_args"] = args
	return flow.Passed()
}

func toList(v any) []any {
	l, _ := v.([]any)
	return l
}
