package store

import "errors"

// Sentinel errors every backend returns, wrapped with context.
var (
	// ErrNotFound: no row matched.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a unique constraint would be violated (duplicate name,
	// slug, username, binding order, ...).
	ErrConflict = errors.New("already exists")
	// ErrReferenced: a foreign key would be violated (the referenced row is
	// missing, or a row still references the one being deleted).
	ErrReferenced = errors.New("invalid reference")
	// ErrUsedUp: an invitation has no uses left (single use already consumed).
	ErrUsedUp = errors.New("invitation has already been used")
	// ErrRevoked: an administrator revoked the invitation.
	ErrRevoked = errors.New("invitation has been revoked")
	// ErrSchemaTooNew: the database was migrated by a newer usher.
	ErrSchemaTooNew = errors.New("database schema is newer than this binary")
)
