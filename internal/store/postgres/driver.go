package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// A minimal database/sql driver over pgx.Conn. pgx's own stdlib package
// would do, but it pulls in pgxpool and with it github.com/jackc/puddle/v2,
// which go.mod does not have; once it does, this file can be replaced by
// sql.Open("pgx", dsn). Only what sqlstore uses is implemented: Exec and
// Query with arguments passed straight to pgx, transactions, ping.

type connector struct{ cfg *pgx.ConnConfig }

func (c connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, c.cfg)
	if err != nil {
		return nil, err
	}
	return &pgConn{c: conn}, nil
}

func (c connector) Driver() driver.Driver { return pgDriver{} }

type pgDriver struct{}

func (pgDriver) Open(string) (driver.Conn, error) {
	return nil, errors.New("postgres: open through postgres.Open")
}

// openDB returns a pool of pgx connections for dsn.
func openDB(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	return sql.OpenDB(connector{cfg: cfg}), nil
}

type pgConn struct{ c *pgx.Conn }

var (
	_ driver.ExecerContext     = (*pgConn)(nil)
	_ driver.QueryerContext    = (*pgConn)(nil)
	_ driver.ConnBeginTx       = (*pgConn)(nil)
	_ driver.Pinger            = (*pgConn)(nil)
	_ driver.NamedValueChecker = (*pgConn)(nil)
	_ driver.SessionResetter   = (*pgConn)(nil)
	_ driver.Validator         = (*pgConn)(nil)
)

func (p *pgConn) Prepare(string) (driver.Stmt, error) {
	return nil, errors.New("postgres: prepared statements are not supported")
}

func (p *pgConn) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return p.c.Close(ctx)
}

func (p *pgConn) Begin() (driver.Tx, error) {
	return p.BeginTx(context.Background(), driver.TxOptions{})
}

func (p *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if p.c.IsClosed() {
		return nil, driver.ErrBadConn
	}
	var o pgx.TxOptions
	switch sql.IsolationLevel(opts.Isolation) {
	case sql.LevelDefault:
	case sql.LevelReadCommitted:
		o.IsoLevel = pgx.ReadCommitted
	case sql.LevelRepeatableRead, sql.LevelSnapshot:
		o.IsoLevel = pgx.RepeatableRead
	case sql.LevelSerializable:
		o.IsoLevel = pgx.Serializable
	default:
		return nil, fmt.Errorf("postgres: unsupported isolation level %d", opts.Isolation)
	}
	if opts.ReadOnly {
		o.AccessMode = pgx.ReadOnly
	}
	tx, err := p.c.BeginTx(ctx, o)
	if err != nil {
		return nil, err
	}
	return pgTx{ctx: ctx, tx: tx}, nil
}

type pgTx struct {
	ctx context.Context
	tx  pgx.Tx
}

func (t pgTx) Commit() error   { return t.tx.Commit(t.ctx) }
func (t pgTx) Rollback() error { return t.tx.Rollback(t.ctx) }

// CheckNamedValue hands every argument to pgx unchanged (it encodes
// pointers, times, byte slices and JSON strings itself).
func (p *pgConn) CheckNamedValue(*driver.NamedValue) error { return nil }

func args(nv []driver.NamedValue) []any {
	out := make([]any, len(nv))
	for i, v := range nv {
		out[i] = v.Value
	}
	return out
}

func (p *pgConn) ExecContext(ctx context.Context, query string, nv []driver.NamedValue) (driver.Result, error) {
	if p.c.IsClosed() {
		return nil, driver.ErrBadConn
	}
	tag, err := p.c.Exec(ctx, query, args(nv)...)
	if err != nil && pgconn.SafeToRetry(err) {
		return nil, driver.ErrBadConn
	}
	return driver.RowsAffected(tag.RowsAffected()), err
}

func (p *pgConn) QueryContext(ctx context.Context, query string, nv []driver.NamedValue) (driver.Rows, error) {
	if p.c.IsClosed() {
		return nil, driver.ErrBadConn
	}
	rows, err := p.c.Query(ctx, query, args(nv)...)
	if err != nil {
		if pgconn.SafeToRetry(err) {
			return nil, driver.ErrBadConn
		}
		return nil, err
	}
	// Read the first row now so errors (constraint violations in
	// INSERT ... RETURNING) surface here and columns are known.
	more := rows.Next()
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, err
	}
	return &pgRows{m: p.c.TypeMap(), rows: rows, pending: true, more: more}, nil
}

func (p *pgConn) Ping(ctx context.Context) error {
	if p.c.IsClosed() {
		return driver.ErrBadConn
	}
	if err := p.c.Ping(ctx); err != nil {
		_ = p.Close()
		return driver.ErrBadConn
	}
	return nil
}

func (p *pgConn) ResetSession(context.Context) error {
	if p.c.IsClosed() {
		return driver.ErrBadConn
	}
	return nil
}

func (p *pgConn) IsValid() bool { return !p.c.IsClosed() }

type pgRows struct {
	m       *pgtype.Map
	rows    pgx.Rows
	pending bool // the first row was read by QueryContext
	more    bool
	decode  []func([]byte) (driver.Value, error)
}

func (r *pgRows) Columns() []string {
	fds := r.rows.FieldDescriptions()
	out := make([]string, len(fds))
	for i, fd := range fds {
		out[i] = fd.Name
	}
	return out
}

func (r *pgRows) Close() error {
	r.rows.Close()
	return r.rows.Err()
}

// decoder converts one column's wire value into a driver.Value of the kind
// database/sql scans from: bool, int64, float64, time.Time, []byte, string.
func (r *pgRows) decoder(fd pgconn.FieldDescription) func([]byte) (driver.Value, error) {
	plan := func(dst any) pgtype.ScanPlan { return r.m.PlanScan(fd.DataTypeOID, fd.Format, dst) }
	switch fd.DataTypeOID {
	case pgtype.BoolOID:
		var d bool
		p := plan(&d)
		return func(src []byte) (driver.Value, error) {
			err := p.Scan(src, &d)
			return d, err
		}
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID:
		var d int64
		p := plan(&d)
		return func(src []byte) (driver.Value, error) {
			err := p.Scan(src, &d)
			return d, err
		}
	case pgtype.Float4OID, pgtype.Float8OID:
		var d float64
		p := plan(&d)
		return func(src []byte) (driver.Value, error) {
			err := p.Scan(src, &d)
			return d, err
		}
	case pgtype.TimestamptzOID, pgtype.TimestampOID, pgtype.DateOID:
		var d time.Time
		p := plan(&d)
		return func(src []byte) (driver.Value, error) {
			err := p.Scan(src, &d)
			return d, err
		}
	case pgtype.ByteaOID, pgtype.JSONOID, pgtype.JSONBOID:
		var d []byte
		p := plan(&d)
		return func(src []byte) (driver.Value, error) {
			err := p.Scan(src, &d)
			return d, err
		}
	default:
		var d string
		p := plan(&d)
		return func(src []byte) (driver.Value, error) {
			err := p.Scan(src, &d)
			return d, err
		}
	}
}

func (r *pgRows) Next(dest []driver.Value) error {
	if r.decode == nil {
		for _, fd := range r.rows.FieldDescriptions() {
			r.decode = append(r.decode, r.decoder(fd))
		}
	}
	more := r.more
	if r.pending {
		r.pending = false
	} else {
		more = r.rows.Next()
	}
	if !more {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return io.EOF
	}
	for i, raw := range r.rows.RawValues() {
		if raw == nil {
			dest[i] = nil
			continue
		}
		v, err := r.decode[i](raw)
		if err != nil {
			return fmt.Errorf("postgres: read column %d: %w", i, err)
		}
		dest[i] = v
	}
	return nil
}
