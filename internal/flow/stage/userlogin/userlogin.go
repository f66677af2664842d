// Package userlogin is the user login stage (authentik's stages/user_login/stage.py): it logs the pending
// user in, rotating the session ID.
package userlogin

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
)

// Component is the remember-me challenge.
const Component = "ak-stage-user-login"

const (
	msgNoUser   = "No Pending user to login."
	msgInactive = "Your account is not active yet. An administrator has to activate it before you can log in."
)

type view struct{}

func init() { flow.RegisterStage(store.StageUserLogin, view{}) }

func settings(ex *flow.Execution) *store.UserLoginStageSettings {
	if ex.Stage.UserLogin != nil {
		return ex.Stage.UserLogin
	}
	d, _ := store.NewStage(store.StageUserLogin, "")
	return d.UserLogin
}

// Get logs in at once, or asks "remember me?" when remember_me_offset > 0.
func (view) Get(ex *flow.Execution) flow.Response {
	s := settings(ex)
	if ParseTimedelta(s.RememberMeOffset) > 0 {
		u, err := ex.PendingUser()
		if err != nil {
			return flow.Fail(err)
		}
		if u == nil {
			return flow.Invalid(msgNoUser)
		}
		return flow.Ask(challenge(u))
	}
	return login(ex, s, false)
}

// Headless: the stage asks nothing unless it offers "remember me".
func (view) Headless(st store.Stage) bool {
	return st.UserLogin == nil || ParseTimedelta(st.UserLogin.RememberMeOffset) <= 0
}

// Post takes the remember_me answer.
func (view) Post(ex *flow.Execution, data map[string]any) flow.Response {
	s := settings(ex)
	if ParseTimedelta(s.RememberMeOffset) <= 0 {
		return login(ex, s, false)
	}
	rm, ok := data["remember_me"]
	if !ok {
		u, err := ex.PendingUser()
		if err != nil {
			return flow.Fail(err)
		}
		if u == nil {
			return flow.Invalid(msgNoUser)
		}
		errs := flow.Errors{}
		errs.Add("remember_me", "This field is required.", "required")
		return flow.AskAgain(challenge(u), errs)
	}
	return login(ex, s, truthy(rm))
}

func challenge(u *store.User) *flow.UserLoginChallenge {
	return &flow.UserLoginChallenge{Common: flow.Common{Component: Component},
		UserInfo: flow.UserInfo{PendingUser: u.Username, PendingUserAvatar: flow.DefaultAvatar}}
}

func login(ex *flow.Execution, s *store.UserLoginStageSettings, remember bool) flow.Response {
	u, err := ex.PendingUser()
	if err != nil {
		return flow.Fail(err)
	}
	if u == nil {
		return flow.Invalid(msgNoUser)
	}
	// A verification link is used up before the login it allows; its email
	// stage may activate the account (activate_user_on_success).
	if ex.HoldsFlowToken() {
		if err := ex.Store().Tx(ex.Ctx(), ex.ConsumeFlowToken); err != nil {
			ex.Plan.TokenConsumed = false
			var terr *flow.TokenError
			if errors.As(err, &terr) {
				return flow.Invalid(terr.Message)
			}
			return flow.Fail(err)
		}
		if u, err = ex.PendingUser(); err != nil { // activated by the token's stage
			return flow.Fail(err)
		}
		if u == nil {
			return flow.Invalid(msgNoUser)
		}
	}
	if !u.IsActive {
		return flow.Invalid(msgInactive)
	}
	now := ex.Now()
	d := ParseTimedelta(s.SessionDuration)
	if remember {
		d += ParseTimedelta(s.RememberMeOffset)
	}
	persistent := d > 0
	if !persistent { // ends with the browser; the server still expires it
		d = ex.App.Sessions.TTL
		if d <= 0 {
			d = 24 * time.Hour
		}
	}
	data := map[string]any{}
	for _, k := range []string{flow.CtxAuthMethod, "auth_method_args"} {
		if v, ok := ex.Context()[k]; ok {
			data[k] = v
		}
	}
	login := func() {
		ex.Session.Login(u.PK, now.Add(d), persistent)
	}
	if u.PK != 0 {
		login()
	}
	// Nothing here can refuse the login: it commits with the session row
	// that carries it, in one transaction.
	ex.Later(func(q store.Queries) error {
		if u.PK == 0 {
			// The account is written earlier in this transaction (user
			// write, Execution.Finishing): log in with its key.
			pu, err := ex.PendingUser()
			if err != nil || pu == nil {
				return fmt.Errorf("user login: the account written with it is gone: %v", err)
			}
			u = pu
			login()
		}
		keep := auth.HashID(ex.Session.ID)
		if err := q.SetLastLogin(ex.Ctx(), u.PK, now); err != nil {
			return err
		}
		if s.TerminateOtherSessions {
			if err := q.DeleteUserSessions(ex.Ctx(), u.PK, keep); err != nil {
				return err
			}
		}
		return ex.Record(q, u, event.Login, data)
	})
	return flow.Passed()
}

// ParseTimedelta reads authentik's "key=value;..." durations (keys
// microseconds ... weeks; unknown keys ignored); anything unreadable is 0.
func ParseTimedelta(s string) time.Duration {
	units := map[string]time.Duration{"microseconds": time.Microsecond, "milliseconds": time.Millisecond,
		"seconds": time.Second, "minutes": time.Minute, "hours": time.Hour, "days": 24 * time.Hour,
		"weeks": 7 * 24 * time.Hour}
	// Summed as a float and bounded: authentik allows up to 999999999
	// days, far past time.Duration's 292 years, and converting such a float
	// to a Duration (or adding two large ones) wraps around, which turned
	// "weeks=100000" into a session that ended at once.
	var total float64
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		unit, known := units[strings.TrimSpace(k)]
		if !ok || !known {
			continue
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(n) {
			continue
		}
		total += n * float64(unit)
	}
	return time.Duration(max(-float64(MaxTimedelta), min(total, float64(MaxTimedelta))))
}

// MaxTimedelta bounds a parsed timedelta: 100 years is "forever" for a
// session, and two of them still add up within time.Duration.
const MaxTimedelta = 100 * 365 * 24 * time.Hour

func truthy(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		switch strings.ToLower(t) {
		case "true", "on", "1", "yes":
			return true
		}
	}
	return false
}
