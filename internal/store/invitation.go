package store

import "time"

// Invitation statuses, derived from the row and the clock.
const (
	InvitationActive  = "active"
	InvitationExpired = "expired"
	InvitationUsedUp  = "used_up"
	InvitationRevoked = "revoked"
)

// Invitation is authentik_stages_invitation.invitation plus usher's
// additions: MaxUses/Uses (single use is MaxUses == 1), Email binding and
// revocation. The UUID is the token in the link.
type Invitation struct {
	UUID      string
	Name      string // slug rule, not unique
	Expires   *time.Time
	Expiring  bool    // default true; not in the API
	Flow      *string // flow UUID; set to nil when the flow is deleted
	MaxUses   *int    // nil = unlimited
	Uses      int     // count of recorded uses
	FixedData map[string]any
	CreatedBy int64 // user PK; deleting the user deletes the invitation
	Email     string
	RevokedAt *time.Time
	Created   time.Time
}

// SingleUse reports whether the invitation allows one use.
func (i Invitation) SingleUse() bool { return i.MaxUses != nil && *i.MaxUses == 1 }

// Status derives the invitation's status at now.
func (i Invitation) Status(now time.Time) string {
	switch {
	case i.RevokedAt != nil:
		return InvitationRevoked
	case i.MaxUses != nil && i.Uses >= *i.MaxUses:
		return InvitationUsedUp
	case i.Expiring && i.Expires != nil && i.Expires.Before(now):
		return InvitationExpired
	}
	return InvitationActive
}

// InvitationUse records one enrollment through an invitation.
type InvitationUse struct {
	ID         int64
	Invitation string // invitation UUID
	UserPK     *int64 // nil once the user is deleted
	Username   string // kept for history
	UsedAt     time.Time
	ClientIP   string
}

// InvitationFilter selects invitations for listing (authentik's filters
// plus status).
type InvitationFilter struct {
	Search            string // contains over name, creator username, flow slug
	Name              string // exact
	CreatedByUsername string // exact
	Expires           *time.Time
	FlowSlug          string
	Ordering          string // default "-expires"
	Limit             int
	Offset            int
}
