// Package userwrite is the user write stage (authentik's stages/user_write/stage.py). It turns prompt_data
// into a user and, in the same transaction, consumes the invitation in
// effect: of racing enrollments on a single-use invitation exactly one
// commits, the others are denied and write nothing.
package userwrite

import (
	"errors"
	"sort"
	"strings"

	"github.com/usher-id/usher/internal/domain/mfa"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/domain/group"
	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
)

// Messages (authentik's stages/user_write/stage.py), plus usher's clearer one for a taken username.
const (
	msgNoData        = "No Pending data."
	msgCannotCreate  = "No user found and can't create new user."
	msgFailed        = "Failed to update user. Please try again later."
	msgNoUsername    = "No username was entered, so no account can be created. Please start again."
	msgUsernameTaken = "Username is already taken. Please start again and choose another username."
)

var validTypes = map[string]bool{store.UserTypeInternal: true, store.UserTypeExternal: true,
	store.UserTypeServiceAccount: true, store.UserTypeInternalServiceAccount: true}

type view struct{}

func init() { flow.RegisterStage(store.StageUserWrite, view{}) }

// Get runs the stage (no UI).
func (view) Get(ex *flow.Execution) flow.Response { return run(ex) }

// Post runs the stage like Get.
func (view) Post(ex *flow.Execution, _ map[string]any) flow.Response { return run(ex) }

func run(ex *flow.Execution) flow.Response {
	s := ex.Stage.UserWrite
	if s == nil {
		d, _ := store.NewStage(store.StageUserWrite, "")
		s = d.UserWrite
	}
	if !ex.HasPromptData() {
		return flow.Invalid(msgNoData)
	}
	pd := ex.PromptData()
	pending, err := ex.PendingUser()
	if err != nil {
		return flow.Fail(err)
	}
	if pending == nil && s.UserCreationMode != "always_create" {
		// A logged-in user running the flow updates their own account.
		if pending, err = ex.RequestUser(); err != nil {
			return flow.Fail(err)
		}
	}
	creating := pending == nil || s.UserCreationMode == "always_create"
	var u store.User
	if creating {
		if s.UserCreationMode == "never_create" {
			return flow.Invalid(msgCannotCreate)
		}
		u = store.User{IsActive: !s.CreateUsersAsInactive, Type: userType(ex, s), Path: userPath(ex, s),
			Attributes: map[string]any{}}
		// A passkey registered earlier in this enrollment names the account by this UUID.
		u.UUID, _ = ex.Context()[flow.CtxPendingUserUUID].(string)
	} else {
		u = *pending
		u.Attributes = copyMap(u.Attributes)
	}
	passwordSet, err := apply(ex, &u, pd)
	if err != nil {
		return flow.Invalid(msgFailed)
	}
	if strings.TrimSpace(u.Username) == "" {
		return flow.Invalid(msgNoUsername)
	}
	inv, err := ex.Invitation()
	if err != nil {
		return flow.Fail(err)
	}
	if inv != nil && inv.Email != "" && strings.TrimSpace(u.Email) == "" {
		u.Email = inv.Email
	}
	var before *store.User
	if !creating {
		before = pending
	}
	if msg := checkUser(&u, before); msg != "" {
		return flow.Invalid(msg)
	}
	groups := groupsFor(ex, s)

	// Read now: a write left for the end of the request runs after this
	// stage has cleared them from the plan.
	devices, _ := ex.Context()[flow.CtxPendingDevices].([]any)
	work := func(q store.Queries) error {
		if creating {
			if err := user.Create(ex.Ctx(), q, &u, groups...); err != nil {
				return err
			}
		} else {
			if err := user.Update(ex.Ctx(), q, *pending, &u); err != nil {
				return err
			}
			for _, g := range groups {
				if err := group.AddMember(ex.Ctx(), q, g, u.PK); err != nil {
					return err
				}
			}
		}
		if err := ex.ConsumeInvitation(q, &u); err != nil {
			return err
		}
		if len(devices) > 0 {
			if err := mfa.CreatePendingDevices(ex.Ctx(), q, u.PK, devices); err != nil {
				return err
			}
		}
		// A recovery link is used up with the password it lets set.
		if err := ex.ConsumeFlowToken(q); err != nil {
			return err
		}
		return record(ex, q, &u, pd, creating, passwordSet)
	}
	if creating && ex.Finishing() && !ex.HoldsFlowToken() {
		// Only stages without a UI follow (the login): the account, the
		// invitation's use and the events commit at the end of this
		// request with the login and the session, in one transaction. A
		// use or username taken meanwhile refuses the flow then, with the
		// same message as here. (A plan resumed from a link keeps writing
		// here, so the link is used up in the transaction of this work.)
		ex.ConsumeLater()
		ex.LaterRefusable(func(q store.Queries) error {
			if err := work(q); err != nil {
				return err
			}
			ex.SetPendingUser(&u) // now with its key
			return nil
		}, func(err error) (string, bool) { return refusal(ex, err) })
	} else {
		err = ex.Store().Tx(ex.Ctx(), work)
		if err != nil {
			ex.Plan.TokenConsumed = false
			ex.Plan.Consumed = false
			if msg, ok := refusal(ex, err); ok {
				return flow.Invalid(msg)
			}
			return flow.Fail(err)
		}
	}
	delete(ex.Context(), flow.CtxPendingDevices)
	delete(ex.Context(), flow.CtxPendingUserUUID)
	ex.SetPendingUser(&u)
	ex.Context()[flow.CtxUserBackend] = "authentik.core.auth.InbuiltBackend"
	pd["created"] = creating // authentik's user_write handler adds it too
	return flow.Passed()
}

// refusal is the message for the invitee when writing the user failed for
// a reason they must hear; ok is false for an internal error.
func refusal(ex *flow.Execution, err error) (msg string, ok bool) {
	var ierr *flow.InvitationError
	var terr *flow.TokenError
	switch {
	case errors.As(err, &terr):
		return terr.Message, true
	case errors.As(err, &ierr):
		ex.RecordInvitationFailure(ierr)
		return ierr.Message(), true
	case errors.Is(err, store.ErrConflict):
		return msgUsernameTaken, true
	}
	return "", false
}

// Headless: the stage shows nothing.
func (view) Headless(store.Stage) bool { return true }

// apply maps prompt_data onto u (authentik's UserWriteStageView.update_user); it reports whether a
// password was set.
func apply(ex *flow.Execution, u *store.User, pd map[string]any) (bool, error) {
	keys := make([]string, 0, len(pd))
	for k := range pd {
		keys = append(keys, k)
	}
	// Plain "attributes" first so dotted keys refine it, not the reverse.
	sort.Slice(keys, func(i, j int) bool {
		if (keys[i] == "attributes") != (keys[j] == "attributes") {
			return keys[i] == "attributes"
		}
		return keys[i] < keys[j]
	})
	passwordSet := false
	for _, k := range keys {
		v := pd[k]
		switch {
		case k == "component" || k == "groups":
		case k == "password":
			pw, _ := v.(string)
			if pw == "" {
				continue
			}
			if err := user.HashPassword(ex.App.Passwords, u, pw, ex.Now()); err != nil {
				return false, err
			}
			passwordSet = true
		case k == "attributes":
			m, ok := v.(map[string]any)
			if !ok {
				return false, errors.New("attributes is not an object")
			}
			for ak, av := range m {
				u.Attributes[ak] = av
			}
		case strings.HasPrefix(k, "attributes.") || strings.HasPrefix(k, "attributes_"):
			setPath(u.Attributes, strings.Split(k[len("attributes."):], "."), v)
		case k == "username":
			u.Username = str(v)
		case k == "name":
			u.Name = str(v)
		case k == "email":
			u.Email = strings.TrimSpace(str(v))
		case k == "path":
			if p := str(v); p != "" {
				u.Path = p
			}
		case k == "type":
			if t := str(v); validTypes[t] {
				u.Type = serviceAccountFix(t)
			}
		case k == "is_active":
			if b, ok := v.(bool); ok {
				u.IsActive = b
			}
		}
	}
	return passwordSet, nil
}

func setPath(m map[string]any, path []string, v any) {
	for i, p := range path {
		if i == len(path)-1 {
			m[p] = v
			return
		}
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
}

func userType(ex *flow.Execution, s *store.UserWriteStageSettings) string {
	if t, ok := ex.Context()[flow.CtxUserType].(string); ok && validTypes[t] {
		return serviceAccountFix(t)
	}
	if validTypes[s.UserType] {
		return serviceAccountFix(s.UserType)
	}
	return store.UserTypeExternal
}

func serviceAccountFix(t string) string {
	if t == store.UserTypeInternalServiceAccount {
		return store.UserTypeServiceAccount
	}
	return t
}

func userPath(ex *flow.Execution, s *store.UserWriteStageSettings) string {
	if p, ok := ex.Context()[flow.CtxUserPath].(string); ok && p != "" {
		return p
	}
	if s.UserPathTemplate != "" {
		return s.UserPathTemplate // used literally, as authentik does
	}
	return "users"
}

// groupsFor lists the group UUIDs to add: the stage's group and any in the
// plan context's "groups".
func groupsFor(ex *flow.Execution, s *store.UserWriteStageSettings) []string {
	var out []string
	if s.CreateUsersGroup != nil && *s.CreateUsersGroup != "" {
		out = append(out, *s.CreateUsersGroup)
	}
	if gs, ok := ex.Context()["groups"].([]any); ok {
		for _, g := range gs {
			if id, ok := g.(string); ok && id != "" {
				out = append(out, id)
			}
		}
	}
	return out
}

// record writes the stage's events in the transaction.
func record(ex *flow.Execution, q store.Queries, u *store.User, pd map[string]any, created, passwordSet bool) error {
	data := make(map[string]any, len(pd)+1)
	for k, v := range pd {
		if k != "component" {
			data[k] = v
		}
	}
	data["created"] = created
	if err := ex.Record(q, u, event.UserWrite, data); err != nil {
		return err
	}
	model := map[string]any{"model": event.Model(store.ModelUser, u.PK, u.Username)}
	if created {
		return ex.Record(q, u, event.ModelCreated, model)
	}
	if err := ex.Record(q, u, event.ModelUpdated, model); err != nil {
		return err
	}
	if passwordSet {
		// A new password ends the user's other sessions, whichever front
		// end sets it; the session running this flow stays.
		keep := ""
		if ex.Session != nil {
			keep = auth.HashID(ex.Session.ID)
		}
		return user.PasswordSet(ex.Ctx(), q, ex.Record, u, keep)
	}
	return nil
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if mv, ok := v.(map[string]any); ok {
			v = copyMap(mv)
		}
		out[k] = v
	}
	return out
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
