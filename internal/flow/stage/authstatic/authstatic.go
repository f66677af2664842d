// Package authstatic is the static (recovery) token setup stage
// (authentik's stages/authenticator_static): it shows new single-use codes
// once and saves them, hashed, when the user confirms having kept them.
package authstatic

import (
	"github.com/usher-id/usher/internal/domain/mfa"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
)

// Component is the challenge component.
const Component = "ak-stage-authenticator-static"

const (
	// ctxKey holds the codes shown, until the user confirms (in the
	// session's plan; afterwards only their hashes exist).
	ctxKey    = "authenticator_static_setup"
	msgNoUser = "No Pending user to authenticate."
	// DefaultName is the device name when the stage has no friendly name.
	DefaultName = "Static Token"
)

type view struct{}

func init() { flow.RegisterStage(store.StageAuthenticatorStatic, view{}) }

func settings(ex *flow.Execution) *store.AuthenticatorStaticStageSettings {
	if s := ex.Stage.AuthenticatorStatic; s != nil {
		return s
	}
	d, _ := store.NewStage(store.StageAuthenticatorStatic, "")
	return d.AuthenticatorStatic
}

// Get shows the codes, making them on the first visit.
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

func challenge(ex *flow.Execution) (*flow.AuthenticatorStaticChallenge, error) {
	u, err := ex.FlowUser()
	if err != nil || u == nil {
		return nil, err
	}
	codes := stringList(ex.Context()[ctxKey])
	if len(codes) == 0 {
		s := settings(ex)
		codes = mfa.NewStaticTokens(max(s.TokenCount, 1), max(s.TokenLength, 6))
		list := make([]any, len(codes))
		for i, c := range codes {
			list[i] = c
		}
		ex.Context()[ctxKey] = list
	}
	return &flow.AuthenticatorStaticChallenge{Common: flow.Common{Component: Component},
		UserInfo: flow.UserInfo{PendingUser: u.Username, PendingUserAvatar: flow.DefaultAvatar}, Codes: codes}, nil
}

// Post saves the device with the codes shown (authentik's response has no
// fields: continuing confirms).
func (view) Post(ex *flow.Execution, data map[string]any) flow.Response {
	c, err := challenge(ex)
	if err != nil {
		return flow.Fail(err)
	}
	if c == nil {
		return flow.Invalid(msgNoUser)
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
	d := store.Device{UserPK: u.PK, Name: name, Stage: &stage}
	err = ex.Store().Tx(ex.Ctx(), func(q store.Queries) error { return mfa.CreateStatic(ex.Ctx(), q, &d, c.Codes) })
	if err != nil {
		return flow.Fail(err)
	}
	delete(ex.Context(), ctxKey)
	return flow.Passed()
}

// stringList reads a JSON list of strings from the plan context.
func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	return out
}
