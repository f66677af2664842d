// Package sqlstore implements store.Store once over database/sql for every
// SQL database usher supports. The sqlite and postgres packages open a
// connection, supply a Dialect and their embedded migrations, and return a
// *DB.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync/atomic"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// DB is a store.Store and store.Migrator over database/sql.
type DB struct {
	*conn      // queries outside a transaction
	read       *sql.DB
	write      *sql.DB // the same as read unless the database has one writer
	dialect    Dialect
	migrations fs.FS
	// Prepared statements by SQL text, when the dialect asks for them.
	readStmts, writeStmts *stmtCache
	// observer sees every statement (observe.go); nil: none.
	observer atomic.Pointer[Observer]
}

var (
	_ store.Store    = (*DB)(nil)
	_ store.Migrator = (*DB)(nil)
)

// New wraps open pools. Reads outside transactions use read; writes and
// transactions use write (pass the same pool twice when there is one).
// migrations holds NNNN_name.sql files.
func New(read, write *sql.DB, d Dialect, migrations fs.FS) *DB {
	db := &DB{read: read, write: write, dialect: d, migrations: migrations}
	if d.CacheStatements {
		db.readStmts, db.writeStmts = newStmtCache(read), newStmtCache(write)
		if read == write {
			db.readStmts = db.writeStmts
		}
	}
	db.conn = &conn{db: db}
	return db
}

// Dialect reports "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.dialect.Name }

// Writer returns the pool writes go to, for tests and tools that need raw
// SQL.
func (db *DB) Writer() *sql.DB { return db.write }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.write.PingContext(ctx); err != nil {
		return fmt.Errorf("store: ping %s: %w", db.dialect.Name, err)
	}
	if db.read != db.write {
		if err := db.read.PingContext(ctx); err != nil {
			return fmt.Errorf("store: ping %s: %w", db.dialect.Name, err)
		}
	}
	return nil
}

// Stats sums the pools' figures.
func (db *DB) Stats() store.PoolStats {
	s := db.write.Stats()
	out := store.PoolStats{OpenConnections: s.OpenConnections, InUse: s.InUse, Idle: s.Idle, WaitCount: s.WaitCount}
	if db.read != db.write {
		r := db.read.Stats()
		out.OpenConnections += r.OpenConnections
		out.InUse += r.InUse
		out.Idle += r.Idle
		out.WaitCount += r.WaitCount
	}
	return out
}

// Close closes the pools.
func (db *DB) Close() error {
	if db.writeStmts != nil {
		db.writeStmts.close()
		db.readStmts.close()
	}
	err := db.write.Close()
	if db.read != db.write {
		err = errors.Join(err, db.read.Close())
	}
	return err
}

// Tx runs fn in one transaction on the writer. Inside fn, use only the
// Queries passed in: on SQLite the writer has a single connection, so a
// write through the outer Store would wait for this transaction forever.
func (db *DB) Tx(ctx context.Context, fn func(q store.Queries) error) error {
	return db.conn.inTx(ctx, func(c *conn) error { return fn(c) })
}

// conn runs queries on the pools, or on tx when inside a transaction.
type conn struct {
	db *DB
	tx *sql.Tx
	// pendingEvents are event rows a transaction inserts at its end
	// (CreateEvent, flushEvents).
	pendingEvents [][]any
	eventsErr     error // a failed early flush, reported at commit
}

// inTx runs fn atomically: directly when c is already a transaction,
// otherwise in a new one that a panic or error rolls back.
func (c *conn) inTx(ctx context.Context, fn func(c *conn) error) (err error) {
	if c.tx != nil {
		return fn(c)
	}
	c.observe(StatementBegin, "BEGIN")
	tx, err := c.db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = tx.Rollback()
		}
	}()
	tc := &conn{db: c.db, tx: tx}
	if err := fn(tc); err != nil {
		return err
	}
	if err := tc.flushEvents(ctx); err != nil {
		return err
	}
	if tc.eventsErr != nil {
		return tc.eventsErr
	}
	done = true
	if err := tx.Commit(); err != nil {
		return c.wrap("commit", err)
	}
	return nil
}

// querier is what both a pool and a transaction run statements with.
type querier interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func (c *conn) reader() querier {
	if c.tx != nil {
		return c.tx
	}
	return c.db.read
}

func (c *conn) writer() querier {
	if c.tx != nil {
		return c.tx
	}
	return c.db.write
}

// stmt returns a cached prepared statement for q on the pool a write (or a
// read) goes to, bound to the transaction when in one; nil runs q
// unprepared. A transaction only uses statements prepared already: on
// SQLite preparing needs the one writer connection the transaction holds,
// so a new statement is prepared once the transaction is over.
func (c *conn) stmt(ctx context.Context, q string, write bool) *sql.Stmt {
	cache := c.db.readStmts
	if write || c.tx != nil {
		cache = c.db.writeStmts
	}
	if cache == nil {
		return nil
	}
	if c.tx == nil {
		return cache.get(ctx, q)
	}
	st := cache.lookup(q)
	if st == nil {
		cache.prepareLater(q)
		return nil
	}
	return c.tx.StmtContext(ctx, st)
}

// query and queryRow read; exec, execRow and execQuery write.
func (c *conn) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.flushEventsBefore(ctx, q)
	q = c.db.dialect.Rebind(q)
	c.observe(StatementRead, q)
	if st := c.stmt(ctx, q, false); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.reader().QueryContext(ctx, q, args...)
}

func (c *conn) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	c.flushEventsBefore(ctx, q)
	q = c.db.dialect.Rebind(q)
	c.observe(StatementRead, q)
	if st := c.stmt(ctx, q, false); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.reader().QueryRowContext(ctx, q, args...)
}

func (c *conn) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	c.flushEventsBefore(ctx, q)
	q = c.db.dialect.Rebind(q)
	c.observe(StatementWrite, q)
	if st := c.stmt(ctx, q, true); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return c.writer().ExecContext(ctx, q, args...)
}

func (c *conn) execRow(ctx context.Context, q string, args ...any) *sql.Row {
	c.flushEventsBefore(ctx, q)
	q = c.db.dialect.Rebind(q)
	c.observe(StatementWrite, q)
	if st := c.stmt(ctx, q, true); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.writer().QueryRowContext(ctx, q, args...)
}

func (c *conn) execQuery(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.flushEventsBefore(ctx, q)
	q = c.db.dialect.Rebind(q)
	c.observe(StatementWrite, q)
	if st := c.stmt(ctx, q, true); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.writer().QueryContext(ctx, q, args...)
}

// flushEventsBefore inserts a transaction's queued events before a
// statement that touches the events table, so the transaction sees its
// own events as if they had been inserted one by one. A failed flush
// rolls the transaction back when it ends.
func (c *conn) flushEventsBefore(ctx context.Context, q string) {
	if len(c.pendingEvents) > 0 && strings.Contains(q, "events") && !strings.HasPrefix(q, "INSERT INTO events (") {
		if err := c.flushEvents(ctx); err != nil && c.eventsErr == nil {
			c.eventsErr = err
		}
	}
}

// execOne runs a write that must touch one row; none gives ErrNotFound.
func (c *conn) execOne(ctx context.Context, op string, q string, args ...any) error {
	res, err := c.exec(ctx, q, args...)
	if err != nil {
		return c.wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return c.wrap(op, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s: %w", op, store.ErrNotFound)
	}
	return nil
}

// execCount runs a write and returns how many rows it touched.
func (c *conn) execCount(ctx context.Context, op string, q string, args ...any) (int, error) {
	res, err := c.exec(ctx, q, args...)
	if err != nil {
		return 0, c.wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, c.wrap(op, err)
	}
	return int(n), nil
}

// wrap adds context to err and maps driver errors to store's sentinels.
func (c *conn) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("store: %s: %w", op, store.ErrNotFound)
	}
	if c.db.dialect.Classify != nil {
		if kind := c.db.dialect.Classify(err); kind != nil {
			return fmt.Errorf("store: %s: %w (%v)", op, kind, err)
		}
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// t converts a time for binding; tp does the same for an optional time.
func (c *conn) t(v time.Time) any { return c.db.dialect.Time(normTime(v)) }

func (c *conn) tp(v *time.Time) any {
	if v == nil {
		return nil
	}
	return c.t(*v)
}

// now is the current time at stored precision.
func now() time.Time { return normTime(time.Now()) }
