package flow

import (
	"time"

	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

// Rate limits (issue 9). The executor is the one place both front-ends go
// through, so it checks and counts here:
//
//   - invalid invitation tokens (malformed or unknown), per client address
//     only, so strangers can never lock out a valid invitation;
//   - wrong passwords, per address and per username; failed
//     identifications per address;
//   - rejected prompt answers, per address.
//
// A limited request gets ResultLimited: 429 with Retry-After (API) or the
// "Too many attempts" page.

// limitKeys returns the keys that guard answering the current stage.
func (ex *Execution) limitKeys() []string {
	ip := httpx.ClientIP(ex.R)
	switch ex.Stage.Kind {
	case store.StagePassword:
		keys := []string{ratelimit.IPKey(ratelimit.LoginFail, ip)}
		if u, err := ex.PendingUser(); err == nil && u != nil {
			keys = append(keys, ratelimit.TargetKey(ratelimit.LoginFail, "user", u.Username))
		}
		return keys
	case store.StageIdentification:
		return []string{ratelimit.IPKey(ratelimit.LoginFail, ip)}
	case store.StagePrompt:
		return []string{ratelimit.IPKey(ratelimit.PromptFail, ip)}
	}
	return nil
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
