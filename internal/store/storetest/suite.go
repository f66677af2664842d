package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// Run runs the conformance suite: one subtest per area, each on a fresh
// store from open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Settings", testSettings},
		{"Users", testUsers},
		{"UserListing", testUserListing},
		{"FindUserForLogin", testFindUserForLogin},
		{"Groups", testGroups},
		{"Superuser", testSuperuser},
		{"Tokens", testTokens},
		{"FlowTokens", testFlowTokens},
		{"OAuth2", testOAuth2},
		{"Sessions", testSessions},
		{"RotateSession", testRotateSession},
		{"SessionAndConfigVersion", testSessionAndConfigVersion},
		{"Flows", testFlows},
		{"Stages", testStages},
		{"PromptStageLists", testPromptStageLists},
		{"Bindings", testBindings},
		{"Prompts", testPrompts},
		{"Invitations", testInvitations},
		{"InvitationListing", testInvitationListing},
		{"Search", testSearch},
		{"ConsumeInvitation", testConsumeInvitation},
		{"ConsumeInvitationRow", testConsumeInvitationRow},
		{"InvitationGroups", testInvitationGroups},
		{"InvitationDelegation", testInvitationDelegation},
		{"Policies", testPolicies},
		{"PolicyBindings", testPolicyBindings},
		{"Brands", testBrands},
		{"Applications", testApplications},
		{"Events", testEvents},
		{"EventStats", testEventStats},
		{"Blueprints", testBlueprints},
		{"Outbox", testOutbox},
		{"Leases", testLeases},
		{"RateLimits", testRateLimits},
		{"HitCounts", testHitCounts},
		{"Devices", testDevices},
		{"UserConsents", testUserConsents},
		{"DeleteUserCascades", testDeleteUserCascades},
		{"DeleteFlowCleanup", testDeleteFlowCleanup},
		{"DeleteStageCleanup", testDeleteStageCleanup},
		{"DeleteGroupCleanup", testDeleteGroupCleanup},
		{"DeleteApplicationCleanup", testDeleteApplicationCleanup},
		{"TimeRoundTrip", testTimeRoundTrip},
		{"Tx", testTx},
		{"Savepoint", testSavepoint},
		{"EventsInTx", testEventsInTx},
		{"ConfigVersion", testConfigVersion},
		{"SchemaVersion", testSchemaVersion},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each test has a fresh store of its own
			tc.fn(t, open(t))
		})
	}
}

var ctx = context.Background()

// check fails the test on an unexpected error.
func check(t *testing.T, err error, what string, args ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", fmt.Sprintf(what, args...), err)
	}
}

// wantErr fails unless errors.Is(err, target).
func wantErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func mkUser(t *testing.T, q store.Queries, username string) store.User {
	t.Helper()
	u := store.User{Username: username, Name: "Name " + username, Email: username + "@example.com", IsActive: true}
	check(t, q.CreateUser(ctx, &u), "create user %s", username)
	return u
}

func mkFlow(t *testing.T, q store.Queries, slug string) store.Flow {
	t.Helper()
	f := store.Flow{Name: "Flow " + slug, Slug: slug, Title: "Title " + slug, Designation: store.DesignationEnrollment}
	check(t, q.CreateFlow(ctx, &f), "create flow %s", slug)
	return f
}

func mkStage(t *testing.T, q store.Queries, kind store.StageKind, name string) store.Stage {
	t.Helper()
	s, err := store.NewStage(kind, name)
	check(t, err, "new stage")
	check(t, q.CreateStage(ctx, &s), "create stage %s", name)
	return s
}

func mkGroup(t *testing.T, q store.Queries, name string, parent *string) store.Group {
	t.Helper()
	g := store.Group{Name: name, Parent: parent}
	check(t, q.CreateGroup(ctx, &g), "create group %s", name)
	return g
}

func mkInvitation(t *testing.T, q store.Queries, name string, by int64, maxUses *int) store.Invitation {
	t.Helper()
	i := store.Invitation{Name: name, CreatedBy: by, Expiring: true, MaxUses: maxUses}
	check(t, q.CreateInvitation(ctx, &i), "create invitation %s", name)
	return i
}

func ptr[T any](v T) *T { return &v }

// ts is a fixed UTC time with microseconds, offset by d.
func ts(d time.Duration) time.Time {
	return time.Date(2026, 3, 4, 5, 6, 7, 123456000, time.UTC).Add(d)
}

func sameTime(t *testing.T, got, want time.Time, what string) {
	t.Helper()
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("%s: got %v, want %v (UTC)", what, got, want)
	}
}

func samePtrTime(t *testing.T, got, want *time.Time, what string) {
	t.Helper()
	switch {
	case got == nil && want == nil:
	case got == nil || want == nil:
		t.Errorf("%s: got %v, want %v", what, got, want)
	default:
		sameTime(t, *got, *want, what)
	}
}

func names[T any](list []T, name func(T) string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = name(v)
	}
	return out
}

func sameStrings(t *testing.T, got, want []string, what string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) || len(got) != len(want) {
		t.Errorf("%s: got %q, want %q", what, got, want)
	}
}

func testSettings(t *testing.T, s store.Store) {
	_, err := s.GetSetting(ctx, "secret")
	wantErr(t, err, store.ErrNotFound, "get missing setting")
	v, created, err := s.SetSettingIfAbsent(ctx, "secret", "one")
	check(t, err, "set if absent")
	if v != "one" || !created {
		t.Errorf("first SetSettingIfAbsent = %q, %v; want one, true", v, created)
	}
	v, created, err = s.SetSettingIfAbsent(ctx, "secret", "two")
	check(t, err, "set if absent again")
	if v != "one" || created {
		t.Errorf("second SetSettingIfAbsent = %q, %v; want one, false", v, created)
	}
	check(t, s.SetSetting(ctx, "secret", "three"), "set")
	check(t, s.SetSetting(ctx, "other", "x"), "set other")
	if v, err := s.GetSetting(ctx, "secret"); err != nil || v != "three" {
		t.Errorf("GetSetting = %q, %v; want three", v, err)
	}
}

func testSchemaVersion(t *testing.T, s store.Store) {
	m, ok := s.(store.Migrator)
	if !ok {
		t.Fatal("store does not implement store.Migrator")
	}
	cur, latest, err := m.SchemaVersion(ctx)
	check(t, err, "schema version")
	if cur != latest || latest < 1 {
		t.Errorf("SchemaVersion = %d, %d; want equal and >= 1 after Migrate", cur, latest)
	}
	check(t, m.Migrate(ctx), "migrate again (no-op)")
}

func testTx(t *testing.T, s store.Store) {
	boom := errors.New("boom")
	err := s.Tx(ctx, func(q store.Queries) error {
		mkUser(t, q, "rolled-back")
		return boom
	})
	wantErr(t, err, boom, "tx error")
	_, err = s.GetUserByUsername(ctx, "rolled-back")
	wantErr(t, err, store.ErrNotFound, "user from rolled back tx")

	func() {
		defer func() {
			if recover() == nil {
				t.Error("panic inside Tx was not re-raised")
			}
		}()
		_ = s.Tx(ctx, func(q store.Queries) error {
			mkUser(t, q, "panicked")
			panic("oops")
		})
	}()
	_, err = s.GetUserByUsername(ctx, "panicked")
	wantErr(t, err, store.ErrNotFound, "user from panicked tx")

	check(t, s.Tx(ctx, func(q store.Queries) error {
		u := mkUser(t, q, "committed")
		// Reads inside the transaction see its writes.
		if _, err := q.GetUser(ctx, u.PK); err != nil {
			return err
		}
		g := mkGroup(t, q, "tx-group", nil)
		return q.AddGroupMember(ctx, g.UUID, u.PK)
	}), "committing tx")
	u, err := s.GetUserByUsername(ctx, "committed")
	check(t, err, "user from committed tx")
	groups, err := s.UserGroups(ctx, u.PK)
	check(t, err, "user groups")
	sameStrings(t, names(groups, func(g store.Group) string { return g.Name }), []string{"tx-group"}, "groups after tx")
	// The store is usable after all of that (no leaked writer connection).
	mkUser(t, s, "after")
}
