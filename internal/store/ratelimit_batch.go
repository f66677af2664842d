package store

import (
	"context"
	"time"
)

// RateLimitBatchQueries read several failure counters in one round trip.
type RateLimitBatchQueries interface {
	// HitCounts is HitCount for several keys of one window: the count of
	// each key that has one (keys without hits are absent).
	HitCounts(ctx context.Context, keys []string, windowStart time.Time) (map[string]int, error)
}
