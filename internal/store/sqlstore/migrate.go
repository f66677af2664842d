package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

// Migration is one embedded NNNN_name.sql file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// MigrationsIn is the migrations directory dir of a dialect's embedded
// files, for ParseMigrations.
func MigrationsIn(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // dir is a constant: a bad one is a programming error
	}
	return sub
}

// ParseMigrations reads NNNN_name.sql files from fsys (its root), in version
// order, and checks that no version appears twice. Versions may leave gaps:
// branches developed side by side are each given their own number, and a
// database migrated by one branch gets the other's migration applied when
// the branches meet (Migrate applies every version not yet recorded).
func ParseMigrations(fsys fs.FS) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("store: read migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || path.Ext(name) != ".sql" {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("store: migration %q: name must be NNNN_description.sql", name)
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("store: read migration %q: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("store: migrations %q and %q have the same version", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}

// latestOf is the highest version known (0 for none).
func latestOf(migs []Migration) int {
	if len(migs) == 0 {
		return 0
	}
	return migs[len(migs)-1].Version
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	applied_at TEXT NOT NULL
)`

// Migrate applies pending migrations, each in its own transaction.
func (db *DB) Migrate(ctx context.Context) error {
	migs, err := ParseMigrations(db.migrations)
	if err != nil {
		return err
	}
	latest := latestOf(migs)
	// Creating the bookkeeping table is itself serialized by the lock:
	// PostgreSQL's CREATE TABLE IF NOT EXISTS is not safe under races.
	if err := db.migrationTx(ctx, func(c *conn) error {
		_, err := c.exec(ctx, createMigrationsTable)
		return err
	}); err != nil {
		return fmt.Errorf("store: create schema_migrations: %w", err)
	}
	current, err := db.currentVersion(ctx, db.conn)
	if err != nil {
		return err
	}
	if current > latest {
		return tooNew(current, latest)
	}
	applied, err := db.appliedVersions(ctx, db.conn)
	if err != nil {
		return err
	}
	for _, m := range migs {
		if applied[m.Version] {
			continue
		}
		err := db.migrationTx(ctx, func(c *conn) error {
			// Another process may have applied it while we waited for the lock.
			cur, err := db.currentVersion(ctx, c)
			if err != nil {
				return err
			}
			if cur > latest {
				return tooNew(cur, latest)
			}
			var done int
			if err := c.queryRow(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&done); err != nil {
				return fmt.Errorf("store: read schema version: %w", err)
			}
			if done > 0 {
				return nil
			}
			if _, err := c.exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("store: apply migration %s: %w", m.Name, err)
			}
			_, err = c.exec(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
				m.Version, now().Format(TimeFormat))
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func tooNew(current, latest int) error {
	return fmt.Errorf("%w: the database is at schema version %d but this usher knows versions up to %d; upgrade usher",
		store.ErrSchemaTooNew, current, latest)
}

// migrationTx runs fn in a transaction holding the dialect's migration lock.
func (db *DB) migrationTx(ctx context.Context, fn func(c *conn) error) error {
	return db.conn.inTx(ctx, func(c *conn) error {
		if db.dialect.MigrationLock != "" {
			if _, err := c.exec(ctx, db.dialect.MigrationLock); err != nil {
				return fmt.Errorf("store: take migration lock: %w", err)
			}
		}
		return fn(c)
	})
}

// currentVersion is the highest applied version, 0 when none.
func (db *DB) currentVersion(ctx context.Context, c *conn) (int, error) {
	var exists bool
	if err := c.queryRow(ctx, db.dialect.TableExists, "schema_migrations").Scan(&exists); err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := c.queryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", err)
	}
	return v, nil
}

// appliedVersions is the set of versions recorded in schema_migrations.
func (db *DB) appliedVersions(ctx context.Context, c *conn) (map[int]bool, error) {
	out := map[int]bool{}
	var exists bool
	if err := c.queryRow(ctx, db.dialect.TableExists, "schema_migrations").Scan(&exists); err != nil || !exists {
		return out, err
	}
	rows, err := c.query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return nil, fmt.Errorf("store: read schema versions: %w", err)
	}
	vs, err := collect(rows, func(s scanner) (int, error) {
		var v int
		return v, s.Scan(&v)
	})
	if err != nil {
		return nil, fmt.Errorf("store: read schema versions: %w", err)
	}
	for _, v := range vs {
		out[v] = true
	}
	return out, nil
}

// SchemaVersion reports the database's and the binary's latest version. A
// database missing a known migration below its highest one (another
// branch's, merged later) reports the version before the first missing
// one, so it counts as outdated until Migrate fills the gap.
func (db *DB) SchemaVersion(ctx context.Context) (current, latest int, err error) {
	migs, err := ParseMigrations(db.migrations)
	if err != nil {
		return 0, 0, err
	}
	latest = latestOf(migs)
	if current, err = db.currentVersion(ctx, db.conn); err != nil || current > latest {
		return current, latest, err
	}
	applied, err := db.appliedVersions(ctx, db.conn)
	if err != nil {
		return 0, 0, err
	}
	prev := 0
	for _, m := range migs {
		if !applied[m.Version] {
			return prev, latest, nil
		}
		prev = m.Version
	}
	return current, latest, nil
}
