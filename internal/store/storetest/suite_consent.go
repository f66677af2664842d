package storetest

import (
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// testUserConsents: consent is stored once per (user, application,
// permissions), saved again with a new expiry, found only while it has
// not expired, listed per user, deleted, and gone with its user or
// application (authentik's stages.consent.UserConsent).
func testUserConsents(t *testing.T, s store.Store) {
	alice, bob := mkUser(t, s, "alice"), mkUser(t, s, "bob")
	grafana := store.Application{Name: "Grafana", Slug: "grafana", PolicyEngineMode: "any"}
	wiki := store.Application{Name: "Wiki", Slug: "wiki", PolicyEngineMode: "any"}
	check(t, s.CreateApplication(ctx, &grafana), "create application")
	check(t, s.CreateApplication(ctx, &wiki), "create application")
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	in := now.Add(time.Hour)

	c := store.UserConsent{UserPK: alice.PK, Application: grafana.UUID, Permissions: "email openid", Expires: &in}
	check(t, s.SaveUserConsent(ctx, &c), "save consent")
	if c.ID == 0 {
		t.Fatal("saved consent has no id")
	}
	got, err := s.GetUserConsent(ctx, alice.PK, grafana.UUID, "email openid", now)
	check(t, err, "get consent")
	if got.ID != c.ID || got.Expires == nil || !got.Expires.Equal(in) || got.Permissions != "email openid" {
		t.Errorf("read back %+v, want %+v", got, c)
	}
	// Other permissions, another user or application, or after expiry: none.
	_, err = s.GetUserConsent(ctx, alice.PK, grafana.UUID, "email", now)
	wantErr(t, err, store.ErrNotFound, "consent to other permissions")
	_, err = s.GetUserConsent(ctx, bob.PK, grafana.UUID, "email openid", now)
	wantErr(t, err, store.ErrNotFound, "another user's consent")
	_, err = s.GetUserConsent(ctx, alice.PK, wiki.UUID, "email openid", now)
	wantErr(t, err, store.ErrNotFound, "consent for another application")
	_, err = s.GetUserConsent(ctx, alice.PK, grafana.UUID, "email openid", in)
	wantErr(t, err, store.ErrNotFound, "consent at its expiry")

	// Saving the same consent again keeps one row with the new expiry;
	// nil makes it permanent.
	again := store.UserConsent{UserPK: alice.PK, Application: grafana.UUID, Permissions: "email openid"}
	check(t, s.SaveUserConsent(ctx, &again), "save consent again")
	if again.ID != c.ID {
		t.Errorf("second save made row %d, want %d", again.ID, c.ID)
	}
	if got, err := s.GetUserConsent(ctx, alice.PK, grafana.UUID, "email openid", now.Add(1000*24*time.Hour)); err != nil || got.Expires != nil {
		t.Errorf("permanent consent = %+v, %v", got, err)
	}
	w := store.UserConsent{UserPK: alice.PK, Application: wiki.UUID, Permissions: ""}
	check(t, s.SaveUserConsent(ctx, &w), "save consent without permissions")
	b := store.UserConsent{UserPK: bob.PK, Application: grafana.UUID, Permissions: "openid"}
	check(t, s.SaveUserConsent(ctx, &b), "save bob's consent")

	list, err := s.ListUserConsents(ctx, alice.PK)
	check(t, err, "list consents")
	if len(list) != 2 || list[0].ID != c.ID || list[1].ID != w.ID || list[1].Permissions != "" {
		t.Errorf("alice's consents = %+v", list)
	}
	check(t, s.DeleteUserConsent(ctx, w.ID), "delete consent")
	wantErr(t, s.DeleteUserConsent(ctx, w.ID), store.ErrNotFound, "delete deleted consent")
	if list, _ := s.ListUserConsents(ctx, alice.PK); len(list) != 1 {
		t.Errorf("after delete: %+v", list)
	}

	// Consent goes with its application and with its user.
	check(t, s.DeleteApplication(ctx, grafana.UUID), "delete application")
	if list, _ := s.ListUserConsents(ctx, alice.PK); len(list) != 0 {
		t.Errorf("alice's consents after the application was deleted: %+v", list)
	}
	check(t, s.SaveUserConsent(ctx, &store.UserConsent{UserPK: bob.PK, Application: wiki.UUID, Permissions: "openid"}), "save")
	check(t, s.DeleteUser(ctx, bob.PK), "delete user")
	if list, _ := s.ListUserConsents(ctx, bob.PK); len(list) != 0 {
		t.Errorf("bob's consents after he was deleted: %+v", list)
	}
}
