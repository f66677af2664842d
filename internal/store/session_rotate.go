package store

import "context"

// SessionRoundTripQueries save round trips on the sessions every request
// reads and a login rewrites.
type SessionRoundTripQueries interface {
	// RotateSession gives the row oldID the new ID s.ID and saves s in it
	// (a login rotates the ID): one write instead of a delete and an
	// insert. ErrNotFound when no row has oldID.
	RotateSession(ctx context.Context, oldID string, s *Session) error
	// GetSessionAndConfigVersion is GetSession that also reads
	// ConfigVersion in the same statement: a flow request needs both, and
	// this is its first round trip. The version is returned with
	// ErrNotFound too (a cookie whose session has no row).
	GetSessionAndConfigVersion(ctx context.Context, id string) (Session, int64, error)
}
