package store

import "context"

// SessionRotateQueries moves a session to a new ID in one statement.
type SessionRotateQueries interface {
	// RotateSession gives the row oldID the new ID s.ID and saves s in it
	// (a login rotates the ID): one write instead of a delete and an
	// insert. ErrNotFound when no row has oldID.
	RotateSession(ctx context.Context, oldID string, s *Session) error
}
