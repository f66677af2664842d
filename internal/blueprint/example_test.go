package blueprint

import (
	"context"
	"github.com/usher-id/usher/internal/testkit"
	"io"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

func readExample(t *testing.T, name string) *Blueprint {
	t.Helper()
	data, err := os.ReadFile(testkit.ExampleBlueprint(t, name))
	if err != nil {
		t.Fatal(err)
	}
	bp, err := Parse(data, name)
	if err != nil {
		t.Fatal(err)
	}
	return bp
}

func appOn(s store.Store) *app.App {
	return &app.App{Store: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }}
}

func addSuperuser(t *testing.T, a *app.App) {
	t.Helper()
	ctx := context.Background()
	g := store.Group{Name: "authentik Admins", IsSuperuser: true}
	u := store.User{Username: "akadmin", IsActive: true, Type: store.UserTypeInternal, Path: "users"}
	if err := a.Store.CreateGroup(ctx, &g); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.CreateUser(ctx, &u); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.AddGroupMember(ctx, g.UUID, u.PK); err != nil {
		t.Fatal(err)
	}
}

// snapshot renders the objects the examples touch, to compare databases
// before and after a re-apply.
type snapshot struct {
	flows    map[string]store.Flow
	stages   map[string]store.Stage
	prompts  map[string]store.Prompt
	bindings []string // "flow-slug/order/stage-name"
	groups   []string
	invs     map[string]store.Invitation
}

func takeSnapshot(t *testing.T, q store.Queries) snapshot {
	t.Helper()
	ctx := context.Background()
	s := snapshot{flows: map[string]store.Flow{}, stages: map[string]store.Stage{}, prompts: map[string]store.Prompt{}, invs: map[string]store.Invitation{}}
	flows, err := q.ListFlows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	slugs := map[string]string{}
	for _, f := range flows {
		s.flows[f.Slug] = f
		slugs[f.UUID] = f.Slug
	}
	stages, err := q.ListStages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, st := range stages {
		s.stages[st.Name] = st
		names[st.UUID] = st.Name
	}
	prompts, err := q.ListPrompts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range prompts {
		s.prompts[p.Name] = p
	}
	bindings, err := q.ListBindings(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bindings {
		s.bindings = append(s.bindings, slugs[b.Target]+"/"+itoa(b.Order)+"/"+names[b.Stage])
	}
	sort.Strings(s.bindings)
	groups, _, err := q.ListGroups(ctx, store.GroupFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range groups {
		s.groups = append(s.groups, g.Name)
	}
	invs, _, err := q.ListInvitations(ctx, store.InvitationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range invs {
		s.invs[i.Name] = i
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestExampleBlueprints(t *testing.T) {
	invBP := readExample(t, "flows-invitation-enrollment.yaml")
	twoBP := readExample(t, "flows-enrollment-2-stage.yaml")
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			a := appOn(b.Open(t))
			ctx := context.Background()
			addSuperuser(t, a) // blueprint invitations are owned by a superuser
			for _, bp := range []*Blueprint{invBP, twoBP} {
				res, err := Apply(ctx, a, bp, Options{})
				if err != nil {
					t.Fatalf("%s: %v", bp.Name, err)
				}
				if c := res.Counts(); c[ActionCreated] != len(bp.Entries) {
					t.Fatalf("%s: %v, want every entry created", bp.Name, c)
				}
			}
			s := takeSnapshot(t, a.Store)
			checkInvitationExample(t, s)
			checkTwoStageExample(t, s)

			// Re-applying changes nothing.
			for _, bp := range []*Blueprint{invBP, twoBP} {
				res, err := Apply(ctx, a, bp, Options{})
				if err != nil {
					t.Fatalf("re-apply %s: %v", bp.Name, err)
				}
				if c := res.Counts(); c[ActionUnchanged] != len(bp.Entries) {
					t.Fatalf("re-apply %s: %v, want every entry unchanged", bp.Name, c)
				}
			}
			again := takeSnapshot(t, a.Store)
			if asJSON(again.bindings) != asJSON(s.bindings) || len(again.flows) != len(s.flows) ||
				len(again.stages) != len(s.stages) || len(again.prompts) != len(s.prompts) || len(again.invs) != len(s.invs) {
				t.Fatalf("re-apply changed the database")
			}
		})
	}
}

func checkInvitationExample(t *testing.T, s snapshot) {
	t.Helper()
	for _, slug := range []string{"invitation-enrollment-flow-external", "invitation-enrollment-flow-internal", "invitation-enrollment-flow-internal-engineering"} {
		f, ok := s.flows[slug]
		if !ok || f.Designation != "enrollment" || f.Authentication != "require_unauthenticated" {
			t.Fatalf("flow %s = %+v", slug, f)
		}
	}
	if s.flows["invitation-enrollment-flow-internal-engineering"].Title != "Welcome to the Engineering Team!" {
		t.Fatalf("title = %q", s.flows["invitation-enrollment-flow-internal-engineering"].Title)
	}
	for _, n := range []string{"external", "internal", "internal-engineering"} {
		st := s.stages["invitation-enrollment-invitation-"+n]
		if st.Kind != store.StageInvitation || st.Invitation.ContinueFlowWithoutInvitation {
			t.Fatalf("invitation stage %s = %+v", n, st)
		}
	}
	wantPrompts := map[string]string{"username": "username/username/0", "password": "password/password/1",
		"password-repeat": "password_repeat/password/2", "name": "name/text/0", "email": "email/email/1"}
	for n, want := range wantPrompts {
		p := s.prompts["invitation-enrollment-field-"+n]
		if got := p.FieldKey + "/" + p.Type + "/" + itoa(p.Order); got != want || !p.Required || p.Label == "" {
			t.Fatalf("prompt %s = %+v", n, p)
		}
	}
	cred := s.stages["invitation-enrollment-prompt-credentials"]
	if cred.Kind != store.StagePrompt || len(cred.Prompt.Fields) != 3 {
		t.Fatalf("credentials stage = %+v", cred)
	}
	if cred.Prompt.Fields[0] != s.prompts["invitation-enrollment-field-username"].UUID {
		t.Fatalf("credentials fields out of order: %v", cred.Prompt.Fields)
	}
	if d := s.stages["invitation-enrollment-prompt-details"]; d.Kind != store.StagePrompt || len(d.Prompt.Fields) != 2 {
		t.Fatalf("details stage = %+v", d)
	}
	if !slices.Contains(s.groups, "engineering-team") {
		t.Fatalf("groups = %v", s.groups)
	}
	for n, want := range map[string]string{"external": "external users/external", "internal": "internal users/internal",
		"internal-engineering": "internal users/internal/engineering"} {
		uw := s.stages["invitation-enrollment-user-write-"+n]
		if uw.Kind != store.StageUserWrite || uw.UserWrite.UserCreationMode != "always_create" ||
			uw.UserWrite.UserType+" "+uw.UserWrite.UserPathTemplate != want {
			t.Fatalf("user write %s = %+v", n, uw.UserWrite)
		}
		if (n == "internal-engineering") != (uw.UserWrite.CreateUsersGroup != nil) {
			t.Fatalf("user write %s group = %v", n, uw.UserWrite.CreateUsersGroup)
		}
	}
	if st := s.stages["invitation-enrollment-user-login"]; st.Kind != store.StageUserLogin {
		t.Fatalf("login stage = %+v", st)
	}
	var inv []string
	for _, b := range s.bindings {
		if strings.HasPrefix(b, "invitation-enrollment-flow-") {
			inv = append(inv, b)
		}
	}
	if len(inv) != 15 {
		t.Fatalf("bindings = %v", inv)
	}
	for _, want := range []string{"invitation-enrollment-flow-external/5/invitation-enrollment-invitation-external",
		"invitation-enrollment-flow-internal-engineering/20/invitation-enrollment-user-write-internal-engineering",
		"invitation-enrollment-flow-internal/100/invitation-enrollment-user-login"} {
		if !strings.Contains(strings.Join(inv, "\n"), want) {
			t.Fatalf("missing binding %s in %v", want, inv)
		}
	}
	wantInv := map[string]string{
		"example-external-basic-invitation":           "invitation-enrollment-flow-external multi no-expiry {}",
		"example-external-prefilled-email-invitation": `invitation-enrollment-flow-external single 2028-12-31T23:59:59Z {"email":"external@example.com"}`,
		"example-internal-prefilled-invitation":       `invitation-enrollment-flow-internal single 2028-12-31T23:59:59Z {"email":"jane.smith@company.com","name":"Jane Smith"}`,
		"example-internal-department-invitation":      `invitation-enrollment-flow-internal multi 2028-12-31T23:59:59Z {"attributes":{"department":"Engineering","team":"Backend"}}`,
		"example-engineering-team-invitation":         `invitation-enrollment-flow-internal-engineering multi 2028-12-31T23:59:59Z {"attributes":{"department":"Engineering"}}`,
	}
	if len(s.invs) != 5 {
		t.Fatalf("invitations = %d", len(s.invs))
	}
	slugs := map[string]string{}
	for slug, f := range s.flows {
		slugs[f.UUID] = slug
	}
	for name, want := range wantInv {
		i, ok := s.invs[name]
		if !ok || i.Flow == nil {
			t.Fatalf("invitation %s = %+v", name, i)
		}
		use := "multi"
		if i.SingleUse() {
			use = "single"
		}
		exp := "no-expiry"
		if i.Expires != nil {
			exp = i.Expires.UTC().Format(time.RFC3339)
		}
		fd := asJSON(i.FixedData)
		if i.FixedData == nil {
			fd = "{}"
		}
		if got := slugs[*i.Flow] + " " + use + " " + exp + " " + fd; got != want {
			t.Fatalf("invitation %s = %s\nwant %s", name, got, want)
		}
	}
}

func checkTwoStageExample(t *testing.T, s snapshot) {
	t.Helper()
	f := s.flows["default-enrollment-flow"]
	if f.Name != "Default enrollment Flow" || f.Designation != "enrollment" {
		t.Fatalf("flow = %+v", f)
	}
	var got []string
	for _, b := range s.bindings {
		if strings.HasPrefix(b, "default-enrollment-flow/") {
			got = append(got, b)
		}
	}
	want := []string{"default-enrollment-flow/10/default-enrollment-prompt-first", "default-enrollment-flow/100/default-enrollment-user-login",
		"default-enrollment-flow/11/default-enrollment-prompt-second", "default-enrollment-flow/20/default-enrollment-user-write"}
	if asJSON(got) != asJSON(want) {
		t.Fatalf("bindings = %v", got)
	}
	if uw := s.stages["default-enrollment-user-write"]; uw.UserWrite == nil || uw.UserWrite.UserCreationMode != "always_create" {
		t.Fatalf("user write = %+v", uw)
	}
	if p := s.stages["default-enrollment-prompt-first"]; p.Prompt == nil || len(p.Prompt.Fields) != 3 {
		t.Fatalf("prompt stage = %+v", p)
	}
}

// The real models' validation reaches the user with the entry, model and field.
func TestExampleWithMistakes(t *testing.T) {
	data, err := os.ReadFile(testkit.ExampleBlueprint(t, "flows-enrollment-2-stage.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, old, new, want string
	}{
		{"bad choice", "type: email", "type: emial",
			`entry 6 (id: prompt-field-email, model authentik_stages_prompt.prompt): field "type": "emial" is not a valid choice.`},
		// authentik ignores keys a model does not have; the entry fails on
		// the real problem and names the ignored key.
		{"misspelt field", "field_key: email", "feild_key: email",
			`entry 6 (id: prompt-field-email, model authentik_stages_prompt.prompt): field "field_key": This field is required. (ignored "feild_key": not fields of this model)`},
		{"bad slug", "slug: default-enrollment-flow", "slug: default enrollment flow",
			`entry 1 (id: flow, model authentik_flows.flow): field "slug": Enter a valid “slug”`},
		{"last entry fails", "stage: !KeyOf default-enrollment-user-login", "stage: !KeyOf no-such-stage",
			"entry 14 (model authentik_flows.flowstagebinding): KeyOf: failed to find entry with `id` of `no-such-stage`"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t)
			bp, err := Parse([]byte(strings.Replace(string(data), tc.old, tc.new, 1)), "2-stage.yaml")
			if err != nil {
				t.Fatal(err)
			}
			_, err = Apply(context.Background(), a, bp, Options{})
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error = %v\nwant prefix %s", err, tc.want)
			}
			s := takeSnapshot(t, a.Store)
			if len(s.flows)+len(s.stages)+len(s.prompts)+len(s.bindings) != 0 {
				t.Fatalf("failed apply left rows: %d flows, %d stages, %d prompts", len(s.flows), len(s.stages), len(s.prompts))
			}
		})
	}
}
