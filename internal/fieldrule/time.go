package fieldrule

import "time"

// MsgTimeRange is the message for a time outside years 1-9999 in UTC. The
// first sentence is DRF's DateTimeField "overflow" message (authentik
// answers it when converting the value to UTC overflows Python's datetime).
const MsgTimeRange = "Datetime value out of range. Enter a date and time between the years 1 and 9999 (UTC)."

// Time returns MsgTimeRange when t, converted to UTC, falls outside years
// 1-9999, else "". Every path that stores a time applies it: SQLite keeps
// times as fixed-width RFC 3339 text, which has four year digits, and
// RFC 3339 (the API's format) cannot express other years either, so such
// a value would be unreadable and unrenderable once stored.
func Time(t time.Time) string {
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return MsgTimeRange
	}
	return ""
}

// MinTime and MaxTime bound the times usher stores and renders.
var (
	MinTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	MaxTime = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)
)

// ClampTime returns t in UTC, moved to MinTime or MaxTime when Time refuses
// it. Readers use it for values written before Time was enforced (or by
// hand), so that one such row cannot make every list containing it fail.
func ClampTime(t time.Time) time.Time {
	t = t.UTC()
	switch {
	case t.Before(MinTime):
		return MinTime
	case t.After(MaxTime.Add(time.Second - 1)):
		return MaxTime
	}
	return t
}

// FormatTime renders a time as DRF does: ISO 8601, UTC as "Z", fractional
// seconds only when present. Years outside 1-9999 have no RFC 3339 form,
// so they are clamped (the store reads them clamped already).
func FormatTime(t time.Time) string {
	return ClampTime(t).Format("2006-01-02T15:04:05.999999Z07:00")
}
