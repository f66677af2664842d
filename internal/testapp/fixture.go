package testapp

import (
	"context"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// Fixture holds what the builders created, by the blueprint's ids/names.
type Fixture struct {
	T           testing.TB
	Q           store.Store
	Admin       store.User
	Flows       map[string]store.Flow       // by slug
	Stages      map[string]store.Stage      // by name
	Prompts     map[string]store.Prompt     // by name
	Invitations map[string]store.Invitation // by name
	Groups      map[string]store.Group      // by name
	Bindings    map[string]store.FlowStageBinding
}

// AdminPassword is akadmin's password in fixtures.
const AdminPassword = "correct horse battery staple"

// NewFixture creates akadmin (a superuser through "authentik Admins")
// with AdminPassword hashed by hash.
func NewFixture(t testing.TB, q store.Store, hash func(string) (string, error)) *Fixture {
	t.Helper()
	f := &Fixture{T: t, Q: q, Flows: map[string]store.Flow{}, Stages: map[string]store.Stage{},
		Prompts: map[string]store.Prompt{}, Invitations: map[string]store.Invitation{}, Groups: map[string]store.Group{},
		Bindings: map[string]store.FlowStageBinding{}}
	h, err := hash(AdminPassword)
	f.check(err)
	f.Admin = store.User{Username: "akadmin", Name: "authentik Default Admin", Email: "admin@example.com",
		Password: h, IsActive: true, Type: store.UserTypeInternal, Path: "users", Attributes: map[string]any{}}
	f.check(q.CreateUser(ctx, &f.Admin))
	g := f.Group("authentik Admins", true)
	f.check(q.AddGroupMember(ctx, g.UUID, f.Admin.PK))
	return f
}

var ctx = context.Background()

func (f *Fixture) check(err error) {
	f.T.Helper()
	if err != nil {
		f.T.Fatal(err)
	}
}

// Flow creates a flow.
func (f *Fixture) Flow(slug, name, title, designation, authentication string) store.Flow {
	f.T.Helper()
	fl := store.Flow{Slug: slug, Name: name, Title: title, Designation: designation, Authentication: authentication,
		Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
	f.check(f.Q.CreateFlow(ctx, &fl))
	f.Flows[slug] = fl
	return fl
}

// Stage creates a stage of kind; set adjusts its default settings.
func (f *Fixture) Stage(kind store.StageKind, name string, set func(*store.Stage)) store.Stage {
	f.T.Helper()
	s, err := store.NewStage(kind, name)
	f.check(err)
	if set != nil {
		set(&s)
	}
	f.check(f.Q.CreateStage(ctx, &s))
	f.Stages[name] = s
	return s
}

// Prompt creates a prompt field.
func (f *Fixture) Prompt(name, key, label, typ string, order int, set func(*store.Prompt)) store.Prompt {
	f.T.Helper()
	p := store.Prompt{Name: name, FieldKey: key, Label: label, Type: typ, Required: true, Placeholder: label, Order: order}
	if set != nil {
		set(&p)
	}
	f.check(f.Q.CreatePrompt(ctx, &p))
	f.Prompts[name] = p
	return p
}

// PromptStage creates a prompt stage with fields (prompt names).
func (f *Fixture) PromptStage(name string, fields ...string) store.Stage {
	f.T.Helper()
	return f.Stage(store.StagePrompt, name, func(s *store.Stage) {
		for _, n := range fields {
			s.Prompt.Fields = append(s.Prompt.Fields, f.Prompts[n].UUID)
		}
	})
}

// Bind binds a stage to a flow (by slug and stage name).
func (f *Fixture) Bind(slug, stage string, order int, evaluateOnPlan bool) store.FlowStageBinding {
	f.T.Helper()
	b := store.FlowStageBinding{Target: f.Flows[slug].UUID, Stage: f.Stages[stage].UUID, Order: order,
		EvaluateOnPlan: evaluateOnPlan, ReEvaluatePolicies: true, InvalidResponseAction: "retry", PolicyEngineMode: "any"}
	f.check(f.Q.CreateBinding(ctx, &b))
	f.Bindings[slug+"/"+stage] = b
	return b
}

// Group creates a group.
func (f *Fixture) Group(name string, superuser bool) store.Group {
	f.T.Helper()
	g := store.Group{Name: name, IsSuperuser: superuser, Attributes: map[string]any{}}
	f.check(f.Q.CreateGroup(ctx, &g))
	f.Groups[name] = g
	return g
}

// Invitation creates an invitation created by akadmin for flow slug ("" =
// any flow).
func (f *Fixture) Invitation(name, slug string, singleUse bool, expires *time.Time, fixed map[string]any) store.Invitation {
	f.T.Helper()
	inv := store.Invitation{Name: name, Expires: expires, Expiring: true, FixedData: fixed, CreatedBy: f.Admin.PK}
	if inv.FixedData == nil {
		inv.FixedData = map[string]any{}
	}
	if slug != "" {
		id := f.Flows[slug].UUID
		inv.Flow = &id
	}
	if singleUse {
		one := 1
		inv.MaxUses = &one
	}
	f.check(f.Q.CreateInvitation(ctx, &inv))
	f.Invitations[name] = inv
	return inv
}

func ptrTime(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

// InvitationEnrollment creates the objects of
// shared/blueprints/example/flows-invitation-enrollment.yaml.
func (f *Fixture) InvitationEnrollment() {
	f.T.Helper()
	ext, intl, eng := "invitation-enrollment-flow-external", "invitation-enrollment-flow-internal",
		"invitation-enrollment-flow-internal-engineering"
	f.Flow(ext, "Invitation Enrollment Flow (External Users)", "Welcome! Complete your enrollment", store.DesignationEnrollment, "require_unauthenticated")
	f.Flow(intl, "Invitation Enrollment Flow (Internal Users)", "Welcome! Complete your enrollment", store.DesignationEnrollment, "require_unauthenticated")
	f.Flow(eng, "Invitation Enrollment Flow (Internal - Engineering Team)", "Welcome to the Engineering Team!", store.DesignationEnrollment, "require_unauthenticated")
	for _, n := range []string{"invitation-enrollment-invitation-external", "invitation-enrollment-invitation-internal",
		"invitation-enrollment-invitation-internal-engineering"} {
		f.Stage(store.StageInvitation, n, nil)
	}
	f.Prompt("invitation-enrollment-field-username", "username", "Username", "username", 0, nil)
	f.Prompt("invitation-enrollment-field-password", "password", "Password", "password", 1, nil)
	f.Prompt("invitation-enrollment-field-password-repeat", "password_repeat", "Password (repeat)", "password", 2, nil)
	f.Prompt("invitation-enrollment-field-name", "name", "Name", "text", 0, nil)
	f.Prompt("invitation-enrollment-field-email", "email", "Email", "email", 1, nil)
	f.PromptStage("invitation-enrollment-prompt-credentials", "invitation-enrollment-field-username",
		"invitation-enrollment-field-password", "invitation-enrollment-field-password-repeat")
	f.PromptStage("invitation-enrollment-prompt-details", "invitation-enrollment-field-name", "invitation-enrollment-field-email")
	writer := func(typ, path string, group *string) func(*store.Stage) {
		return func(s *store.Stage) {
			s.UserWrite.UserCreationMode, s.UserWrite.UserType, s.UserWrite.UserPathTemplate = "always_create", typ, path
			s.UserWrite.CreateUsersGroup = group
		}
	}
	f.Stage(store.StageUserWrite, "invitation-enrollment-user-write-external", writer("external", "users/external", nil))
	f.Stage(store.StageUserWrite, "invitation-enrollment-user-write-internal", writer("internal", "users/internal", nil))
	g := f.Group("engineering-team", false)
	f.Stage(store.StageUserWrite, "invitation-enrollment-user-write-internal-engineering", writer("internal", "users/internal/engineering", &g.UUID))
	f.Stage(store.StageUserLogin, "invitation-enrollment-user-login", nil)
	for slug, suffix := range map[string]string{ext: "external", intl: "internal", eng: "internal-engineering"} {
		f.Bind(slug, "invitation-enrollment-invitation-"+suffix, 5, true)
		f.Bind(slug, "invitation-enrollment-prompt-credentials", 10, false)
		f.Bind(slug, "invitation-enrollment-prompt-details", 15, false)
		f.Bind(slug, "invitation-enrollment-user-write-"+suffix, 20, false)
		f.Bind(slug, "invitation-enrollment-user-login", 100, false)
	}
	exp := ptrTime("2028-12-31T23:59:59Z")
	f.Invitation("example-external-basic-invitation", ext, false, nil, map[string]any{})
	f.Invitation("example-external-prefilled-email-invitation", ext, true, exp, map[string]any{"email": "external@example.com"})
	f.Invitation("example-internal-prefilled-invitation", intl, true, exp, map[string]any{"name": "Jane Smith", "email": "jane.smith@company.com"})
	f.Invitation("example-internal-department-invitation", intl, false, exp,
		map[string]any{"attributes": map[string]any{"department": "Engineering", "team": "Backend"}})
	f.Invitation("example-engineering-team-invitation", eng, false, exp,
		map[string]any{"attributes": map[string]any{"department": "Engineering"}})
}

// TwoStageEnrollment creates the objects of
// shared/blueprints/example/flows-enrollment-2-stage.yaml.
func (f *Fixture) TwoStageEnrollment() {
	f.T.Helper()
	slug := "default-enrollment-flow"
	f.Flow(slug, "Default enrollment Flow", "Welcome to authentik!", store.DesignationEnrollment, "require_unauthenticated")
	f.Prompt("default-enrollment-field-username", "username", "Username", "username", 0, nil)
	f.Prompt("default-enrollment-field-password", "password", "Password", "password", 0, nil)
	f.Prompt("default-enrollment-field-password-repeat", "password_repeat", "Password (repeat)", "password", 1, nil)
	f.Prompt("default-enrollment-field-name", "name", "Name", "text", 0, nil)
	f.Prompt("default-enrollment-field-email", "email", "Email", "email", 1, nil)
	f.PromptStage("default-enrollment-prompt-second", "default-enrollment-field-name", "default-enrollment-field-email")
	f.PromptStage("default-enrollment-prompt-first", "default-enrollment-field-username",
		"default-enrollment-field-password", "default-enrollment-field-password-repeat")
	f.Stage(store.StageUserLogin, "default-enrollment-user-login", nil)
	f.Stage(store.StageUserWrite, "default-enrollment-user-write", func(s *store.Stage) { s.UserWrite.UserCreationMode = "always_create" })
	f.Bind(slug, "default-enrollment-prompt-first", 10, false)
	f.Bind(slug, "default-enrollment-prompt-second", 11, false)
	f.Bind(slug, "default-enrollment-user-write", 20, false)
	f.Bind(slug, "default-enrollment-user-login", 100, false)
}

// LoginLogout creates default-authentication-flow (identification,
// password, login) and default-invalidation-flow (logout).
func (f *Fixture) LoginLogout() {
	f.T.Helper()
	f.Flow("default-authentication-flow", "Welcome to authentik!", "Welcome to authentik!", store.DesignationAuthentication, "none")
	f.Flow("default-invalidation-flow", "Logout", "Default Invalidation Flow", store.DesignationInvalidation, "none")
	f.Stage(store.StageIdentification, "default-authentication-identification", nil)
	f.Stage(store.StagePassword, "default-authentication-password", nil)
	f.Stage(store.StageUserLogin, "default-authentication-login", nil)
	f.Stage(store.StageUserLogout, "default-invalidation-logout", nil)
	f.Bind("default-authentication-flow", "default-authentication-identification", 10, false)
	f.Bind("default-authentication-flow", "default-authentication-password", 20, false)
	f.Bind("default-authentication-flow", "default-authentication-login", 100, false)
	f.Bind("default-invalidation-flow", "default-invalidation-logout", 0, false)
}
