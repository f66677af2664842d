// Package identification is the identification stage
// (ak-stage-identification): it finds the user by username or e-mail and,
// when a password stage is set on it, checks the password inline.
package identification

import (
	"errors"
	"strings"

	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/flow/stage/password"
	"github.com/usher-id/usher/internal/store"
)

// Component is the challenge component.
const Component = "ak-stage-identification"

type view struct{}

func init() { flow.RegisterStage(store.StageIdentification, view{}) }

func settings(ex *flow.Execution) *store.IdentificationStageSettings {
	if ex.Stage.Identification != nil {
		return ex.Stage.Identification
	}
	d, _ := store.NewStage(store.StageIdentification, "")
	return d.Identification
}

// Get asks for the identifier.
func (view) Get(ex *flow.Execution) flow.Response {
	c, err := challenge(ex)
	if err != nil {
		return flow.Fail(err)
	}
	return flow.Ask(c)
}

func challenge(ex *flow.Execution) (*flow.IdentificationChallenge, error) {
	s := settings(ex)
	fields := s.UserFields
	if fields == nil {
		fields = []string{}
	}
	action := "Continue"
	if ex.Flow.Designation == store.DesignationAuthentication {
		action = "Log in"
	}
	allowShow := false
	if s.PasswordStage != nil {
		if ps, err := ex.Store().GetStage(ex.Ctx(), *s.PasswordStage); err == nil && ps.Password != nil {
			allowShow = ps.Password.AllowShowPassword
		} else if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	c := &flow.IdentificationChallenge{Common: flow.Common{Component: Component}, UserFields: fields,
		PasswordFields: s.PasswordStage != nil, AllowShowPassword: allowShow, FlowDesignation: ex.Flow.Designation,
		PrimaryAction: action, Sources: []any{}, ShowSourceLabels: s.ShowSourceLabels, EnableRememberMe: s.EnableRememberMe}
	recovery := s.RecoveryFlow
	if recovery == nil && ex.Flow.Designation == store.DesignationAuthentication {
		// Older authentik linked the brand's recovery flow here; usher keeps
		// that as the fallback when the stage names none, so setting
		// flow_recovery on the brand is enough to offer recovery.
		b, err := brand.ForRequest(ex.Ctx(), ex.Store(), ex.R)
		if err != nil {
			return nil, err
		}
		recovery = b.FlowRecovery
	}
	for dst, id := range map[*string]*string{&c.EnrollURL: s.EnrollmentFlow, &c.RecoveryURL: recovery,
		&c.PasswordlessURL: s.PasswordlessFlow} {
		if id == nil {
			continue
		}
		f, err := ex.Store().GetFlow(ex.Ctx(), *id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		*dst = "/if/flow/" + f.Slug + "/"
	}
	return c, nil
}

// Post finds the user (and checks the password inline).
func (view) Post(ex *flow.Execution, data map[string]any) flow.Response {
	s := settings(ex)
	c, err := challenge(ex)
	if err != nil {
		return flow.Fail(err)
	}
	uid, _ := data["uid_field"].(string)
	uid = strings.TrimSpace(uid)
	if uid == "" {
		errs := flow.Errors{}
		errs.Add("uid_field", "This field is required.", "required")
		return flow.AskAgain(c, errs)
	}
	var user *store.User
	u, err := ex.Store().FindUserForLogin(ex.Ctx(), s.UserFields, uid, s.CaseInsensitiveMatching)
	switch {
	case err == nil:
		user = &u
	case !errors.Is(err, store.ErrNotFound):
		return flow.Fail(err)
	}
	failed := func() flow.Response {
		errs := flow.Errors{}
		errs.Add(flow.NonField, password.MsgFailed, "invalid")
		return flow.AskAgain(c, errs)
	}
	if s.PasswordStage != nil {
		pw, _ := data["password"].(string)
		res, err := password.Check(ex, user, uid, pw)
		if err != nil {
			return flow.Fail(err)
		}
		if res.Limited {
			return flow.Limited(res.RetryAfter)
		}
		if !res.OK {
			return failed()
		}
		ex.Context()[password.CtxIdentifier] = uid
		return flow.Passed()
	}
	if user == nil {
		if !s.PretendUserExists {
			return failed()
		}
		// Go on as if the user existed: the password stage then fails the
		// same way it would for a wrong password, so usernames cannot be
		// probed.
		ex.SetPendingUser(nil)
		ex.Context()[password.CtxIdentifier] = uid
		return flow.Passed()
	}
	ex.SetPendingUser(user)
	ex.Context()[password.CtxIdentifier] = uid
	return flow.Passed()
}
