package auth

import "strings"

// MaxUserAgent is the most of a User-Agent header a session row keeps:
// enough to tell browsers apart in a session list, while a client sending
// a 60 KB header cannot make each of its rows that large.
const MaxUserAgent = 512

// CapUserAgent returns ua cut to MaxUserAgent bytes, as valid UTF-8
// without NUL (a PostgreSQL text column refuses both).
func CapUserAgent(ua string) string {
	if len(ua) > MaxUserAgent {
		ua = ua[:MaxUserAgent]
	}
	return strings.ReplaceAll(strings.ToValidUTF8(ua, ""), "\x00", "")
}
