package console

import (
	"context"

	"github.com/usher-id/usher/internal/store"
)

// Names the external tests assert on exactly.
const (
	InternalOnlyMessage = internalOnlyMessage
	ImportPath          = importPath
)

// InvitationWarnings loads what the invitation list knows about flows and
// returns the function that lists an invitation's warnings, as the list
// page shows them.
func InvitationWarnings(ctx context.Context, st store.Store) (func(inv store.Invitation, status string) []string, error) {
	ff, err := loadFlowFacts(ctx, st)
	if err != nil {
		return nil, err
	}
	return ff.invitationWarnings, nil
}
