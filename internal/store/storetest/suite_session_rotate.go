package storetest

import (
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

func testRotateSession(t *testing.T, s store.Store) {
	u := mkUser(t, s, "rot")
	check(t, s.CreateSession(ctx, &store.Session{ID: "before", Data: []byte(`{"a":1}`), Expires: ts(time.Hour)}), "create")
	rotated := store.Session{ID: "after", UserPK: &u.PK, Data: []byte(`{"b":2}`), Expires: ts(2 * time.Hour), ClientIP: "10.0.0.2", UserAgent: "ua2"}
	check(t, s.RotateSession(ctx, "before", &rotated), "rotate")
	if _, err := s.GetSession(ctx, "before"); err == nil {
		t.Error("the old ID still names a session after the rotation")
	}
	got, err := s.GetSession(ctx, "after")
	check(t, err, "get rotated")
	if got.UserPK == nil || *got.UserPK != u.PK || string(got.Data) != `{"b":2}` || got.ClientIP != "10.0.0.2" || got.UserAgent != "ua2" {
		t.Errorf("rotated = %+v", got)
	}
	sameTime(t, got.Expires, ts(2*time.Hour), "expires")
	wantErr(t, s.RotateSession(ctx, "before", &store.Session{ID: "again", Expires: ts(time.Hour)}), store.ErrNotFound, "rotate a missing row")
	check(t, s.CreateSession(ctx, &store.Session{ID: "taken", Expires: ts(time.Hour)}), "create taken")
	wantErr(t, s.RotateSession(ctx, "after", &store.Session{ID: "taken", Expires: ts(time.Hour)}), store.ErrConflict, "rotate onto a taken ID")
}

func testSessionAndConfigVersion(t *testing.T, s store.Store) {
	want, err := s.ConfigVersion(ctx)
	check(t, err, "config version")
	_, v, err := s.GetSessionAndConfigVersion(ctx, "missing")
	wantErr(t, err, store.ErrNotFound, "missing session")
	if v != want {
		t.Errorf("version with a missing session = %d, want %d", v, want)
	}
	check(t, s.CreateSession(ctx, &store.Session{ID: "cv", Data: []byte(`{"x":1}`), Expires: ts(time.Hour), ClientIP: "10.0.0.3", UserAgent: "ua3"}), "create")
	got, v, err := s.GetSessionAndConfigVersion(ctx, "cv")
	check(t, err, "get")
	if v != want || got.ID != "cv" || string(got.Data) != `{"x":1}` || got.ClientIP != "10.0.0.3" || got.UserAgent != "ua3" || got.UserPK != nil {
		t.Errorf("got %+v, version %d (want %d)", got, v, want)
	}
	sameTime(t, got.Expires, ts(time.Hour), "expires")
	check(t, s.CreateFlow(ctx, &store.Flow{Slug: "cv-bump", Name: "cv", Title: "cv", Designation: store.DesignationAuthentication}), "create flow")
	if _, v, _ := s.GetSessionAndConfigVersion(ctx, "cv"); v == want {
		t.Errorf("the version did not move with a configuration write (%d)", v)
	}
}
