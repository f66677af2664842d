package store

import (
	"context"
	"time"
)

// FlowToken is a link that resumes a flow where it stopped (authentik's
// flows.FlowToken): the email stage mails one, an administrator hands one
// over (core/users/<pk>/recovery/). Only the SHA-256 of the key is stored;
// Plan is the flow plan as JSON, so any instance can resume it, also after
// a restart. Unlike authentik, opening the link uses nothing: ConsumedAt is
// set by ConsumeFlowToken when the resumed flow does its work, exactly once.
type FlowToken struct {
	ID         int64
	KeyHash    string
	Identifier string
	FlowUUID   string
	UserPK     *int64
	// Stage is the email stage that mailed the link ("" for an
	// administrator's link); its activate_user_on_success applies.
	Stage      string
	Email      string // the address the link was mailed to ("" when not mailed)
	Plan       []byte
	Expires    time.Time
	Created    time.Time
	ConsumedAt *time.Time
}

// FlowTokenQueries stores flow tokens.
type FlowTokenQueries interface {
	CreateFlowToken(ctx context.Context, t *FlowToken) error
	// GetFlowTokenByHash finds a token by the SHA-256 of its key (consumed
	// and expired ones too: the caller says which it is).
	GetFlowTokenByHash(ctx context.Context, keyHash string) (FlowToken, error)
	// ConsumeFlowToken marks the token used in one conditional UPDATE: it
	// reports false, writing nothing, when the token was already consumed
	// or has expired at now (two instances finishing the same link at
	// once: exactly one gets true).
	ConsumeFlowToken(ctx context.Context, id int64, now time.Time) (bool, error)
	// DeleteExpiredFlowTokens removes tokens that expired before cutoff.
	DeleteExpiredFlowTokens(ctx context.Context, cutoff time.Time) (int64, error)
}
