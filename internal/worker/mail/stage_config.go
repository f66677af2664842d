package mail

import (
	"context"
	"errors"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// StageConfigs reads an email stage's own SMTP settings when a message it
// queued is delivered (authentik's EmailStage.backend); plug it into
// Deliverer.StageConfig. A stage using the global settings, or one deleted
// since, sends with the global ones. Reading at delivery keeps the SMTP
// password out of the outbox and applies an edited stage to mail still
// queued.
func StageConfigs(q store.Queries) func(ctx context.Context, stage string) (Config, bool, error) {
	return func(ctx context.Context, stage string) (Config, bool, error) {
		s, err := q.GetStage(ctx, stage)
		if errors.Is(err, store.ErrNotFound) {
			return Config{}, false, nil
		}
		if err != nil {
			return Config{}, false, err
		}
		e := s.Email
		if e == nil || e.UseGlobalSettings {
			return Config{}, false, nil
		}
		return Config{Host: e.Host, Port: e.Port, Username: e.Username, Password: e.Password, UseTLS: e.UseTLS,
			UseSSL: e.UseSSL, Timeout: time.Duration(e.Timeout) * time.Second, From: e.FromAddress}, true, nil
	}
}
