// Package authemail is the email code setup stage (authentik's
// stages/authenticator_email): it sends a code to the user's address (or
// one they give, when their account has none) through the outbox, and saves
// the device once they type it.
package authemail

import (
	"crypto/subtle"
	"time"

	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/domain/mfa"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/flow/stage/userlogin"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
)

// Component is the challenge component.
const Component = "ak-stage-authenticator-email"

// Plan-context keys: the address being set up, and the hash and expiry of
// the code sent to it (the code itself is only in the email).
const (
	ctxEmail   = "authenticator_email_address"
	ctxHash    = "authenticator_email_code"
	ctxExpires = "authenticator_email_expires"
	msgNoUser  = "No Pending user to authenticate."
	msgNoMatch = "Code does not match"
	// DefaultName is the device name when the stage has no friendly name.
	DefaultName = "Email Device"
)

type view struct{}

func init() { flow.RegisterStage(store.StageAuthenticatorEmail, view{}) }

func settings(ex *flow.Execution) *store.AuthenticatorEmailStageSettings {
	if s := ex.Stage.AuthenticatorEmail; s != nil {
		return s
	}
	d, _ := store.NewStage(store.StageAuthenticatorEmail, "")
	return d.AuthenticatorEmail
}

// address is where codes go: the one given in this flow, else the user's.
func address(ex *flow.Execution, u *store.User) string {
	if a, _ := ex.Context()[ctxEmail].(string); a != "" {
		return a
	}
	return u.Email
}

func challenge(u *store.User, to string) *flow.AuthenticatorEmailChallenge {
	c := &flow.AuthenticatorEmailChallenge{Common: flow.Common{Component: Component},
		UserInfo: flow.UserInfo{PendingUser: u.Username, PendingUserAvatar: flow.DefaultAvatar}, EmailRequired: to == ""}
	if to != "" {
		m := mfa.MaskEmail(to)
		c.Email = &m
	}
	return c
}

// Get sends a code (once per flow) when there is an address, or asks for
// one.
func (view) Get(ex *flow.Execution) flow.Response {
	u, err := ex.FlowUser()
	if err != nil {
		return flow.Fail(err)
	}
	if u == nil {
		return flow.Invalid(msgNoUser)
	}
	to := address(ex, u)
	if _, sent := ex.Context()[ctxHash]; to != "" && !sent {
		if resp, ok := send(ex, u, to); !ok {
			return resp
		}
	}
	return flow.Ask(challenge(u, to))
}

// send queues a new code to to; false with the response to give when it
// could not.
func send(ex *flow.Execution, u *store.User, to string) (flow.Response, bool) {
	if retry, over := ex.MFALimited(); over {
		return flow.Limited(retry), false
	}
	s := settings(ex)
	ttl := userlogin.ParseTimedelta(s.TokenExpiry)
	if ttl <= 0 {
		ttl = 30 * time.Minute
	}
	b, err := brand.ForRequest(ex.Ctx(), ex.Store(), ex.R)
	if err != nil {
		return flow.Fail(err), false
	}
	code, exp := mfa.NewEmailCode(), ex.Now().Add(ttl)
	name := u.Name
	if name == "" {
		name = u.Username
	}
	err = mfa.SendEmailCode(ex.Ctx(), ex.Store(), mfa.EmailCode{To: to, Name: name, Brand: brand.Title(b),
		Subject: s.Subject, Template: s.Template, Code: code, Expires: exp})
	if err != nil {
		return flow.Fail(err), false
	}
	ex.Context()[ctxHash] = mfa.HashToken(code)
	ex.Context()[ctxExpires] = exp.Unix()
	return flow.Response{}, true
}

// Post takes an address (when asked for one) or the code.
func (view) Post(ex *flow.Execution, data map[string]any) flow.Response {
	u, err := ex.FlowUser()
	if err != nil {
		return flow.Fail(err)
	}
	if u == nil {
		return flow.Invalid(msgNoUser)
	}
	to := address(ex, u)
	if email, _ := data["email"].(string); email != "" && to == "" {
		clean, err := mail.Address(email)
		if err != nil {
			errs := flow.Errors{}
			errs.Add("email", "Enter a valid email address.", "invalid")
			return flow.AskAgain(challenge(u, ""), errs)
		}
		ex.Context()[ctxEmail] = clean
		if resp, ok := send(ex, u, clean); !ok {
			return resp
		}
		return flow.Ask(challenge(u, clean))
	}
	code, _ := data["code"].(string)
	want, _ := ex.Context()[ctxHash].(string)
	var exp float64
	switch v := ex.Context()[ctxExpires].(type) {
	case float64: // after the session round trip
		exp = v
	case int64:
		exp = float64(v)
	}
	if to == "" || want == "" {
		return flow.Ask(challenge(u, to))
	}
	if code == "" || subtle.ConstantTimeCompare([]byte(mfa.HashToken(code)), []byte(want)) != 1 || ex.Now().Unix() >= int64(exp) {
		errs := flow.Errors{}
		errs.Add("code", msgNoMatch, "invalid")
		return flow.AskAgain(challenge(u, to), errs)
	}
	name := settings(ex).FriendlyName
	if name == "" {
		name = DefaultName
	}
	stage := ex.Stage.UUID
	d := store.Device{Kind: store.DeviceEmail, UserPK: u.PK, Name: name, Stage: &stage, Email: to}
	if err := ex.Store().CreateDevice(ex.Ctx(), &d); err != nil {
		return flow.Fail(err)
	}
	for _, k := range []string{ctxEmail, ctxHash, ctxExpires} {
		delete(ex.Context(), k)
	}
	return flow.Passed()
}
