package store

import "context"

// InvitationConsumeQueries records a use and returns the row it counted
// against, in one round trip less than reading it first.
type InvitationConsumeQueries interface {
	// ConsumeInvitationRow is ConsumeInvitation that also returns the
	// invitation as it was just before this use (Uses not yet counting
	// it) and lets check refuse it: an error from check undoes the use
	// and is returned as is. Call it in the transaction that creates the
	// user.
	ConsumeInvitationRow(ctx context.Context, use *InvitationUse, check func(Invitation) error) (Invitation, error)
}
