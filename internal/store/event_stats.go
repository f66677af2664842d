package store

import (
	"context"
	"time"
)

// EventStatsQueries aggregate the audit log for authentik's event charts.
type EventStatsQueries interface {
	// EventVolume counts the events matching f per UTC day and action.
	EventVolume(ctx context.Context, f EventFilter) ([]EventCount, error)
	// EventTopApplications groups events of action by the application in
	// their context (authorized_application), most events first, at most n:
	// the JSON of the application reference, the number of events and of
	// distinct users.
	EventTopApplications(ctx context.Context, action string, n int) ([]AppEventCount, error)
}

// EventCount is how many events of Action happened on Day (midnight UTC).
type EventCount struct {
	Day    time.Time
	Action string
	Count  int
}

// AppEventCount is one row of EventTopApplications.
type AppEventCount struct {
	Application string // JSON object
	Events      int
	Users       int
}
