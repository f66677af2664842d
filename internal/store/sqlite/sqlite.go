// Package sqlite opens usher's embedded SQLite database (modernc.org/sqlite,
// no CGO): a pool of readers beside a single writer connection, so writes
// and transactions queue in Go instead of failing with SQLITE_BUSY.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations holds the dialect's NNNN_name.sql files at its root.
var Migrations = sqlstore.MigrationsIn(migrationFiles, "migrations")

// Dialect is SQLite's flavour of the shared SQL.
var Dialect = sqlstore.Dialect{
	Name:  "sqlite",
	ILike: "LIKE", // case-insensitive for ASCII already
	Time:  func(t time.Time) any { return t.Format(sqlstore.TimeFormat) },
	JSONField: func(col, key string) string {
		return "json_extract(" + col + ", '$." + key + "')"
	},
	JSONText:        func(col string) string { return col },
	TableExists:     "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)",
	TrigramFTS:      true,
	CacheStatements: true,
	Classify:        classify,
}

func classify(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return nil
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return store.ErrConflict
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return store.ErrReferenced
	}
	return nil
}

// pragmas: busy_timeout first so the others wait for locks instead of
// failing; immediate transactions take the write lock at BEGIN.
const pragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(ON)&_pragma=synchronous(NORMAL)"

// Open opens (creating if needed) the database file at path. ":memory:"
// gives a private in-memory database on one connection (for tests). The
// schema is not touched: call Migrate.
func Open(ctx context.Context, path string) (*sqlstore.DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: database path is empty")
	}
	if path == ":memory:" {
		db, err := sql.Open("sqlite", "file::memory:?_pragma=foreign_keys(ON)")
		if err != nil {
			return nil, fmt.Errorf("sqlite: open in-memory database: %w", err)
		}
		db.SetMaxOpenConns(1)
		db.SetConnMaxIdleTime(0)
		db.SetConnMaxLifetime(0)
		if err := ping(ctx, db, path); err != nil {
			return nil, err
		}
		return sqlstore.New(db, db, Dialect, Migrations), nil
	}
	// Recorded first, so no file read on behalf of a user can open (and
	// by closing, unlock) the database while it is in use.
	store.RegisterDatabaseFile(path)
	base := "file:" + escapePath(path) + "?" + pragmas
	write, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)
	// The writer goes first: it creates the file and switches it to WAL.
	if err := ping(ctx, write, path); err != nil {
		return nil, err
	}
	read, err := sql.Open("sqlite", base+"&_pragma=query_only(1)")
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, runtime.NumCPU()*2)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	if err := ping(ctx, read, path); err != nil {
		write.Close()
		return nil, err
	}
	return sqlstore.New(read, write, Dialect, Migrations), nil
}

func ping(ctx context.Context, db *sql.DB, path string) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("sqlite: cannot open database %s: %w", path, err)
	}
	return nil
}

// escapePath percent-encodes what SQLite's URI parser would misread.
func escapePath(p string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(p)
}
