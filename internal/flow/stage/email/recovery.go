package email

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// Errors of SendRecovery (authentik's messages, core/api/users.py).
var (
	ErrNoEmail      = errors.New("User does not have an email address set.")
	ErrStageMissing = errors.New("Email stage not found.")
)

// DefaultTokenDuration is how long an administrator's recovery link works
// when no token_duration is given (authentik's default_token_duration).
const DefaultTokenDuration = 30 * time.Minute

// SendRecovery makes u's recovery link (flow.Executor.RecoveryLink) and
// queues it to u's address with the email stage's subject, template and
// connection settings, in one transaction (authentik's
// UserViewSet.recovery_email). The link is not returned: only the mailbox
// gets it.
func SendRecovery(r *http.Request, e *flow.Executor, stageUUID string, u store.User, expires time.Time) error {
	if strings.TrimSpace(u.Email) == "" {
		return ErrNoEmail
	}
	ctx := r.Context()
	st, err := e.App.Store.GetStage(ctx, stageUUID)
	if errors.Is(err, store.ErrNotFound) || err == nil && st.Kind != store.StageEmail {
		return ErrStageMissing
	}
	if err != nil {
		return err
	}
	return e.App.Store.Tx(ctx, func(q store.Queries) error {
		link, _, err := e.RecoveryLink(r, q, u, expires)
		if err != nil {
			return err
		}
		return Enqueue(ctx, e.App, q, st, u, strings.TrimSpace(u.Email), link, expires, httpx.BaseURL(r))
	})
}
