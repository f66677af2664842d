package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// testDevices: authenticator devices are created, listed per user and
// kind, renamed and deleted; each redeemable thing is taken once.
func testDevices(t *testing.T, s store.Store) {
	alice, bob := mkUser(t, s, "alice"), mkUser(t, s, "bob")
	stage := mkStage(t, s, store.StageDeny, "setup")
	totp := store.Device{Kind: store.DeviceTOTP, UserPK: alice.PK, Name: "phone", Secret: "JBSWY3DPEHPK3PXP", Digits: 8, Stage: &stage.UUID}
	check(t, s.CreateDevice(ctx, &totp), "create totp device")
	if totp.PK == 0 || totp.Created.IsZero() {
		t.Fatalf("created device %+v has no pk or time", totp)
	}
	got, err := s.GetDevice(ctx, totp.PK)
	check(t, err, "get device")
	if got.Secret != totp.Secret || got.Digits != 8 || got.Kind != store.DeviceTOTP || got.Stage == nil || *got.Stage != stage.UUID {
		t.Errorf("read back %+v, want %+v", got, totp)
	}
	static := store.Device{Kind: store.DeviceStatic, UserPK: alice.PK, Name: "codes"}
	check(t, s.CreateDevice(ctx, &static), "create static device")
	check(t, s.AddStaticTokens(ctx, static.PK, []string{"h1", "h2"}), "add tokens")
	wa := store.Device{Kind: store.DeviceWebAuthn, UserPK: bob.PK, Name: "key", CredentialID: "cred-1", Credential: []byte(`{"id":"x"}`), AAGUID: "00000000-0000-0000-0000-000000000000"}
	check(t, s.CreateDevice(ctx, &wa), "create webauthn device")
	dup := store.Device{Kind: store.DeviceWebAuthn, UserPK: alice.PK, CredentialID: "cred-1"}
	wantErr(t, s.CreateDevice(ctx, &dup), store.ErrConflict, "second device with the same credential ID")

	list, err := s.ListDevices(ctx, alice.PK, "")
	check(t, err, "list alice's devices")
	if len(list) != 2 || list[0].PK != totp.PK || list[1].PK != static.PK {
		t.Errorf("alice's devices %+v", list)
	}
	if list, _ := s.ListDevices(ctx, 0, store.DeviceWebAuthn); len(list) != 1 || list[0].PK != wa.PK {
		t.Errorf("every webauthn device: %+v", list)
	}
	byCred, err := s.GetDeviceByCredentialID(ctx, "cred-1")
	check(t, err, "get by credential id")
	if byCred.PK != wa.PK || string(byCred.Credential) == "" {
		t.Errorf("by credential id: %+v", byCred)
	}
	_, err = s.GetDeviceByCredentialID(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "unknown credential id")

	check(t, s.RenameDevice(ctx, totp.PK, "work phone"), "rename")
	if got, _ := s.GetDevice(ctx, totp.PK); got.Name != "work phone" {
		t.Errorf("renamed to %q", got.Name)
	}
	wantErr(t, s.RenameDevice(ctx, 99999, "x"), store.ErrNotFound, "rename a missing device")

	// TOTP steps: only a later step than the last accepted one.
	now := time.Now()
	for _, tc := range []struct {
		step int64
		ok   bool
	}{{100, true}, {100, false}, {99, false}, {101, true}} {
		ok, err := s.UseTOTPStep(ctx, totp.PK, tc.step, now)
		check(t, err, "use step %d", tc.step)
		if ok != tc.ok {
			t.Errorf("UseTOTPStep(%d) = %v, want %v", tc.step, ok, tc.ok)
		}
	}
	if got, _ := s.GetDevice(ctx, totp.PK); got.LastStep != 101 || got.LastUsed == nil {
		t.Errorf("after use: last step %d, last used %v", got.LastStep, got.LastUsed)
	}

	// Static tokens: once each, and only the owner's.
	if dev, ok, err := s.UseStaticToken(ctx, bob.PK, "h1", now); err != nil || ok || dev != 0 {
		t.Errorf("bob used alice's token: %d %v %v", dev, ok, err)
	}
	if dev, ok, err := s.UseStaticToken(ctx, alice.PK, "h1", now); err != nil || !ok || dev != static.PK {
		t.Errorf("first use = %d %v %v", dev, ok, err)
	}
	if _, ok, err := s.UseStaticToken(ctx, alice.PK, "h1", now); err != nil || ok {
		t.Errorf("second use = %v %v, want refused", ok, err)
	}
	if n, err := s.CountStaticTokens(ctx, static.PK); err != nil || n != 1 {
		t.Errorf("tokens left = %d %v, want 1", n, err)
	}

	// WebAuthn: each ceremony's challenge once; counters only go up (or
	// stay 0 for counterless keys).
	for _, tc := range []struct {
		challenge string
		count     int64
		ok        bool
	}{{"c1", 0, true}, {"c1", 0, false}, {"c2", 0, true}, {"c3", 5, true}, {"c4", 5, false}, {"c5", 3, false}, {"c6", 6, true}} {
		ok, err := s.UseWebAuthn(ctx, wa.PK, tc.challenge, tc.count, []byte(`{"id":"y"}`), now)
		check(t, err, "use webauthn %d", tc.count)
		if ok != tc.ok {
			t.Errorf("UseWebAuthn(%s, %d) = %v, want %v", tc.challenge, tc.count, ok, tc.ok)
		}
	}

	// Emailed codes: the right hash, before expiry, once.
	em := store.Device{Kind: store.DeviceEmail, UserPK: bob.PK, Email: "bob@example.com"}
	check(t, s.CreateDevice(ctx, &em), "create email device")
	check(t, s.SetEmailToken(ctx, em.PK, "code", now.Add(time.Minute)), "set email token")
	for _, tc := range []struct {
		hash string
		at   time.Time
		ok   bool
	}{{"wrong", now, false}, {"code", now.Add(2 * time.Minute), false}, {"code", now, true}, {"code", now, false}} {
		ok, err := s.UseEmailToken(ctx, em.PK, tc.hash, tc.at)
		check(t, err, "use email token")
		if ok != tc.ok {
			t.Errorf("UseEmailToken(%s, %v) = %v, want %v", tc.hash, tc.at, ok, tc.ok)
		}
	}

	// Deleting a stage keeps its devices; deleting a user removes theirs.
	check(t, s.DeleteStage(ctx, stage.UUID), "delete stage")
	if got, err := s.GetDevice(ctx, totp.PK); err != nil || got.Stage != nil {
		t.Errorf("after deleting the stage: %+v %v", got, err)
	}
	check(t, s.DeleteDevice(ctx, totp.PK), "delete device")
	_, err = s.GetDevice(ctx, totp.PK)
	wantErr(t, err, store.ErrNotFound, "deleted device")
	check(t, s.DeleteUser(ctx, alice.PK), "delete alice")
	if list, _ := s.ListDevices(ctx, alice.PK, ""); len(list) != 0 {
		t.Errorf("alice's devices survive her: %+v", list)
	}
}

// testRaceTOTPStep: racers redeem the same TOTP code; exactly one wins.
func testRaceTOTPStep(t *testing.T, s store.Store) {
	u := mkUser(t, s, "racer")
	d := store.Device{Kind: store.DeviceTOTP, UserPK: u.PK, Secret: "JBSWY3DPEHPK3PXP"}
	check(t, s.CreateDevice(ctx, &d), "create device")
	wins := 0
	for i, err := range race(func(int) error {
		ok, err := s.UseTOTPStep(ctx, d.PK, 4242, time.Now())
		if err == nil && !ok {
			return errRefused
		}
		return err
	}) {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, errRefused):
		default:
			t.Errorf("racer %d: %v", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d racers used one TOTP code, want 1", wins)
	}
}

// testRaceStaticToken: racers redeem the same recovery code; one wins.
func testRaceStaticToken(t *testing.T, s store.Store) {
	u := mkUser(t, s, "racer")
	d := store.Device{Kind: store.DeviceStatic, UserPK: u.PK}
	check(t, s.CreateDevice(ctx, &d), "create device")
	check(t, s.AddStaticTokens(ctx, d.PK, []string{"only"}), "add token")
	wins := 0
	for i, err := range race(func(int) error {
		_, ok, err := s.UseStaticToken(ctx, u.PK, "only", time.Now())
		if err == nil && !ok {
			return errRefused
		}
		return err
	}) {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, errRefused):
		default:
			t.Errorf("racer %d: %v", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d racers used one recovery code, want 1", wins)
	}
}

var errRefused = errors.New("refused")

// testRaceWebAuthn: racers send the same assertion (one challenge) of a
// counterless authenticator; exactly one is accepted.
func testRaceWebAuthn(t *testing.T, s store.Store) {
	u := mkUser(t, s, "racer")
	d := store.Device{Kind: store.DeviceWebAuthn, UserPK: u.PK, CredentialID: "race"}
	check(t, s.CreateDevice(ctx, &d), "create device")
	wins := 0
	for i, err := range race(func(int) error {
		ok, err := s.UseWebAuthn(ctx, d.PK, "one-challenge", 0, []byte(`{}`), time.Now())
		if err == nil && !ok {
			return errRefused
		}
		return err
	}) {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, errRefused):
		default:
			t.Errorf("racer %d: %v", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d racers used one WebAuthn assertion, want 1", wins)
	}
}
