// Package authvalidate is the authenticator validation stage (authentik's
// stages/authenticator_validate): it asks the pending user for a second
// factor from their devices of the allowed classes, and when they have none
// skips, denies, or sends them through a setup stage
// (not_configured_action).
package authvalidate

import (
	"errors"
	"slices"
	"strconv"

	"github.com/usher-id/usher/internal/domain/mfa"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/flow/stage/userlogin"
	"github.com/usher-id/usher/internal/store"
)

// Component is the challenge component.
const Component = "ak-stage-authenticator-validate"

// Messages, as authentik words them.
const (
	MsgInvalidCode    = "Invalid Token. Please ensure the time on your device is accurate and try again."
	MsgNotConfigured  = "No (allowed) MFA authenticator configured."
	msgEmpty          = "Empty response"
	msgNoClass        = "No compatible device class allowed"
	msgInvalidStage   = "Selected stage is invalid"
	msgNoConfigStages = "Authenticator validation stage is set to configure user but no configuration flow is set."
	// AuthMethodMFA is the auth_method a second factor sets when nothing
	// before it did.
	AuthMethodMFA = "auth_mfa"
)

type view struct{}

func init() { flow.RegisterStage(store.StageAuthenticatorValidate, view{}) }

func settings(ex *flow.Execution) *store.AuthenticatorValidateStageSettings {
	if s := ex.Stage.AuthenticatorValidate; s != nil {
		return s
	}
	d, _ := store.NewStage(store.StageAuthenticatorValidate, "")
	return d.AuthenticatorValidate
}

// state is what the stage knows about the user on this request.
type state struct {
	user       *store.User
	devices    []store.Device // the user's devices of allowed classes
	challenges []flow.DeviceChallenge
	stages     []flow.SelectableStage // offered setup stages (configure, several)
	// unusable: the user has a key that cannot be used on this address
	// (see mfa.ErrNoRPID); never a reason to skip the second factor.
	unusable bool
}

// load finds the user's allowed devices and builds one challenge per
// device class (authentik's get_device_challenges).
func load(ex *flow.Execution) (*state, error) {
	u, err := ex.PendingUser()
	if err != nil || u == nil {
		return &state{}, err
	}
	all, err := ex.Store().ListDevices(ex.Ctx(), u.PK, "")
	if err != nil {
		return nil, err
	}
	st := &state{user: u}
	allowed := settings(ex).DeviceClasses
	seen := map[store.DeviceKind]bool{}
	for _, d := range all {
		if !slices.Contains(allowed, string(d.Kind)) {
			continue
		}
		if d.Kind == store.DeviceStatic {
			// A static device whose codes are all used answers nothing.
			if n, err := ex.Store().CountStaticTokens(ex.Ctx(), d.PK); err != nil {
				return nil, err
			} else if n == 0 {
				continue
			}
		}
		st.devices = append(st.devices, d)
		if seen[d.Kind] {
			continue
		}
		seen[d.Kind] = true
		ch, err := deviceChallenge(ex, u, d, all)
		if errors.Is(err, mfa.ErrNoRPID) {
			// Opened by IP address: the browser cannot use the key here;
			// the user's other devices still can.
			ex.Log().WarnContext(ex.Ctx(), "webauthn unavailable", "err", err)
			st.unusable = true
			continue
		}
		if err != nil {
			return nil, err
		}
		st.challenges = append(st.challenges, flow.DeviceChallenge{DeviceClass: string(d.Kind),
			DeviceUID: strconv.FormatInt(d.PK, 10), Challenge: ch, LastUsed: d.LastUsed})
	}
	return st, nil
}

// deviceChallenge is the class-specific part: empty for codes.
func deviceChallenge(ex *flow.Execution, u *store.User, d store.Device, all []store.Device) (map[string]any, error) {
	switch d.Kind {
	case store.DeviceWebAuthn:
		return webauthnChallenge(ex, u, all)
	case store.DeviceEmail:
		return map[string]any{}, sendEmailCode(ex, u, d)
	}
	return map[string]any{}, nil
}

func (st *state) challenge() *flow.AuthenticatorValidationChallenge {
	name := ""
	if st.user != nil {
		name = st.user.Username
	}
	return &flow.AuthenticatorValidationChallenge{Common: flow.Common{Component: Component},
		UserInfo:         flow.UserInfo{PendingUser: name, PendingUserAvatar: flow.DefaultAvatar},
		DeviceChallenges: nonNil(st.challenges), ConfigurationStages: nonNil(st.stages)}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Get asks for a second factor, or decides without asking.
func (view) Get(ex *flow.Execution) flow.Response {
	st, err := load(ex)
	if err != nil {
		return flow.Fail(err)
	}
	if resp, done := decide(ex, st); done {
		return resp
	}
	return flow.Ask(st.challenge())
}

// decide handles what needs no answer: no pending user, a recent second
// factor on this browser (last_auth_threshold), or no device.
func decide(ex *flow.Execution, st *state) (flow.Response, bool) {
	s := settings(ex)
	if st.user == nil {
		// Without a pending user the stage can only sign someone in with a
		// passkey (a passwordless flow); otherwise there is nothing to ask.
		ok, err := passwordless(ex, st)
		if err != nil {
			return flow.Fail(err), true
		}
		if !ok {
			return flow.Passed(), true
		}
		return flow.Response{}, false
	}
	if t := userlogin.ParseTimedelta(s.LastAuthThreshold); t > 0 && cookieValid(ex, st.devices, t) {
		return flow.Passed(), true
	}
	if len(st.challenges) > 0 {
		return flow.Response{}, false
	}
	if st.unusable {
		return flow.Invalid("Your passkey or security key cannot be used on this address: open the site by its domain name."), true
	}
	switch s.NotConfiguredAction {
	case "deny":
		return flow.Invalid(MsgNotConfigured), true
	case "configure":
		stages, err := configurationStages(ex)
		if err != nil {
			return flow.Fail(err), true
		}
		switch len(stages) {
		case 0:
			err := ex.Record(ex.Store(), st.user, event.ConfigError, map[string]any{"message": msgNoConfigStages,
				"stage": event.Model(store.ModelAuthenticatorValidateStage, ex.Stage.UUID, ex.Stage.Name)})
			if err != nil {
				return flow.Fail(err), true
			}
			return flow.Invalid(MsgNotConfigured), true
		case 1:
			// One choice: run it straight away (authentik inserts it too).
			ex.InsertStage(stages[0].PK)
			return flow.Passed(), true
		}
		st.stages = stages
		return flow.Response{}, false
	}
	return flow.Passed(), true
}

// configurationStages are the stage's setup stages that still exist.
func configurationStages(ex *flow.Execution) ([]flow.SelectableStage, error) {
	var out []flow.SelectableStage
	for _, id := range settings(ex).ConfigurationStages {
		s, err := ex.Store().GetStage(ex.Ctx(), id)
		if err != nil {
			continue // deleted meanwhile
		}
		out = append(out, flow.SelectableStage{PK: s.UUID, Name: s.Name, VerboseName: verboseNames[s.Kind],
			MetaModelName: metaModels[s.Kind]})
	}
	return out, nil
}

var verboseNames = map[store.StageKind]string{
	store.StageAuthenticatorTOTP:     "TOTP Authenticator Setup Stage",
	store.StageAuthenticatorStatic:   "Static Authenticator Setup Stage",
	store.StageAuthenticatorWebAuthn: "WebAuthn Authenticator Setup Stage",
	store.StageAuthenticatorEmail:    "Email Authenticator Setup Stage",
}

var metaModels = map[store.StageKind]string{
	store.StageAuthenticatorTOTP:     store.ModelAuthenticatorTOTPStage,
	store.StageAuthenticatorStatic:   store.ModelAuthenticatorStaticStage,
	store.StageAuthenticatorWebAuthn: store.ModelAuthenticatorWebAuthnStage,
	store.StageAuthenticatorEmail:    store.ModelAuthenticatorEmailStage,
}

// Post checks the answer: a chosen setup stage, a code, or a WebAuthn
// assertion.
func (view) Post(ex *flow.Execution, data map[string]any) flow.Response {
	// The WebAuthn ceremony the answer belongs to, before load starts a
	// new one for the page shown if the answer fails.
	ceremony, _ := ex.Context()[ctxWebAuthn].(string)
	st, err := load(ex)
	if err != nil {
		return flow.Fail(err)
	}
	if resp, done := decide(ex, st); done {
		return resp
	}
	c := st.challenge()
	again := func(field, msg string) flow.Response {
		errs := flow.Errors{}
		errs.Add(field, msg, "invalid")
		return flow.AskAgain(c, errs)
	}
	if sel, _ := data["selected_stage"].(string); sel != "" {
		for _, s := range st.stages {
			if s.PK == sel {
				ex.InsertStage(s.PK)
				return flow.Passed()
			}
		}
		return again("selected_stage", msgInvalidStage)
	}
	code, _ := data["code"].(string)
	wa := data["webauthn"]
	var dev *store.Device
	switch {
	case code != "":
		if !st.allows(store.DeviceTOTP, store.DeviceStatic, store.DeviceEmail) {
			return again("code", msgNoClass)
		}
		if dev, err = useCode(ex, st, code); err != nil {
			return flow.Fail(err)
		}
		if dev == nil {
			return again("code", MsgInvalidCode)
		}
	case wa != nil && wa != "":
		if st.user != nil && !st.allows(store.DeviceWebAuthn) {
			return again("webauthn", msgNoClass)
		}
		var msg string
		if dev, msg, err = webauthnVerify(ex, st, wa, ceremony); err != nil {
			return flow.Fail(err)
		}
		if dev == nil {
			return again("webauthn", msg)
		}
	default:
		return again(flow.NonField, msgEmpty)
	}
	delete(ex.Context(), ctxWebAuthn)
	return passed(ex, dev)
}

// allows reports whether a challenge of one of kinds was offered.
func (st *state) allows(kinds ...store.DeviceKind) bool {
	for _, c := range st.challenges {
		if slices.Contains(kinds, store.DeviceKind(c.DeviceClass)) {
			return true
		}
	}
	return false
}

// useCode redeems a code on the user's TOTP devices, then their recovery
// codes, then an emailed code: each redemption is one conditional write.
func useCode(ex *flow.Execution, st *state, code string) (*store.Device, error) {
	uid, now := st.user.PK, ex.Now()
	if st.allows(store.DeviceTOTP) {
		if d, err := mfa.UseTOTP(ex.Ctx(), ex.Store(), uid, code, now); err != nil || d != nil {
			return d, err
		}
	}
	if st.allows(store.DeviceStatic) {
		if d, err := mfa.UseStatic(ex.Ctx(), ex.Store(), uid, code, now); err != nil || d != nil {
			return d, err
		}
	}
	if st.allows(store.DeviceEmail) {
		return mfa.UseEmail(ex.Ctx(), ex.Store(), uid, code, now)
	}
	return nil, nil
}

// passed records the device in the plan (authentik's auth_method and
// auth_method_args.mfa_devices), remembers it for last_auth_threshold, and
// moves on.
func passed(ex *flow.Execution, d *store.Device) flow.Response {
	c := ex.Context()
	if _, ok := c[flow.CtxAuthMethod]; !ok {
		c[flow.CtxAuthMethod] = AuthMethodMFA
	}
	args, _ := c[flow.CtxAuthMethodArgs].(map[string]any)
	if args == nil {
		args = map[string]any{}
		c[flow.CtxAuthMethodArgs] = args
	}
	list, _ := args["mfa_devices"].([]any)
	args["mfa_devices"] = append(list, map[string]any{"pk": d.PK, "device_class": string(d.Kind), "name": d.Name})
	if t := userlogin.ParseTimedelta(settings(ex).LastAuthThreshold); t > 0 {
		setCookie(ex, d.PK, t)
	}
	return flow.Passed()
}
