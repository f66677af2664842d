package store

import "time"

// Event is one entry of the audit log (authentik's events/models.py Event). User, Brand and Context are
// free-form JSON objects already masked by the event package.
type Event struct {
	UUID     string
	Action   string
	App      string
	User     map[string]any
	Context  map[string]any
	ClientIP string
	Created  time.Time
	Brand    map[string]any
	Expires  time.Time
}

// EventFilter selects events for listing, newest first by default.
type EventFilter struct {
	Action string
	// Actions matches any of several actions (the API's repeated
	// ?actions=); combined with Action, both must match.
	Actions  []string
	Username string // matches User["username"]
	Since    *time.Time
	Until    *time.Time
	Search   string
	Ordering string
	Limit    int
	Offset   int
}
