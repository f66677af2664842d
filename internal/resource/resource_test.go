package resource

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlite"
)

type fixture struct {
	st    store.Store
	admin store.User
	flow  store.Flow
	stage store.Stage
	group store.Group
}

func setup(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir()+"/usher.db")
	must(t, err)
	t.Cleanup(func() { db.Close() })
	must(t, db.Migrate(ctx))
	f := &fixture{st: db}
	f.group = store.Group{Name: "admins", IsSuperuser: true}
	must(t, db.CreateGroup(ctx, &f.group))
	f.admin = store.User{Username: "akadmin", Name: "Admin", IsActive: true, Type: "internal", Path: "users"}
	must(t, db.CreateUser(ctx, &f.admin))
	must(t, db.AddGroupMember(ctx, f.group.UUID, f.admin.PK))
	f.flow = store.Flow{Name: "Enroll", Slug: "enroll", Title: "Enroll", Designation: "enrollment",
		Authentication: "none", Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
	must(t, db.CreateFlow(ctx, &f.flow))
	f.stage, _ = store.NewStage(store.StageInvitation, "invite")
	must(t, db.CreateStage(ctx, &f.stage))
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) ctx(blueprint, strict bool) *Ctx {
	pw, _ := auth.ParsePasswordHash("bcrypt:cost=4")
	u := f.admin
	c := &Ctx{Q: f.st, BaseURL: "https://id.example.com", Now: time.Now(), Blueprint: blueprint, Strict: strict, Passwords: pw}
	if !blueprint {
		c.User = &u
	}
	return c
}

// TestSaveValidation checks every kind's serializer rules and messages;
// the blueprint importer relies on them.
func TestSaveValidation(t *testing.T) {
	f := setup(t)
	flow, stage, group := f.flow.UUID, f.stage.UUID, f.group.UUID
	noFlow := "00000000-0000-4000-8000-000000000001"
	slugMsg := "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."
	for _, tc := range []struct {
		name      string
		model     string
		data      map[string]any
		blueprint bool
		strict    bool
		field     string // "" = must succeed
		msg       string
	}{
		{"flow ok", "authentik_flows.flow", map[string]any{"name": "A", "slug": "a", "title": "A", "designation": "enrollment"}, false, false, "", ""},
		{"flow bad slug", "authentik_flows.flow", map[string]any{"name": "A", "slug": "a b", "title": "A", "designation": "enrollment"}, false, false, "slug", slugMsg},
		{"flow duplicate slug", "authentik_flows.flow", map[string]any{"name": "A", "slug": "enroll", "title": "A", "designation": "enrollment"}, false, false, "slug", "Flow with this slug already exists."},
		{"flow bad choice", "authentik_flows.flow", map[string]any{"name": "A", "slug": "b", "title": "A", "designation": "signup"}, false, false, "designation", `"signup" is not a valid choice.`},
		{"flow missing title", "authentik_flows.flow", map[string]any{"name": "A", "slug": "c", "designation": "enrollment"}, false, false, "title", "This field is required."},
		{"flow blank name", "authentik_flows.flow", map[string]any{"name": " ", "slug": "c", "title": "t", "designation": "enrollment"}, false, false, "name", "This field may not be blank."},
		{"flow unknown key ignored (API)", "authentik_flows.flow", map[string]any{"name": "A", "slug": "d", "title": "A", "designation": "enrollment", "colour": "red"}, false, false, "", ""},
		{"flow unknown key strict", "authentik_flows.flow", map[string]any{"name": "A", "slug": "e", "title": "A", "designation": "enrollment", "colour": "red"}, true, true, "colour", "Unknown field"},
		{"binding ok", "authentik_flows.flowstagebinding", map[string]any{"target": flow, "stage": stage, "order": 10}, false, false, "", ""},
		{"binding flags", "authentik_flows.flowstagebinding", map[string]any{"target": flow, "stage": stage, "order": 11, "evaluate_on_plan": false, "re_evaluate_policies": false}, false, false, "non_field_errors", "Either evaluation on plan or evaluation on run must be enabled"},
		{"binding duplicate", "authentik_flows.flowstagebinding", map[string]any{"target": flow, "stage": stage, "order": 10}, false, false, "non_field_errors", "The fields target, stage, order must make a unique set."},
		{"binding order text", "authentik_flows.flowstagebinding", map[string]any{"target": flow, "stage": stage, "order": "x"}, false, false, "order", "A valid integer is required."},
		{"binding hex target", "authentik_flows.flowstagebinding", map[string]any{"target": strings.ReplaceAll(flow, "-", ""), "stage": stage, "order": float64(12)}, false, false, "", ""},
		{"binding missing flow", "authentik_flows.flowstagebinding", map[string]any{"target": noFlow, "stage": stage, "order": 13}, false, false, "target", `Invalid pk "` + noFlow + `" - object does not exist.`},
		{"binding not uuid", "authentik_flows.flowstagebinding", map[string]any{"target": "nope", "stage": stage, "order": 13}, false, false, "target", "“nope” is not a valid UUID."},
		{"invitation ok", "authentik_stages_invitation.invitation", map[string]any{"name": "Welcome_1", "flow": flow, "expires": "2030-01-01T00:00:00Z", "fixed_data": map[string]any{"email": "a@b.c"}}, false, false, "", ""},
		{"invitation bad name", "authentik_stages_invitation.invitation", map[string]any{"name": "a b"}, false, false, "name", slugMsg},
		{"invitation fixed_data list", "authentik_stages_invitation.invitation", map[string]any{"name": "x", "fixed_data": []any{1}}, false, false, "fixed_data", "Value must be a dictionary, and not have any duplicate keys."},
		{"invitation expires bad", "authentik_stages_invitation.invitation", map[string]any{"name": "x", "expires": "soon"}, false, false, "expires", "Datetime has wrong format."},
		{"invitation yaml time", "authentik_stages_invitation.invitation", map[string]any{"name": "x", "expires": time.Now().Add(time.Hour)}, true, true, "", ""},
		{"invitation max_uses 0", "authentik_stages_invitation.invitation", map[string]any{"name": "x", "max_uses": 0}, false, false, "max_uses", "Ensure this value is greater than or equal to 1."},
		{"invitation single_use vs max_uses", "authentik_stages_invitation.invitation", map[string]any{"name": "x", "max_uses": 3, "single_use": true}, false, false, "single_use", "single_use and max_uses disagree"},
		{"invitation bad email", "authentik_stages_invitation.invitation", map[string]any{"name": "x", "email": "nope"}, false, false, "email", "Enter a valid email address."},
		{"invitation created_by unknown", "authentik_stages_invitation.invitation", map[string]any{"name": "x", "created_by": 999}, true, true, "created_by", `Invalid pk "999" - object does not exist.`},
		{"prompt ok", "authentik_stages_prompt.prompt", map[string]any{"name": "p1", "field_key": "email", "label": "Email", "type": "email", "order": 1}, false, false, "", ""},
		{"prompt bad type", "authentik_stages_prompt.prompt", map[string]any{"name": "p2", "field_key": "e", "label": "E", "type": "emial"}, false, false, "type", `"emial" is not a valid choice.`},
		{"prompt duplicate", "authentik_stages_prompt.prompt", map[string]any{"name": "p1", "field_key": "e", "label": "E", "type": "text"}, false, false, "name", "Prompt with this name already exists."},
		{"prompt stage empty fields", "authentik_stages_prompt.promptstage", map[string]any{"name": "ps", "fields": []any{}}, false, false, "fields", "This list may not be empty."},
		{"prompt stage missing fields", "authentik_stages_prompt.promptstage", map[string]any{"name": "ps"}, false, false, "fields", "This field is required."},
		{"invitation stage duplicate name", "authentik_stages_invitation.invitationstage", map[string]any{"name": "invite"}, false, false, "name", "stage with this name already exists."},
		{"user write ok", "authentik_stages_user_write.userwritestage", map[string]any{"name": "uw", "user_creation_mode": "always_create", "create_users_group": group, "user_path_template": "users/x"}, true, true, "", ""},
		{"user write bad mode", "authentik_stages_user_write.userwritestage", map[string]any{"name": "uw2", "user_creation_mode": "sometimes"}, false, false, "user_creation_mode", `"sometimes" is not a valid choice.`},
		{"user login bad duration", "authentik_stages_user_login.userloginstage", map[string]any{"name": "ul", "session_duration": "forever"}, false, false, "session_duration", "forever is not in the correct format of 'hours=3;minutes=1'."},
		{"user login ok", "authentik_stages_user_login.userloginstage", map[string]any{"name": "ul", "session_duration": "hours=8", "remember_me_offset": "days=30"}, false, false, "", ""},
		{"identification no fields", "authentik_stages_identification.identificationstage", map[string]any{"name": "id", "user_fields": []any{}}, false, false, "non_field_errors", "When no user fields are selected, at least one source must be selected"},
		{"password backends", "authentik_stages_password.passwordstage", map[string]any{"name": "pw", "backends": []any{"nope"}}, false, false, "backends", `"nope" is not a valid choice.`},
		{"deny ok", "authentik_stages_deny.denystage", map[string]any{"name": "deny", "deny_message": "No."}, false, false, "", ""},
		{"logout ok", "authentik_stages_user_logout.userlogoutstage", map[string]any{"name": "logout"}, false, false, "", ""},
		{"user bad path", "authentik_core.user", map[string]any{"username": "u1", "name": "U", "path": "a//b"}, false, false, "path", "No empty segments in user path allowed."},
		{"user blank path", "authentik_core.user", map[string]any{"username": "u1", "name": "U", "path": ""}, false, false, "path", "This field may not be blank."},
		{"user internal sa", "authentik_core.user", map[string]any{"username": "u1", "name": "U", "type": "internal_service_account"}, false, false, "type", "Setting a user to internal service account is not allowed."},
		{"user bad username", "authentik_core.user", map[string]any{"username": "a b", "name": "U"}, false, false, "username", "Enter a valid username."},
		{"user duplicate", "authentik_core.user", map[string]any{"username": "akadmin", "name": "U"}, false, false, "username", "A user with that username already exists."},
		{"group duplicate", "authentik_core.group", map[string]any{"name": "admins"}, false, false, "name", "Group with this name already exists."},
		{"application bad slug", "authentik_core.application", map[string]any{"name": "App", "slug": "a/b"}, false, false, "slug", slugMsg},
		{"brand ok", "authentik_brands.brand", map[string]any{"domain": "example.com", "default": true, "flow_authentication": flow}, false, false, "", ""},
		{"brand second default", "authentik_brands.brand", map[string]any{"domain": "other.com", "default": true}, false, false, "default", "Only a single brand can be set as default."},
		{"policy syntax", "authentik_policies_expression.expressionpolicy", map[string]any{"name": "p", "expression": "return ("}, false, false, "expression", "Expression Syntax Error"},
		{"policy binding none", "authentik_policies.policybinding", map[string]any{"target": flow, "order": 0}, false, false, "non_field_errors", "One of 'group', 'policy', 'user' must be set."},
		{"policy binding two", "authentik_policies.policybinding", map[string]any{"target": flow, "order": 0, "group": group, "user": f.admin.PK}, false, false, "non_field_errors", "Only one of 'group', 'policy', 'user' can be set."},
		{"blueprint instance empty", "authentik_blueprints.blueprintinstance", map[string]any{"name": "bp"}, false, false, "non_field_errors", "Either path or content must be set."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, ok := Lookup(tc.model)
			if !ok {
				t.Fatalf("model %s not registered", tc.model)
			}
			obj, err := k.Save(f.ctx(tc.blueprint, tc.strict), nil, tc.data)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Save: %v", err)
				}
				if _, err := k.Serialize(f.ctx(false, false), obj); err != nil {
					t.Fatalf("Serialize: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("want a validation error on %s, got %v", tc.field, err)
			}
			if msgs := ve.Fields[tc.field]; len(msgs) == 0 || !strings.HasPrefix(msgs[0], tc.msg) {
				t.Fatalf("errors = %v, want %s: %q", ve.Fields, tc.field, tc.msg)
			}
		})
	}
}

func TestInvalidWritesNothing(t *testing.T) {
	f := setup(t)
	k, _ := Lookup("authentik_stages_invitation.invitation")
	if _, err := k.Save(f.ctx(false, false), nil, map[string]any{"name": "bad name"}); err == nil {
		t.Fatal("expected an error")
	}
	all, n, err := f.st.ListInvitations(context.Background(), store.InvitationFilter{})
	if err != nil || n != 0 || len(all) != 0 {
		t.Fatalf("invitations after a failed save: %d, %v", n, err)
	}
}

func TestInvitationExtrasAndBlueprint(t *testing.T) {
	f := setup(t)
	k, _ := Lookup("authentik_stages_invitation.invitation")
	pk := "0f9b6a3e-7c1d-4c2b-9e1a-1234567890ab"
	obj, err := k.Save(f.ctx(true, true), nil, map[string]any{"pk": strings.ReplaceAll(pk, "-", ""), "name": "bp-invite",
		"flow": f.flow.UUID, "single_use": true})
	must(t, err)
	m, err := k.Serialize(f.ctx(false, false), obj)
	must(t, err)
	cb, _ := m["created_by"].(map[string]any)
	if m["pk"] != pk || cb["username"] != "akadmin" || m["max_uses"] != 1 || m["status"] != "active" ||
		m["link"] != "https://id.example.com/if/flow/enroll/?itoken="+pk || m["single_use"] != true {
		t.Fatalf("serialized = %v", m)
	}
	// Partial update: only given keys change; single_use false lifts the limit.
	obj, err = k.Save(f.ctx(false, false), obj, map[string]any{"single_use": false})
	must(t, err)
	if inv := obj.(store.Invitation); inv.MaxUses != nil || inv.Name != "bp-invite" {
		t.Fatalf("after update: %+v", inv)
	}
	// The API cannot set created_by; it is always the caller.
	other := store.User{Username: "bob", Name: "Bob", IsActive: true, Type: "internal", Path: "users"}
	must(t, f.st.CreateUser(context.Background(), &other))
	obj, err = k.Save(f.ctx(false, false), nil, map[string]any{"name": "api", "created_by": other.PK})
	must(t, err)
	if obj.(store.Invitation).CreatedBy != f.admin.PK {
		t.Fatalf("created_by = %d, want the caller %d", obj.(store.Invitation).CreatedBy, f.admin.PK)
	}
}

func TestUserPasswordInBlueprint(t *testing.T) {
	f := setup(t)
	k, _ := Lookup("authentik_core.user")
	c := f.ctx(true, true)
	obj, err := k.Save(c, nil, map[string]any{"username": "carol", "name": "Carol", "password": "s3cret", "groups": []any{f.group.UUID}})
	must(t, err)
	u := obj.(store.User)
	if ok, _ := c.Passwords.Verify(u.Password, "s3cret"); !ok {
		t.Fatalf("password not hashed and stored: %q", u.Password)
	}
	if super, _ := f.st.IsSuperuser(context.Background(), u.PK); !super {
		t.Fatal("groups not applied")
	}
}

func TestFind(t *testing.T) {
	f := setup(t)
	ctx := f.ctx(true, true)
	flows, _ := Lookup("authentik_flows.flow")
	bindings, _ := Lookup("authentik_flows.flowstagebinding")
	b, err := bindings.Save(ctx, nil, map[string]any{"target": f.flow.UUID, "stage": f.stage.UUID, "order": 5})
	must(t, err)
	groups, _ := Lookup("authentik_core.group")
	_, err = groups.Save(ctx, nil, map[string]any{"name": "eng", "attributes": map[string]any{"team": "a", "x": 1}})
	must(t, err)
	for _, tc := range []struct {
		name  string
		kind  *Kind
		ids   map[string]any
		found bool
	}{
		{"by slug", flows, map[string]any{"slug": "enroll"}, true},
		{"slug and name", flows, map[string]any{"slug": "enroll", "name": "Enroll"}, true},
		{"slug and wrong name", flows, map[string]any{"slug": "enroll", "name": "Other"}, false},
		{"pk OR others: pk wins", flows, map[string]any{"pk": f.flow.UUID, "slug": "missing"}, true},
		{"pk missing, others match", flows, map[string]any{"pk": "00000000-0000-4000-8000-000000000009", "slug": "enroll"}, true},
		{"binding by target stage order", bindings, map[string]any{"target": f.flow.UUID, "stage": strings.ReplaceAll(f.stage.UUID, "-", ""), "order": 5}, true},
		{"binding order as text", bindings, map[string]any{"target": f.flow.UUID, "order": "5"}, true},
		{"binding other order", bindings, map[string]any{"target": f.flow.UUID, "order": 6}, false},
		{"group attributes contains", groups, map[string]any{"attributes": map[string]any{"team": "a"}}, true},
		{"group attributes mismatch", groups, map[string]any{"attributes": map[string]any{"team": "b"}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			obj, err := tc.kind.Find(ctx, tc.ids)
			if tc.found && err != nil {
				t.Fatalf("Find: %v", err)
			}
			if !tc.found && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Find = %v, %v; want not found", obj, err)
			}
		})
	}
	if _, err := flows.Find(ctx, map[string]any{"colour": "red"}); err == nil || !strings.Contains(err.Error(), "Invalid identifier field: colour") {
		t.Fatalf("bad identifier: %v", err)
	}
	if got := bindings.PK(b); got == "" {
		t.Fatal("binding pk empty")
	}
}

// A unique value found taken before writing is reported like one the
// database refuses: a field message that also is store.ErrConflict, so a
// blueprint applied by two instances at once can start over. Bad input
// is not a conflict.
func TestTakenIsConflict(t *testing.T) {
	f := setup(t)
	for _, tt := range []struct {
		model string
		data  map[string]any
		field string
	}{
		{"authentik_flows.flow", map[string]any{"name": "B", "slug": "enroll", "title": "B", "designation": "enrollment"}, "slug"},
		{"authentik_stages_invitation.invitationstage", map[string]any{"name": "invite"}, "name"},
		{"authentik_core.group", map[string]any{"name": "admins"}, "name"},
		{"authentik_core.user", map[string]any{"username": "akadmin", "name": "U"}, "username"},
	} {
		k, _ := Lookup(tt.model)
		_, err := k.Save(f.ctx(true, true), nil, tt.data)
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Fields[tt.field]) == 0 || !errors.Is(err, store.ErrConflict) {
			t.Errorf("%s: %v (conflict: %v)", tt.model, err, errors.Is(err, store.ErrConflict))
		}
	}
	k, _ := Lookup("authentik_flows.flow")
	if _, err := k.Save(f.ctx(true, true), nil, map[string]any{"name": "C", "slug": "bad slug", "title": "C", "designation": "enrollment"}); errors.Is(err, store.ErrConflict) {
		t.Errorf("a bad slug is not a conflict: %v", err)
	}
}

// Identifiers inside a mapping (attributes) match lists by containment, as
// authentik's attributes__contains lookup does; top-level lists must be
// equal.
func TestMatchesListsByContainmentInsideMappings(t *testing.T) {
	got := map[string]any{"groups": []any{"x", "y"},
		"attributes": map[string]any{"tags": []any{"b", "a"}, "team": map[string]any{"ids": []any{1.0, 2.0}}}}
	for _, c := range []struct {
		want map[string]any
		ok   bool
	}{
		{map[string]any{"attributes": map[string]any{"tags": []any{"a"}}}, true},
		{map[string]any{"attributes": map[string]any{"tags": []any{"a", "b"}}}, true},
		{map[string]any{"attributes": map[string]any{"tags": []any{"c"}}}, false},
		{map[string]any{"attributes": map[string]any{"team": map[string]any{"ids": []any{2}}}}, true},
		{map[string]any{"groups": []any{"x"}}, false},
		{map[string]any{"groups": []any{"x", "y"}}, true},
	} {
		if got := Matches(c.want, got); got != c.ok {
			t.Errorf("Matches(%v) = %v, want %v", c.want, got, c.ok)
		}
	}
}
