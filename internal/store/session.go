package store

import "time"

// Session is a server-side browser session. ID is a hash of the cookie value,
// never the value itself. Data holds the session's JSON state (flow plan,
// saved query, CSRF secret, ...).
type Session struct {
	ID        string
	UserPK    *int64
	Data      []byte
	Expires   time.Time
	Created   time.Time
	LastSeen  time.Time
	ClientIP  string
	UserAgent string
}
