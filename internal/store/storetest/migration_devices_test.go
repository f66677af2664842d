package storetest_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/postgres"
	"github.com/usher-id/usher/internal/store/sqlite"
	"github.com/usher-id/usher/internal/store/sqlstore"
	"github.com/usher-id/usher/internal/store/storetest"
)

// upTo copies the migrations numbered at most max, to bring a database to
// an older schema first.
func upTo(t *testing.T, all fs.FS, max int) fstest.MapFS {
	t.Helper()
	migs, err := sqlstore.ParseMigrations(all)
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for _, m := range migs {
		if m.Version <= max {
			out[m.Name] = &fstest.MapFile{Data: []byte(m.SQL)}
		}
	}
	return out
}

// TestTOTPDevicesMoveToAuthenticatorDevices: a database that had TOTP
// devices in 0007's totp_devices keeps them after 0008, with their last
// accepted step, so a code used before the upgrade is still refused; an
// unconfirmed device does not come along.
func TestTOTPDevicesMoveToAuthenticatorDevices(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		open func(t *testing.T) (*sqlstore.DB, sqlstore.Dialect, fs.FS)
		ts   func(time.Time) any
		yes  string
	}{
		{"sqlite", func(t *testing.T) (*sqlstore.DB, sqlstore.Dialect, fs.FS) {
			return storetest.OpenSQLiteUnmigrated(t, filepath.Join(t.TempDir(), "usher.db")), sqlite.Dialect, sqlite.Migrations
		}, func(tm time.Time) any { return tm.UTC().Format(sqlstore.TimeFormat) }, "1"},
		{"postgres", func(t *testing.T) (*sqlstore.DB, sqlstore.Dialect, fs.FS) {
			return storetest.OpenPostgresUnmigrated(t, storetest.NewPostgresDatabase(t)), postgres.Dialect, postgres.Migrations
		}, func(tm time.Time) any { return tm }, "TRUE"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, dialect, all := c.open(t)
			w := db.Writer()
			if err := sqlstore.New(w, w, dialect, upTo(t, all, 7)).Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			bind := func(q string) string {
				if c.name == "sqlite" {
					return q
				}
				for i := 1; strings.Contains(q, "?"); i++ {
					q = strings.Replace(q, "?", "$"+string(rune('0'+i)), 1)
				}
				return q
			}
			var pk int64
			if err := w.QueryRow(bind(`INSERT INTO users (uuid, username, date_joined, last_updated) VALUES (?, ?, ?, ?) RETURNING pk`),
				"0b7e2f1c-0000-4000-8000-000000000001", "jane", c.ts(now), c.ts(now)).Scan(&pk); err != nil {
				t.Fatal(err)
			}
			for _, d := range []struct {
				name, confirmed string
				step            int64
			}{{"Phone", c.yes, 59000000}, {"Half set up", "0", -1}} {
				confirmed := d.confirmed
				if c.name == "postgres" && confirmed == "0" {
					confirmed = "FALSE"
				}
				if _, err := w.Exec(bind(`INSERT INTO totp_devices (user_pk, name, key, digits, confirmed, last_step, created)
					VALUES (?, ?, 'JBSWY3DPEHPK3PXP', 6, `+confirmed+`, ?, ?)`), pk, d.name, d.step, c.ts(now)); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			devs, err := db.ListDevices(ctx, pk, store.DeviceTOTP)
			if err != nil || len(devs) != 1 {
				t.Fatalf("devices after 0008 = %+v, %v; want the confirmed one", devs, err)
			}
			d := devs[0]
			if d.Name != "Phone" || d.Secret != "JBSWY3DPEHPK3PXP" || d.Digits != 6 || d.UserPK != pk {
				t.Fatalf("device = %+v", d)
			}
			if ok, err := db.UseTOTPStep(ctx, d.PK, 59000000, now); err != nil || ok {
				t.Errorf("the step used before the upgrade was accepted again: ok=%v err=%v", ok, err)
			}
			if ok, err := db.UseTOTPStep(ctx, d.PK, 59000001, now); err != nil || !ok {
				t.Errorf("the next step was refused: ok=%v err=%v", ok, err)
			}
		})
	}
}
