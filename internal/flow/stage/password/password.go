// Package password is the password stage: it checks the pending user's
// password (ak-stage-password), upgrades old hashes, and cancels the flow
// after too many failures.
package password

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"sync"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
)

// Component is the challenge component.
const Component = "ak-stage-password"

// Messages.
const (
	MsgFailed   = "Failed to authenticate."
	msgInvalid  = "Invalid password"
	msgTooMany  = "Too many failed attempts. Please start again."
	msgNoUser   = "No Pending user to authenticate."
	ctxAttempts = "password_failed_attempts"
	// CtxIdentifier is what the user typed at the identification stage.
	CtxIdentifier = "pending_user_identifier"
)

type view struct{}

func init() { flow.RegisterStage(store.StagePassword, view{}) }

func settings(ex *flow.Execution) *store.PasswordStageSettings {
	if ex.Stage.Password != nil {
		return ex.Stage.Password
	}
	d, _ := store.NewStage(store.StagePassword, "")
	return d.Password
}

// Get asks for the password.
func (view) Get(ex *flow.Execution) flow.Response {
	c, ok, err := challenge(ex)
	if err != nil {
		return flow.Fail(err)
	}
	if !ok {
		return flow.Invalid(msgNoUser)
	}
	return flow.Ask(c)
}

// challenge names the pending user, or what was typed when the
// identification stage pretended an unknown user exists.
func challenge(ex *flow.Execution) (*flow.PasswordChallenge, bool, error) {
	u, err := ex.PendingUser()
	if err != nil {
		return nil, false, err
	}
	name, _ := ex.Context()[CtxIdentifier].(string)
	if u != nil {
		name = u.Username
	}
	if u == nil && name == "" {
		return nil, false, nil
	}
	return &flow.PasswordChallenge{Common: flow.Common{Component: Component},
		UserInfo:          flow.UserInfo{PendingUser: name, PendingUserAvatar: flow.DefaultAvatar},
		AllowShowPassword: settings(ex).AllowShowPassword}, true, nil
}

// Post checks the password.
func (view) Post(ex *flow.Execution, data map[string]any) flow.Response {
	c, ok, err := challenge(ex)
	if err != nil {
		return flow.Fail(err)
	}
	if !ok {
		return flow.Invalid(msgNoUser)
	}
	pw, _ := data["password"].(string)
	if pw == "" {
		errs := flow.Errors{}
		errs.Add("password", "This field is required.", "required")
		return flow.AskAgain(c, errs)
	}
	u, err := ex.PendingUser()
	if err != nil {
		return flow.Fail(err)
	}
	res, err := Check(ex, u, c.PendingUser, pw)
	if err != nil {
		return flow.Fail(err)
	}
	if res.Limited {
		return flow.Limited(res.RetryAfter)
	}
	if !res.OK {
		n, _ := ex.Context()[ctxAttempts].(float64)
		n++
		ex.Context()[ctxAttempts] = n
		if limit := settings(ex).FailedAttemptsBeforeCancel; limit > 0 && int(n) >= limit {
			return flow.Invalid(msgTooMany)
		}
		errs := flow.Errors{}
		errs.Add("password", msgInvalid, "invalid")
		return flow.AskAgain(c, errs)
	}
	delete(ex.Context(), ctxAttempts)
	return flow.Passed()
}

// Check verifies pw for u (nil: an unknown user, checked against a dummy
// hash so the answer takes as long) under the login limits, per address and
// per username (the identifier when u is nil). While limited, nothing is
// verified and the result says Limited. On success u becomes the pending
// user and an outdated hash is replaced; on failure a login_failed event is
// recorded with the identifier.
func Check(ex *flow.Execution, u *store.User, identifier, pw string) (auth.PasswordCheck, error) {
	hash, username := "", identifier
	if u != nil {
		username = u.Username
		hash = u.Password
	}
	if hash == "" {
		hash = dummyHash(ex.App)
	}
	res := ex.CheckPassword(hash, username, pw)
	if res.Limited {
		return res, nil
	}
	if u == nil || !res.OK {
		err := ex.Record(ex.Store(), nil, event.LoginFailed, map[string]any{"username": identifier,
			"stage": event.Model(store.ModelPasswordStage, strings.ReplaceAll(ex.Stage.UUID, "-", ""), ex.Stage.Name)})
		return auth.PasswordCheck{}, err
	}
	if res.Rehash {
		if h, err := ex.App.Passwords.Hash(pw); err == nil {
			cp := *u
			cp.Password = h
			if err := user.Update(ex.Ctx(), ex.Store(), *u, &cp); err != nil {
				ex.Log().WarnContext(ex.Ctx(), "upgrade password hash", "user", u.PK, "err", err)
			} else {
				u = &cp
			}
		}
	}
	ex.SetPendingUser(u)
	ex.Context()[flow.CtxUserBackend] = "authentik.core.auth.InbuiltBackend"
	ex.Context()[flow.CtxAuthMethod] = "password"
	return res, nil
}

var (
	dummyMu   sync.Mutex
	dummyFor  = map[*auth.Passwords]string{} // by hashing scheme: the executor copies the App per request
	dummySeed = func() string {
		b := make([]byte, 18)
		_, _ = rand.Read(b)
		return base64.RawStdEncoding.EncodeToString(b)
	}()
)

// dummyHash is a hash of a random password in the app's scheme, so that a
// check for an unknown user costs what a real one does. It is made once
// per scheme (keyed by the app's *auth.Passwords, which every request's
// copy of the App shares), and only when a check needs it.
func dummyHash(a *app.App) string {
	dummyMu.Lock()
	defer dummyMu.Unlock()
	if h, ok := dummyFor[a.Passwords]; ok {
		return h
	}
	h, err := a.Passwords.Hash(dummySeed)
	if err != nil {
		return ""
	}
	dummyFor[a.Passwords] = h
	return h
}
