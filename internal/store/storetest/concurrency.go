package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// racers is how many goroutines each race runs.
const racers = 16

// race runs fn from racers goroutines released at once and returns their
// errors in goroutine order.
func race(fn func(i int) error) []error {
	errs := make([]error, racers)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range racers {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = fn(i)
		}()
	}
	start.Done()
	done.Wait()
	return errs
}

// RunConcurrency runs the races every backend must settle correctly.
func RunConcurrency(t *testing.T, open Opener) {
	t.Run("SingleUseInvitation", func(t *testing.T) { testRaceInvitation(t, open(t), 1) })
	t.Run("ThreeUseInvitation", func(t *testing.T) { testRaceInvitation(t, open(t), 3) })
	t.Run("UniqueName", func(t *testing.T) { testRaceUniqueName(t, open(t)) })
	t.Run("Migrate", func(t *testing.T) { testRaceMigrate(t, open(t)) })
	t.Run("SetSettingIfAbsent", func(t *testing.T) { testRaceSetting(t, open(t)) })
	t.Run("Lease", func(t *testing.T) { testRaceLease(t, open(t)) })
	t.Run("ClaimOutbox", func(t *testing.T) { testRaceOutbox(t, open(t)) })
	t.Run("ConfigWriters", func(t *testing.T) { testRaceConfigWriters(t, open(t)) })
	t.Run("TOTPStep", func(t *testing.T) { testRaceTOTPStep(t, open(t)) })
	t.Run("StaticToken", func(t *testing.T) { testRaceStaticToken(t, open(t)) })
	t.Run("WebAuthnAssertion", func(t *testing.T) { testRaceWebAuthn(t, open(t)) })
}

// testRaceInvitation: racers enroll through one invitation, each consuming
// it and creating their user in one transaction. Exactly maxUses commit;
// the rest get ErrUsedUp and leave no user behind.
func testRaceInvitation(t *testing.T, s store.Store, maxUses int) {
	admin := mkUser(t, s, "admin")
	inv := mkInvitation(t, s, "race", admin.PK, ptr(maxUses))
	errs := race(func(i int) error {
		return s.Tx(ctx, func(q store.Queries) error {
			name := fmt.Sprintf("racer-%d", i)
			if err := q.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: inv.UUID, Username: name}); err != nil {
				return err
			}
			u := store.User{Username: name, IsActive: true}
			return q.CreateUser(ctx, &u)
		})
	})
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrUsedUp):
		default:
			t.Errorf("racer %d: unexpected error %v", i, err)
		}
	}
	if ok != maxUses {
		t.Errorf("%d racers enrolled, want %d", ok, maxUses)
	}
	_, total, err := s.ListUsers(ctx, store.UserFilter{})
	check(t, err, "list users")
	if total != maxUses+1 {
		t.Errorf("%d users exist, want %d (admin + winners)", total, maxUses+1)
	}
	got, _ := s.GetInvitation(ctx, inv.UUID)
	uses, _ := s.ListInvitationUses(ctx, inv.UUID)
	if got.Uses != maxUses || len(uses) != maxUses {
		t.Errorf("invitation uses = %d (rows %d), want %d", got.Uses, len(uses), maxUses)
	}
}

func testRaceUniqueName(t *testing.T, s store.Store) {
	errs := race(func(int) error {
		return s.CreateGroup(ctx, &store.Group{Name: "same"})
	})
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, store.ErrConflict):
		default:
			t.Errorf("racer %d: unexpected error %v", i, err)
		}
	}
	if ok != 1 {
		t.Errorf("%d groups created, want 1", ok)
	}
}

// testRaceMigrate calls Migrate concurrently on a migrated store (a no-op
// that must not fail); RunConcurrentMigrate covers fresh databases.
func testRaceMigrate(t *testing.T, s store.Store) {
	m, ok := s.(store.Migrator)
	if !ok {
		t.Fatal("store is not a store.Migrator")
	}
	for i, err := range race(func(int) error { return m.Migrate(ctx) }) {
		if err != nil {
			t.Errorf("racer %d: %v", i, err)
		}
	}
}

// RunConcurrentMigrate migrates one empty database through two handles at
// once (as two processes would); both must succeed with one schema.
func RunConcurrentMigrate(t *testing.T, a, b store.Store) {
	ma, oka := a.(store.Migrator)
	mb, okb := b.(store.Migrator)
	if !oka || !okb {
		t.Fatal("stores are not store.Migrators")
	}
	if cur, latest, err := ma.SchemaVersion(ctx); err != nil || cur != 0 || latest < 1 {
		t.Fatalf("fresh SchemaVersion = %d, %d, %v; want 0, >=1", cur, latest, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, m := range []store.Migrator{ma, mb} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = m.Migrate(ctx)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("migrator %d: %v", i, err)
		}
	}
	for _, m := range []store.Migrator{ma, mb} {
		cur, latest, err := m.SchemaVersion(ctx)
		if err != nil || cur != latest {
			t.Errorf("after concurrent Migrate: %d, %d, %v", cur, latest, err)
		}
	}
	mkUser(t, a, "works")
	if _, err := b.GetUserByUsername(ctx, "works"); err != nil {
		t.Errorf("second handle: %v", err)
	}
}

func testRaceSetting(t *testing.T, s store.Store) {
	values := make([]string, racers)
	created := make([]bool, racers)
	errs := race(func(i int) error {
		var err error
		values[i], created[i], err = s.SetSettingIfAbsent(ctx, "secret_key", fmt.Sprintf("value-%d", i))
		return err
	})
	n := 0
	for i, err := range errs {
		check(t, err, "racer %d", i)
		if created[i] {
			n++
		}
		if values[i] != values[0] {
			t.Errorf("racer %d saw %q, racer 0 saw %q", i, values[i], values[0])
		}
	}
	if n != 1 {
		t.Errorf("%d racers created the setting, want 1", n)
	}
	if stored, _ := s.GetSetting(ctx, "secret_key"); stored != values[0] {
		t.Errorf("stored %q, racers saw %q", stored, values[0])
	}
}

func testRaceLease(t *testing.T, s store.Store) {
	now := time.Now()
	got := make([]bool, racers)
	errs := race(func(i int) error {
		var err error
		got[i], err = s.TryLease(ctx, "worker", fmt.Sprintf("holder-%d", i), now, time.Minute)
		return err
	})
	n := 0
	for i, err := range errs {
		check(t, err, "racer %d", i)
		if got[i] {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d holders got the lease, want 1", n)
	}
}

func testRaceOutbox(t *testing.T, s store.Store) {
	const messages = 40
	now := time.Now()
	for range messages {
		check(t, s.EnqueueOutbox(ctx, &store.OutboxMessage{Kind: "email", Payload: []byte(`{}`), NextAttempt: now.Add(-time.Second)}), "enqueue")
	}
	claims := make([][]store.OutboxMessage, racers)
	errs := race(func(i int) error {
		var err error
		claims[i], err = s.ClaimOutbox(ctx, now, time.Minute, 5)
		return err
	})
	seen := map[int64]int{}
	for i, err := range errs {
		check(t, err, "racer %d", i)
		for _, m := range claims[i] {
			if prev, dup := seen[m.ID]; dup {
				t.Errorf("message %d claimed by racers %d and %d", m.ID, prev, i)
			}
			seen[m.ID] = i
		}
	}
	if len(seen) != messages {
		t.Errorf("%d distinct messages claimed, want all %d", len(seen), messages)
	}
}
