// Package app is the dependency container handed to every HTTP area and
// background worker: built once in the serve command, never global.
package app

import (
	"log/slog"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

// App holds what handlers need. Handlers keep no state of their own that
// matters across requests: everything lives in Store.
type App struct {
	Store     store.Store
	Log       *slog.Logger
	Sessions  *auth.Manager
	Passwords *auth.Passwords
	Events    *event.Recorder
	// Limiter throttles failures (the counts live in the database); nil
	// means each area builds one from the environment (apps built by hand
	// in tests).
	Limiter *ratelimit.Limiter
	// Secret is the signing key every instance shares (USHER_SECRET_KEY or
	// generated once and stored in the database).
	Secret []byte
	Now    func() time.Time
	// Settings handlers read; the config package fills them.
	BlueprintsDir string
	// BreachedPasswordsFile lists breached or common passwords for password
	// policies' check_have_i_been_pwned ("" = the built-in list).
	BreachedPasswordsFile string
	DataDir               string // the database's directory: !File reads only BlueprintsDir in it
	TemplatesDir          string // optional override directory for email/page templates
	MaxBodyBytes          int64
	MaxBlueprintBytes     int64
	Version               string
	// EmailNotConfigured is set when no SMTP server is configured
	// (config.EmailConfigured): invitations are then not sent by email,
	// and the console and API say what to set instead of queueing mail
	// that cannot be delivered. Zero (configured) for apps built by hand.
	EmailNotConfigured bool
}

// Clock returns the current time through Now when set.
func (a *App) Clock() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}
