package store

import "time"

// OutboxMessage is work to deliver outside the database (an email, a
// webhook call), written in the same transaction as the action that caused
// it and delivered by a worker on any instance.
type OutboxMessage struct {
	ID          int64
	Kind        string // "email", "webhook"
	Payload     []byte // JSON, shape depends on Kind
	Attempts    int
	NextAttempt time.Time
	LockedUntil *time.Time
	LastError   string
	Created     time.Time
	SentAt      *time.Time
	Failed      bool // gave up after the last attempt
}
