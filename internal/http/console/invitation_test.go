package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/http/console"
	"github.com/usher-id/usher/internal/store"
)

// invitableFlow creates an enrollment flow with an invitation stage and a
// prompt stage asking for name and email.
func invitableFlow(t testing.TB, f *fixture, slug string, withInvitationStage bool) store.Flow {
	t.Helper()
	ctx := context.Background()
	fl := store.Flow{Name: slug, Slug: slug, Title: "Welcome", Designation: "enrollment", Authentication: "require_unauthenticated",
		Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
	if err := f.st.CreateFlow(ctx, &fl); err != nil {
		t.Fatal(err)
	}
	var fields []string
	for _, k := range []string{"name", "email"} {
		p := store.Prompt{Name: slug + "-" + k, FieldKey: k, Label: k, Type: "text", Required: true}
		if err := f.st.CreatePrompt(ctx, &p); err != nil {
			t.Fatal(err)
		}
		fields = append(fields, p.UUID)
	}
	ps, _ := store.NewStage(store.StagePrompt, slug+"-prompt")
	ps.Prompt.Fields = fields
	if err := f.st.CreateStage(ctx, &ps); err != nil {
		t.Fatal(err)
	}
	bind := func(stage string, order int) {
		b := store.FlowStageBinding{Target: fl.UUID, Stage: stage, Order: order, EvaluateOnPlan: true, ReEvaluatePolicies: true,
			InvalidResponseAction: "retry", PolicyEngineMode: "any"}
		if err := f.st.CreateBinding(ctx, &b); err != nil {
			t.Fatal(err)
		}
	}
	if withInvitationStage {
		is, _ := store.NewStage(store.StageInvitation, slug+"-invitation")
		if err := f.st.CreateStage(ctx, &is); err != nil {
			t.Fatal(err)
		}
		bind(is.UUID, 10)
	}
	bind(ps.UUID, 20)
	return fl
}

func TestInvitationCreateForm(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	good := invitableFlow(t, f, "invite-flow", true)
	bare := invitableFlow(t, f, "bare-flow", false)
	b := f.browser(t, &admin)

	t.Run("form lists flows and warns about one without invitation stage", func(t *testing.T) {
		r := b.get(t, "/if/admin/invitations/new/")
		r.expect(t, 200, "", "Create Invitation", `name="name"`, `type="datetime-local"`, "Custom attributes",
			`name="single_use" id="f-single_use" value="on" checked`, "Max uses", `value="`+good.UUID+`"`,
			"bare-flow (bare-flow) — no invitation stage, invitations will not work")
	})

	base := func() url.Values {
		return url.Values{"name": {"welcome"}, "expires": {"2030-01-02T03:04"}, "flow": {good.UUID}, "single_use": {"on"}}
	}
	with := func(kv ...string) url.Values {
		v := base()
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				v.Del(kv[i])
			} else {
				v.Set(kv[i], kv[i+1])
			}
		}
		return v
	}
	tests := []struct {
		name   string
		form   url.Values
		status int
		body   []string
	}{
		{"bad slug", with("name", "not a slug"), 422, []string{"Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.", `value="not a slug"`}},
		{"blank name", with("name", ""), 422, []string{"This field"}},
		{"YAML error names the line", with("fixed_data", "name: Jane\nemail: [x\n"), 422, []string{"Line "}},
		{"list is not a mapping", with("fixed_data", "- a\n- b\n"), 422, []string{"Value must be a dictionary"}},
		{"duplicate key", with("fixed_data", "a: 1\na: 2\n"), 422, []string{"Line 2"}},
		{"bad date", with("expires", "tomorrow"), 422, []string{"Enter a date and time"}},
		// Outside years 1-9999 in UTC: refused, not stored (issue 12 item 4).
		{"year 10000 in UTC", with("expires", "9999-12-31T23:59:59-23:59"), 422, []string{"Datetime value out of range"}},
		{"year 0", with("expires", "0000-01-01T00:00"), 422, []string{"Datetime value out of range"}},
		{"single use with max uses 5", with("max_uses", "5"), 422, []string{"A single-use invitation allows exactly one use"}},
		{"YAML custom attributes", with("fixed_data", "name: Jane Smith\nemail: jane.smith@company.com\n"), 303, nil},
		{"JSON custom attributes, multi use", with("name", "dept", "single_use", "", "max_uses", "25",
			"fixed_data", `{"name": "John Doe", "attributes": {"department": "Engineering", "start_date": "2025-01-15"}}`), 303, nil},
		{"no flow, unlimited", with("name", "open", "flow", "", "single_use", "", "expires", ""), 303, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b.post(t, "/if/admin/invitations/new/", tc.form).expect(t, tc.status, "", tc.body...)
		})
	}

	ctx := context.Background()
	invs, n, err := f.st.ListInvitations(ctx, store.InvitationFilter{Ordering: "name", Limit: 10})
	if err != nil || n != 3 {
		t.Fatalf("want 3 invitations, got %d (%v)", n, err)
	}
	byName := map[string]store.Invitation{}
	for _, inv := range invs {
		byName[inv.Name] = inv
	}
	w := byName["welcome"]
	if !w.SingleUse() || w.FixedData["email"] != "jane.smith@company.com" || w.CreatedBy != admin.PK || w.Flow == nil || *w.Flow != good.UUID {
		t.Fatalf("welcome stored wrong: %+v", w)
	}
	if w.Expires == nil || w.Expires.UTC().Format("2006-01-02T15:04") != "2030-01-02T03:04" {
		t.Fatalf("expires stored wrong: %v", w.Expires)
	}
	d := byName["dept"]
	if d.MaxUses == nil || *d.MaxUses != 25 || d.FixedData["attributes"].(map[string]any)["start_date"] != "2025-01-15" {
		t.Fatalf("dept stored wrong: %+v", d)
	}
	if o := byName["open"]; o.Flow != nil || o.MaxUses != nil || o.Expires != nil {
		t.Fatalf("open stored wrong: %+v", o)
	}
	if ev := f.events(t, "model_created"); len(ev) != 3 || ev[0].Context["model"].(map[string]any)["model_name"] != "invitation" {
		t.Fatalf("want 3 model_created invitation events, got %+v", ev)
	}

	t.Run("list shows rows that expand to the link, data and uses", func(t *testing.T) {
		r := b.get(t, "/if/admin/invitations/")
		r.expect(t, 200, "", "Link to use the invitation",
			f.srv.URL+"/if/flow/invite-flow/?itoken="+w.UUID, `data-copy="`+f.srv.URL+"/if/flow/invite-flow/?itoken="+w.UUID+`"`,
			"jane.smith@company.com", "Not used yet.", "Single use", "25", "admin", ">Active<")
		// The flow-less invitation lists a link for every flow with an invitation stage, and none for bare-flow.
		if !strings.Contains(r.body, "/if/flow/invite-flow/?itoken="+byName["open"].UUID) ||
			strings.Contains(r.body, "/if/flow/bare-flow/?itoken=") {
			t.Fatal("flow-less invitation links are wrong")
		}
	})

	t.Run("search and paging are server side", func(t *testing.T) {
		r := b.get(t, "/if/admin/invitations/?search=dept")
		r.expect(t, 200, "", "dept", "1–1 of 1")
		if strings.Contains(r.body, "itoken="+w.UUID) {
			t.Fatal("search did not filter")
		}
	})

	t.Run("edit keeps values and saves", func(t *testing.T) {
		b.get(t, "/if/admin/invitations/"+w.UUID+"/edit/").expect(t, 200, "", `value="welcome"`, `value="2030-01-02T03:04"`, "jane.smith@company.com")
		b.post(t, "/if/admin/invitations/"+w.UUID+"/edit/", with("name", "welcome2", "flow", bare.UUID)).expect(t, 303, "/if/admin/invitations/")
		got, _ := f.st.GetInvitation(ctx, w.UUID)
		if got.Name != "welcome2" || *got.Flow != bare.UUID {
			t.Fatalf("edit not saved: %+v", got)
		}
		// Its flow now has no invitation stage: the console warns.
		b.get(t, "/if/admin/invitations/?search=welcome2").expect(t, 200, "", "has no invitation stage")
	})

	t.Run("revoke asks first, then revokes", func(t *testing.T) {
		b.get(t, "/if/admin/invitations/"+d.UUID+"/revoke/").expect(t, 200, "", "Revoke invitation dept?", `method="post"`)
		b.post(t, "/if/admin/invitations/"+d.UUID+"/revoke/", nil).expect(t, 303, "/if/admin/invitations/")
		got, _ := f.st.GetInvitation(ctx, d.UUID)
		if got.Status(f.app.Clock()) != store.InvitationRevoked {
			t.Fatal("not revoked")
		}
		if ev := f.events(t, "invitation_revoked"); len(ev) != 1 || ev[0].User["username"] != "admin" {
			t.Fatalf("want one invitation_revoked event by admin, got %+v", ev)
		}
	})

	t.Run("delete asks first, then deletes", func(t *testing.T) {
		b.get(t, "/if/admin/invitations/"+d.UUID+"/delete/").expect(t, 200, "", "Delete Invitation dept?")
		b.post(t, "/if/admin/invitations/"+d.UUID+"/delete/", nil).expect(t, 303, "/if/admin/invitations/")
		if _, err := f.st.GetInvitation(ctx, d.UUID); err == nil {
			t.Fatal("not deleted")
		}
		if len(f.events(t, "model_deleted")) != 1 {
			t.Fatal("want a model_deleted event")
		}
	})
}

func TestInvitationWarnings(t *testing.T) {
	f := newFixture(t)
	good := invitableFlow(t, f, "good", true)
	warnings, err := console.InvitationWarnings(context.Background(), f.st)
	if err != nil {
		t.Fatal(err)
	}
	one := 1
	tests := []struct {
		name   string
		inv    store.Invitation
		status string
		want   string
	}{
		{"fine", store.Invitation{Flow: &good.UUID, FixedData: map[string]any{"email": "a@b", "attributes": map[string]any{}, "type": "internal"}}, "active", ""},
		{"unknown key", store.Invitation{Flow: &good.UUID, FixedData: map[string]any{"emial": "a@b"}}, "active", "emial"},
		// The status column says these; no warning repeats them.
		{"expired", store.Invitation{Flow: &good.UUID}, "expired", ""},
		{"used up", store.Invitation{Flow: &good.UUID, MaxUses: &one, Uses: 1}, "used_up", ""},
		{"attributes dotted key ok", store.Invitation{FixedData: map[string]any{"attributes.team": "x"}}, "active", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := strings.Join(warnings(tc.inv, tc.status), " ")
			if (tc.want == "") != (w == "") || !strings.Contains(w, tc.want) {
				t.Fatalf("warnings %q, want %q", w, tc.want)
			}
		})
	}
}

// The create form reports every problem at once (the name with the
// attributes), and refuses an expiry in the past on its field; nothing is
// written.
func TestInvitationFormErrorsAtOnce(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	flow := invitableFlow(t, f, "invite-flow", true)
	b := f.browser(t, &admin)
	r := b.post(t, "/if/admin/invitations/new/", url.Values{"name": {"Bad Name"}, "flow": {flow.UUID},
		"fixed_data": {"- not\n- a mapping\n"}, "expires": {"2001-01-01T10:00"}, "single_use": {"on"}})
	r.expect(t, 422, "", "Enter a valid", "This time is in the past")
	if !strings.Contains(r.body, "dictionary") && !strings.Contains(r.body, "mapping") {
		t.Errorf("the attributes error is missing:\n%s", snippet(r.body))
	}
	if invs, n, _ := f.st.ListInvitations(context.Background(), store.InvitationFilter{}); n != 0 {
		t.Fatalf("a refused form wrote %+v", invs)
	}
}
