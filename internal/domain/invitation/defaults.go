package invitation

import "time"

// The defaults a person creating an invitation by hand gets, the same in
// the console's form and the CLI: one use, valid for a week. A link that
// works forever for anyone is the riskier choice, so it must be asked for
// (--max-uses 0, --expires never). The API and blueprints keep authentik's
// defaults (no expiry, unlimited uses when the fields are omitted), because
// authentik's clients and files rely on them.
const (
	DefaultExpiry  = 7 * 24 * time.Hour
	DefaultMaxUses = 1
	// DefaultExpiryFlag is DefaultExpiry as the CLI writes it.
	DefaultExpiryFlag = "7d"
)
