package storetest

import (
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

func testTOTPDevices(t *testing.T, s store.Store) {
	jane, bob := mkUser(t, s, "jane"), mkUser(t, s, "bob")
	d := store.TOTPDevice{UserPK: jane.PK, Name: "Phone", Key: "JBSWY3DPEHPK3PXP", Digits: 6, Confirmed: true, LastStep: 41}
	check(t, s.CreateTOTPDevice(ctx, &d), "create")
	if d.ID == 0 || d.Created.IsZero() {
		t.Fatalf("create did not fill id/created: %+v", d)
	}
	other := store.TOTPDevice{UserPK: bob.PK, Key: "KRUGS4ZANFZSAYJA", Digits: 8, LastStep: -1}
	check(t, s.CreateTOTPDevice(ctx, &other), "create bob's")

	got, err := s.GetTOTPDevice(ctx, d.ID)
	check(t, err, "get")
	if got.UserPK != jane.PK || got.Name != "Phone" || got.Key != d.Key || got.Digits != 6 || !got.Confirmed ||
		got.LastStep != 41 || got.LastUsed != nil {
		t.Fatalf("round trip: %+v", got)
	}
	mine, err := s.ListTOTPDevices(ctx, jane.PK)
	check(t, err, "list jane's")
	all, err := s.ListTOTPDevices(ctx, 0)
	check(t, err, "list all")
	if len(mine) != 1 || mine[0].ID != d.ID || len(all) != 2 {
		t.Fatalf("list: jane %d devices, all %d", len(mine), len(all))
	}

	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		step int64
		want bool
	}{{41, false}, {40, false}, {42, true}, {42, false}, {44, true}, {43, false}} {
		ok, err := s.UseTOTPStep(ctx, d.ID, c.step, at)
		check(t, err, "use step %d", c.step)
		if ok != c.want {
			t.Errorf("UseTOTPStep(%d) = %v, want %v", c.step, ok, c.want)
		}
	}
	got, _ = s.GetTOTPDevice(ctx, d.ID)
	if got.LastStep != 44 || got.LastUsed == nil || !got.LastUsed.Equal(at) {
		t.Errorf("after use: last_step %d, last_used %v", got.LastStep, got.LastUsed)
	}

	check(t, s.RenameTOTPDevice(ctx, d.ID, "Old phone"), "rename")
	if got, _ := s.GetTOTPDevice(ctx, d.ID); got.Name != "Old phone" {
		t.Errorf("rename: %q", got.Name)
	}
	check(t, s.DeleteTOTPDevice(ctx, d.ID), "delete")
	_, err = s.GetTOTPDevice(ctx, d.ID)
	wantErr(t, err, store.ErrNotFound, "get deleted")
	wantErr(t, s.DeleteTOTPDevice(ctx, d.ID), store.ErrNotFound, "delete twice")

	// Deleting the user deletes their devices.
	check(t, s.DeleteUser(ctx, bob.PK), "delete bob")
	if left, _ := s.ListTOTPDevices(ctx, 0); len(left) != 0 {
		t.Errorf("devices left after deleting their users: %d", len(left))
	}
}

// testRaceTOTPStep: racers accept the same code (time step) on one device;
// exactly one wins, so a code cannot be replayed even by two instances at
// the same moment.
func testRaceTOTPStep(t *testing.T, s store.Store) {
	u := mkUser(t, s, "racer")
	d := store.TOTPDevice{UserPK: u.PK, Key: "JBSWY3DPEHPK3PXP", Digits: 6, Confirmed: true, LastStep: -1}
	check(t, s.CreateTOTPDevice(ctx, &d), "create")
	won := 0
	var results [racers]bool
	errs := race(func(i int) error {
		ok, err := s.UseTOTPStep(ctx, d.ID, 1000, time.Now())
		results[i] = ok
		return err
	})
	for i, err := range errs {
		check(t, err, "racer %d", i)
		if results[i] {
			won++
		}
	}
	if won != 1 {
		t.Fatalf("%d racers accepted the same code, want exactly 1", won)
	}
}
