package flow

import (
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

// Rate limits (issue 9). The executor is the one place both front-ends go
// through, so it checks and counts here:
//
//   - invalid invitation tokens (malformed or unknown), per client address
//     only, so strangers can never lock out a valid invitation;
//   - wrong passwords, per address and per username, wherever a password
//     is checked (the password stage, the identification stage's password
//     field): the stage calls Execution.CheckPassword, which goes through
//     auth.CheckPassword like every other password check; failed
//     identifications without a password field per address;
//   - rejected prompt answers, per address.
//
// A limited request gets ResultLimited: 429 with Retry-After (API) or the
// "Too many attempts" page.

// limitKeys returns the keys that guard answering the current stage.
func (ex *Execution) limitKeys() []string {
	ip := httpx.ClientIP(ex.R)
	switch ex.Stage.Kind {
	case store.StagePassword:
		// Checked and counted by CheckPassword, with the username.
		return nil
	case store.StageIdentification:
		if s := ex.Stage.Identification; s != nil && s.PasswordStage != nil {
			// The password is checked inline (CheckPassword); counting the
			// answer here as well would count each guess twice per address.
			return nil
		}
		return []string{ratelimit.IPKey(ratelimit.LoginFail, ip)}
	case store.StagePrompt:
		return []string{ratelimit.IPKey(ratelimit.PromptFail, ip)}
	}
	return ex.authenticatorLimitKeys()
}

// invitationLimitKey counts bad invitation tokens of this client.
func (ex *Execution) invitationLimitKey() string {
	return ratelimit.IPKey(ratelimit.InvitationFail, httpx.ClientIP(ex.R))
}

// carriesToken reports whether the wrapped query names an invitation.
func (ex *Execution) carriesToken() bool {
	return ex.Query.Get("itoken") != "" || ex.Query.Get("token") != ""
}

// limited is the result for a throttled client.
func limited(ex *Execution, retry time.Duration) Result {
	return Result{Kind: ResultLimited, RetryAfter: retry, Flow: ex.Flow}
}

// CheckPassword verifies a password typed in a flow under the login limits
// (auth.CheckPassword): username is the account's, or what was typed when
// no account matched. A limited result should end the answer with
// Limited(res.RetryAfter).
func (ex *Execution) CheckPassword(hash, username, candidate string) auth.PasswordCheck {
	return auth.CheckPassword(ex.Ctx(), ex.limiter, ex.App.Passwords, hash, username, candidate, httpx.ClientIP(ex.R))
}

// Limited answers a throttled client: 429 with Retry-After (API) or the
// "Too many attempts" page, like a limit the executor found itself.
func Limited(retry time.Duration) Response { return Response{kind: respLimited, retry: retry} }
