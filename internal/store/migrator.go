package store

import "context"

// Migrator is implemented by every Store a backend opens. Open does not
// migrate: serve and `usher migrate` call Migrate explicitly.
type Migrator interface {
	// Migrate applies pending migrations, each in its own transaction; it
	// is safe to call from several processes at once. A database migrated
	// by a newer usher gives an error wrapping ErrSchemaTooNew.
	Migrate(ctx context.Context) error
	// SchemaVersion reports the database's version (0 when never migrated)
	// and the latest version this binary knows.
	SchemaVersion(ctx context.Context) (current, latest int, err error)
}
