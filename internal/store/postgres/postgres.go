// Package postgres opens usher's PostgreSQL database through pgx's
// database/sql driver. Several usher processes may share one database.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations holds the dialect's NNNN_name.sql files at its root.
var Migrations = sqlstore.MigrationsIn(migrationFiles, "migrations")

// migrationLockKey is an arbitrary constant naming usher's advisory lock.
const migrationLockKey = 7_536_104_101_114

// Dialect is PostgreSQL's flavour of the shared SQL.
var Dialect = sqlstore.Dialect{
	Name:          "postgres",
	Dollar:        true,
	ILike:         "ILIKE",
	TrigramIndex:  true,
	Time:          func(t time.Time) any { return t },
	JSONField:     func(col, key string) string { return "(" + col + " ->> '" + key + "')" },
	JSONText:      func(col string) string { return col + "::text" },
	SkipLocked:    "FOR UPDATE SKIP LOCKED",
	MigrationLock: fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", migrationLockKey),
	TableExists:   "SELECT to_regclass(?) IS NOT NULL",
	ResetUserSeq:  "SELECT setval(pg_get_serial_sequence('users', 'pk'), (SELECT MAX(pk) FROM users))",
	Classify:      classify,
}

func classify(err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return nil
	}
	switch pe.Code {
	case "23505": // unique_violation
		return store.ErrConflict
	case "23503": // foreign_key_violation
		return store.ErrReferenced
	}
	return nil
}

// Open connects to the database at dsn (a postgres:// URL or key=value
// string) and checks it answers within a few seconds. The schema is not
// touched: call Migrate.
func Open(ctx context.Context, dsn string) (*sqlstore.DB, error) {
	db, err := openDB(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: bad connection string: %w", err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(8)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres: cannot reach database: %w", err)
	}
	return sqlstore.New(db, db, Dialect, Migrations), nil
}
