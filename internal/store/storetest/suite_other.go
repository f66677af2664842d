package storetest

import (
	"bytes"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

func testPolicies(t *testing.T, s store.Store) {
	p := store.Policy{Name: "is-admin", Expression: "return True", ExecutionLogging: true}
	check(t, s.CreatePolicy(ctx, &p), "create")
	if p.Kind != "expression" || len(p.UUID) != 36 {
		t.Errorf("create = %+v", p)
	}
	got, err := s.GetPolicy(ctx, p.UUID)
	check(t, err, "get")
	if !reflect.DeepEqual(got, p) {
		t.Errorf("get = %+v", got)
	}
	if g, err := s.GetPolicyByName(ctx, "is-admin"); err != nil || g.UUID != p.UUID {
		t.Errorf("by name: %v", err)
	}
	wantErr(t, s.CreatePolicy(ctx, &store.Policy{Name: "is-admin"}), store.ErrConflict, "duplicate name")
	check(t, s.CreatePolicy(ctx, &store.Policy{Name: "another"}), "create another")
	list, err := s.ListPolicies(ctx)
	check(t, err, "list")
	sameStrings(t, names(list, func(p store.Policy) string { return p.Name }), []string{"another", "is-admin"}, "policies")
	got.Expression, got.ExecutionLogging = "return False", false
	check(t, s.UpdatePolicy(ctx, &got), "update")
	if g, _ := s.GetPolicy(ctx, p.UUID); g.Expression != "return False" || g.ExecutionLogging {
		t.Errorf("after update = %+v", g)
	}
	check(t, s.DeletePolicy(ctx, p.UUID), "delete")
	wantErr(t, s.DeletePolicy(ctx, p.UUID), store.ErrNotFound, "delete twice")

	// A password policy keeps its settings.
	pw := store.Policy{Name: "strong", Kind: store.PolicyPassword, Password: store.NewPasswordPolicySettings()}
	pw.Password.LengthMin, pw.Password.CheckZxcvbn = 12, true
	check(t, s.CreatePolicy(ctx, &pw), "create password policy")
	gpw, err := s.GetPolicy(ctx, pw.UUID)
	check(t, err, "get password policy")
	if !reflect.DeepEqual(gpw, pw) || gpw.Password.SymbolCharset != store.DefaultSymbolCharset {
		t.Errorf("password policy = %+v %+v", gpw, gpw.Password)
	}
	gpw.Password.LengthMin = 14
	check(t, s.UpdatePolicy(ctx, &gpw), "update password policy")
	if g, _ := s.GetPolicy(ctx, pw.UUID); g.Password == nil || g.Password.LengthMin != 14 || !g.Password.CheckZxcvbn {
		t.Errorf("after update = %+v", g.Password)
	}
}

func testPolicyBindings(t *testing.T, s store.Store) {
	f := mkFlow(t, s, "f")
	p := store.Policy{Name: "p"}
	check(t, s.CreatePolicy(ctx, &p), "policy")
	g := mkGroup(t, s, "g", nil)
	u := mkUser(t, s, "u")
	pb := store.PolicyBinding{Target: f.UUID, Policy: &p.UUID, Enabled: true, Order: 10, Timeout: 30, Negate: true}
	check(t, s.CreatePolicyBinding(ctx, &pb), "create policy binding")
	got, err := s.GetPolicyBinding(ctx, pb.UUID)
	check(t, err, "get")
	if !reflect.DeepEqual(got, pb) {
		t.Errorf("get = %+v, want %+v", got, pb)
	}
	gb := store.PolicyBinding{Target: f.UUID, Group: &g.UUID, Enabled: true, Order: 0}
	check(t, s.CreatePolicyBinding(ctx, &gb), "create group binding")
	ub := store.PolicyBinding{Target: f.UUID, User: &u.PK, Order: 0}
	check(t, s.CreatePolicyBinding(ctx, &ub), "create user binding (same order, no policy)")
	wantErr(t, s.CreatePolicyBinding(ctx, &store.PolicyBinding{Target: f.UUID, Policy: &p.UUID, Order: 10}), store.ErrConflict, "same policy, target, order")
	wantErr(t, s.CreatePolicyBinding(ctx, &store.PolicyBinding{Target: f.UUID, Policy: ptr("00000000-0000-4000-8000-000000000000")}), store.ErrReferenced, "missing policy")
	wantErr(t, s.CreatePolicyBinding(ctx, &store.PolicyBinding{Target: f.UUID, User: ptr(int64(999999))}), store.ErrReferenced, "missing user")
	check(t, s.CreatePolicyBinding(ctx, &store.PolicyBinding{Target: "11111111-1111-4111-8111-111111111111", Policy: &p.UUID, Order: 1}), "other target")

	list, err := s.ListPolicyBindings(ctx, f.UUID)
	check(t, err, "list")
	if len(list) != 3 || list[2].UUID != pb.UUID {
		t.Errorf("list = %+v", list)
	}
	all, _ := s.ListPolicyBindings(ctx, "")
	if len(all) != 4 {
		t.Errorf("all = %d", len(all))
	}
	got.Enabled, got.Order, got.FailureResult = false, 5, true
	check(t, s.UpdatePolicyBinding(ctx, &got), "update")
	if g, _ := s.GetPolicyBinding(ctx, pb.UUID); g.Enabled || g.Order != 5 || !g.FailureResult {
		t.Errorf("after update = %+v", g)
	}
	// Deleting the policy, group or user deletes their bindings.
	check(t, s.DeleteGroup(ctx, g.UUID), "delete group")
	check(t, s.DeleteUser(ctx, u.PK), "delete user")
	check(t, s.DeletePolicy(ctx, p.UUID), "delete policy")
	if l, _ := s.ListPolicyBindings(ctx, ""); len(l) != 0 {
		t.Errorf("bindings left = %+v", l)
	}
	wantErr(t, s.DeletePolicyBinding(ctx, pb.UUID), store.ErrNotFound, "delete deleted")
}

func testBrands(t *testing.T, s store.Store) {
	f := mkFlow(t, s, "auth")
	app := store.Application{Name: "App", Slug: "app"}
	check(t, s.CreateApplication(ctx, &app), "app")
	b := store.Brand{Domain: "example.com", Default: true, BrandingTitle: "usher", BrandingLogo: "/logo.png",
		FlowAuthentication: &f.UUID, FlowRecovery: &f.UUID, DefaultApplication: &app.UUID, Attributes: map[string]any{"x": "y"}}
	check(t, s.CreateBrand(ctx, &b), "create")
	got, err := s.GetBrand(ctx, b.UUID)
	check(t, err, "get")
	if !reflect.DeepEqual(got, b) {
		t.Errorf("get = %+v, want %+v", got, b)
	}
	wantErr(t, s.CreateBrand(ctx, &store.Brand{Domain: "x", FlowInvalidation: ptr("00000000-0000-4000-8000-000000000000")}), store.ErrReferenced, "missing flow")
	check(t, s.CreateBrand(ctx, &store.Brand{Domain: "a.example.com"}), "second")
	list, err := s.ListBrands(ctx)
	check(t, err, "list")
	sameStrings(t, names(list, func(b store.Brand) string { return b.Domain }), []string{"a.example.com", "example.com"}, "brands")
	got.BrandingTitle, got.FlowRecovery = "Ours", nil
	check(t, s.UpdateBrand(ctx, &got), "update")
	if g, _ := s.GetBrand(ctx, b.UUID); g.BrandingTitle != "Ours" || g.FlowRecovery != nil || g.FlowAuthentication == nil {
		t.Errorf("after update = %+v", g)
	}
	check(t, s.DeleteBrand(ctx, b.UUID), "delete")
	wantErr(t, s.DeleteBrand(ctx, b.UUID), store.ErrNotFound, "delete twice")
}

func testApplications(t *testing.T, s store.Store) {
	a := store.Application{Name: "Wiki", Slug: "wiki", Group: "docs", MetaLaunchURL: "https://wiki", OpenInNewTab: true}
	check(t, s.CreateApplication(ctx, &a), "create")
	if a.PolicyEngineMode != "any" {
		t.Errorf("default mode = %q", a.PolicyEngineMode)
	}
	got, err := s.GetApplication(ctx, a.UUID)
	check(t, err, "get")
	if !reflect.DeepEqual(got, a) {
		t.Errorf("get = %+v", got)
	}
	if g, err := s.GetApplicationBySlug(ctx, "wiki"); err != nil || g.UUID != a.UUID {
		t.Errorf("by slug: %v", err)
	}
	wantErr(t, s.CreateApplication(ctx, &store.Application{Name: "x", Slug: "wiki"}), store.ErrConflict, "duplicate slug")
	check(t, s.CreateApplication(ctx, &store.Application{Name: "Blog", Slug: "blog"}), "second")
	list, _ := s.ListApplications(ctx)
	sameStrings(t, names(list, func(a store.Application) string { return a.Slug }), []string{"blog", "wiki"}, "applications")
	got.Name = "Wiki 2"
	check(t, s.UpdateApplication(ctx, &got), "update")
	if g, _ := s.GetApplication(ctx, a.UUID); g.Name != "Wiki 2" {
		t.Errorf("after update = %+v", g)
	}
	check(t, s.DeleteApplication(ctx, a.UUID), "delete")
	wantErr(t, s.DeleteApplication(ctx, a.UUID), store.ErrNotFound, "delete twice")
}

func testEvents(t *testing.T, s store.Store) {
	mk := func(action, user string, created time.Time, context map[string]any) store.Event {
		e := store.Event{Action: action, App: "usher", User: map[string]any{"pk": 1.0, "username": user},
			Context: context, ClientIP: "192.0.2.7", Created: created, Expires: created.Add(time.Hour)}
		check(t, s.CreateEvent(ctx, &e), "create %s", action)
		return e
	}
	first := mk("login", "alice", ts(0), map[string]any{"auth_method": "password"})
	mk("invitation_used", "bob", ts(time.Minute), map[string]any{"invitation_uuid": "abc"})
	mk("login", "bob", ts(2*time.Minute), nil)
	auto := store.Event{Action: "model_created"}
	check(t, s.CreateEvent(ctx, &auto), "create with defaults")
	if len(auto.UUID) != 36 || auto.Created.IsZero() || !auto.Expires.After(auto.Created) {
		t.Errorf("defaults = %+v", auto)
	}
	list, total, err := s.ListEvents(ctx, store.EventFilter{Until: ptr(ts(time.Hour))})
	check(t, err, "list")
	action := func(e store.Event) string { return e.Action + ":" + fmt.Sprint(e.User["username"]) }
	sameStrings(t, names(list, action), []string{"login:bob", "invitation_used:bob", "login:alice"}, "newest first")
	if total != 3 {
		t.Errorf("total = %d", total)
	}
	got := list[2]
	if got.UUID != first.UUID || got.Context["auth_method"] != "password" || got.ClientIP != "192.0.2.7" || got.Brand == nil {
		t.Errorf("event = %+v", got)
	}
	sameTime(t, got.Created, ts(0), "created")
	for _, tc := range []struct {
		name string
		f    store.EventFilter
		want []string
	}{
		{"action", store.EventFilter{Action: "login"}, []string{"login:bob", "login:alice"}},
		{"actions", store.EventFilter{Actions: []string{"invitation_used", "login"}, Until: ptr(ts(time.Hour))},
			[]string{"login:bob", "invitation_used:bob", "login:alice"}},
		{"actions and username", store.EventFilter{Actions: []string{"invitation_used", "model_created"}, Username: "bob"},
			[]string{"invitation_used:bob"}},
		{"actions none match", store.EventFilter{Actions: []string{"logout"}}, nil},
		{"username", store.EventFilter{Username: "bob"}, []string{"login:bob", "invitation_used:bob"}},
		{"since", store.EventFilter{Since: ptr(ts(time.Minute)), Until: ptr(ts(time.Hour))}, []string{"login:bob", "invitation_used:bob"}},
		{"oldest first", store.EventFilter{Ordering: "created", Limit: 2}, []string{"login:alice", "invitation_used:bob"}},
		{"search context", store.EventFilter{Search: "ABC"}, []string{"invitation_used:bob"}},
		{"search username", store.EventFilter{Search: "alic"}, []string{"login:alice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, _, err := s.ListEvents(ctx, tc.f)
			check(t, err, "list")
			sameStrings(t, names(list, action), tc.want, "events")
		})
	}
	one, err := s.GetEvent(ctx, first.UUID)
	check(t, err, "get")
	if one.UUID != first.UUID || one.Action != "login" || one.User["username"] != "alice" || one.Context["auth_method"] != "password" {
		t.Errorf("get = %+v", one)
	}
	sameTime(t, one.Created, ts(0), "get created")
	if one, err := s.GetEvent(ctx, strings.ToUpper(first.UUID)); err != nil || one.UUID != first.UUID {
		t.Errorf("get by upper-case UUID: %+v %v", one, err)
	}
	_, err = s.GetEvent(ctx, "0b6f2e4a-3c0d-4d7e-9a51-123456789abc")
	wantErr(t, err, store.ErrNotFound, "get unknown")
	n, err := s.DeleteExpiredEvents(ctx, ts(time.Hour+30*time.Second))
	check(t, err, "delete expired")
	if n != 1 {
		t.Errorf("deleted %d events, want 1", n)
	}
}

func testBlueprints(t *testing.T, s store.Store) {
	b := store.BlueprintInstance{Name: "example", Path: "example/flow.yaml", Context: map[string]any{"a": 1.0},
		LastApplied: ts(0), LastAppliedHash: "h", Status: "successful", Enabled: true,
		ManagedModels: []string{store.ModelFlow}, Metadata: map[string]any{"labels": map[string]any{}}}
	check(t, s.CreateBlueprintInstance(ctx, &b), "create")
	got, err := s.GetBlueprintInstance(ctx, b.UUID)
	check(t, err, "get")
	if !reflect.DeepEqual(got, b) {
		t.Errorf("get =\n %+v\nwant\n %+v", got, b)
	}
	if g, err := s.GetBlueprintInstanceByName(ctx, "example"); err != nil || g.UUID != b.UUID {
		t.Errorf("by name: %v", err)
	}
	wantErr(t, s.CreateBlueprintInstance(ctx, &store.BlueprintInstance{Name: "example"}), store.ErrConflict, "duplicate name")
	other := store.BlueprintInstance{Name: "a-content", Content: "version: 1"}
	check(t, s.CreateBlueprintInstance(ctx, &other), "create content")
	if other.Status != "unknown" {
		t.Errorf("default status = %q", other.Status)
	}
	list, _ := s.ListBlueprintInstances(ctx)
	sameStrings(t, names(list, func(b store.BlueprintInstance) string { return b.Name }), []string{"a-content", "example"}, "blueprints")
	if list[0].ManagedModels == nil || list[0].Context == nil {
		t.Errorf("empty lists/maps should not be nil: %+v", list[0])
	}
	got.Status, got.ManagedModels = "error", nil
	check(t, s.UpdateBlueprintInstance(ctx, &got), "update")
	if g, _ := s.GetBlueprintInstance(ctx, b.UUID); g.Status != "error" || len(g.ManagedModels) != 0 {
		t.Errorf("after update = %+v", g)
	}
	check(t, s.DeleteBlueprintInstance(ctx, b.UUID), "delete")
	wantErr(t, s.DeleteBlueprintInstance(ctx, b.UUID), store.ErrNotFound, "delete twice")
}

func testOutbox(t *testing.T, s store.Store) {
	now := ts(0)
	due := store.OutboxMessage{Kind: "email", Payload: []byte(`{"to":"a@example.com"}`), NextAttempt: now.Add(-time.Minute)}
	check(t, s.EnqueueOutbox(ctx, &due), "enqueue")
	later := store.OutboxMessage{Kind: "email", Payload: []byte(`{}`), NextAttempt: now.Add(time.Hour)}
	check(t, s.EnqueueOutbox(ctx, &later), "enqueue later")
	if due.ID == 0 || later.ID <= due.ID || due.Created.IsZero() {
		t.Errorf("enqueue did not fill: %+v %+v", due, later)
	}
	claimed, err := s.ClaimOutbox(ctx, now, time.Minute, 10)
	check(t, err, "claim")
	if len(claimed) != 1 || claimed[0].ID != due.ID || !bytes.Equal(claimed[0].Payload, due.Payload) || claimed[0].Attempts != 1 {
		t.Fatalf("claimed = %+v", claimed)
	}
	samePtrTime(t, claimed[0].LockedUntil, ptr(now.Add(time.Minute)), "locked_until")
	if again, _ := s.ClaimOutbox(ctx, now.Add(30*time.Second), time.Minute, 10); len(again) != 0 {
		t.Errorf("claimed a locked message: %+v", again)
	}
	// The lease runs out: another worker may claim it.
	again, _ := s.ClaimOutbox(ctx, now.Add(2*time.Minute), time.Minute, 10)
	if len(again) != 1 || again[0].Attempts != 2 {
		t.Fatalf("claim after lease = %+v", again)
	}
	retry := now.Add(10 * time.Minute)
	check(t, s.MarkOutboxFailed(ctx, due.ID, "smtp down", &retry), "fail with retry")
	if c, _ := s.ClaimOutbox(ctx, now.Add(5*time.Minute), time.Minute, 10); len(c) != 0 {
		t.Errorf("claimed before retry time: %+v", c)
	}
	c, _ := s.ClaimOutbox(ctx, now.Add(11*time.Minute), time.Minute, 10)
	if len(c) != 1 || c[0].LastError != "smtp down" {
		t.Fatalf("claim at retry = %+v", c)
	}
	check(t, s.MarkOutboxSent(ctx, due.ID, now.Add(11*time.Minute)), "sent")
	check(t, s.MarkOutboxFailed(ctx, later.ID, "bad address", nil), "give up")
	if c, _ := s.ClaimOutbox(ctx, now.Add(48*time.Hour), time.Minute, 10); len(c) != 0 {
		t.Errorf("claimed sent or failed messages: %+v", c)
	}
	list, err := s.ListOutbox(ctx, 10)
	check(t, err, "list")
	if len(list) != 2 || list[0].ID != later.ID || !list[0].Failed || list[1].SentAt == nil || list[1].LockedUntil != nil {
		t.Errorf("list = %+v", list)
	}
	wantErr(t, s.MarkOutboxSent(ctx, 999999, now), store.ErrNotFound, "missing message")
}

func testLeases(t *testing.T, s store.Store) {
	now := ts(0)
	try := func(holder string, at time.Time, want bool) {
		t.Helper()
		ok, err := s.TryLease(ctx, "cleanup", holder, at, time.Minute)
		check(t, err, "lease")
		if ok != want {
			t.Errorf("TryLease(%s at %v) = %v, want %v", holder, at.Sub(now), ok, want)
		}
	}
	try("a", now, true)
	try("b", now.Add(30*time.Second), false)
	try("a", now.Add(50*time.Second), true) // renew until 1m50s
	try("b", now.Add(90*time.Second), false)
	try("b", now.Add(2*time.Minute), true) // expired: taken over
	try("a", now.Add(2*time.Minute), false)
	if ok, _ := s.TryLease(ctx, "other", "a", now, time.Minute); !ok {
		t.Error("a different lease name is independent")
	}
}

func testRateLimits(t *testing.T, s store.Store) {
	w := ts(0)
	for i := 1; i <= 3; i++ {
		n, err := s.Hit(ctx, "login:1.2.3.4", w, w.Add(time.Minute))
		check(t, err, "hit")
		if n != i {
			t.Errorf("hit %d returned %d", i, n)
		}
	}
	if n, _ := s.Hit(ctx, "login:1.2.3.4", w.Add(time.Minute), w.Add(2*time.Minute)); n != 1 {
		t.Errorf("new window count = %d", n)
	}
	if n, err := s.HitCount(ctx, "login:1.2.3.4", w); err != nil || n != 3 {
		t.Errorf("HitCount = %d, %v", n, err)
	}
	if n, err := s.HitCount(ctx, "nobody", w); err != nil || n != 0 {
		t.Errorf("HitCount of unknown key = %d, %v", n, err)
	}
	n, err := s.DeleteExpiredHits(ctx, w.Add(90*time.Second))
	check(t, err, "delete expired")
	if n != 1 {
		t.Errorf("deleted %d windows, want 1", n)
	}
}

func testTimeRoundTrip(t *testing.T, s store.Store) {
	u := mkUser(t, s, "timer")
	for _, tc := range []time.Time{
		ts(0),
		time.Date(2026, 12, 31, 23, 59, 59, 999999000, time.UTC),
		time.Date(2026, 6, 1, 12, 0, 0, 1000, time.FixedZone("UTC+5", 5*3600)), // other zones come back as UTC
		time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC),
	} {
		exp := tc
		i := store.Invitation{Name: "t", Expires: &exp, CreatedBy: u.PK}
		check(t, s.CreateInvitation(ctx, &i), "create")
		got, err := s.GetInvitation(ctx, i.UUID)
		check(t, err, "get")
		samePtrTime(t, got.Expires, &exp, "expires "+tc.String())
		if list, _, _ := s.ListInvitations(ctx, store.InvitationFilter{Expires: &exp}); len(list) != 1 {
			t.Errorf("exact expires filter found %d for %v", len(list), tc)
		}
		check(t, s.DeleteInvitation(ctx, i.UUID), "delete")
	}
	// Nanoseconds are cut to microseconds.
	exp := time.Date(2026, 1, 1, 0, 0, 0, 123456789, time.UTC)
	i := store.Invitation{Name: "ns", Expires: &exp, CreatedBy: u.PK}
	check(t, s.CreateInvitation(ctx, &i), "create")
	got, _ := s.GetInvitation(ctx, i.UUID)
	samePtrTime(t, got.Expires, ptr(exp.Truncate(time.Microsecond)), "truncated")
}
