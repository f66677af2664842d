package api

import (
	"time"

	"github.com/usher-id/usher/internal/fieldrule"
)

// parseTime reads a filter datetime (RFC 3339, or without zone as UTC).
func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			// Like a stored time, a filter's lies in years 1-9999 (UTC).
			return t.UTC(), fieldrule.Time(t) == ""
		}
	}
	return time.Time{}, false
}
