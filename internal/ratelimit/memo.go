package ratelimit

import (
	"context"
	"sync"
	"time"
)

// A memo lets one request read the counters it may check in one round
// trip: WithMemo names the keys (the flow executor names the client
// address's keys of every limit a flow request can meet), the first Check
// of any of them reads them all, later Checks of the request use what was
// read, and Fail keeps the memo current. The counters stay in the
// database, shared by every instance; the memo lives as long as the
// request.
type memo struct {
	mu     sync.Mutex
	keys   []string
	start  time.Time
	loaded bool
	hits   map[string]int
}

type memoKey struct{}

// WithMemo returns ctx carrying a memo for keys.
func WithMemo(ctx context.Context, keys ...string) context.Context {
	return context.WithValue(ctx, memoKey{}, &memo{keys: keys})
}

func memoFrom(ctx context.Context) *memo {
	m, _ := ctx.Value(memoKey{}).(*memo)
	return m
}

func (m *memo) has(key string) bool {
	for _, k := range m.keys {
		if k == key {
			return true
		}
	}
	return false
}

// count returns key's count in the window starting at start from the memo,
// reading every key of the memo the first time; ok is false when the memo
// cannot answer (another key or window, or the read failed).
func (m *memo) count(ctx context.Context, l *Limiter, key string, start time.Time) (n int, ok bool) {
	if m == nil || !m.has(key) {
		return 0, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.loaded {
		// All keys of a memo are one client address's, so one rule and
		// one window.
		hits, err := l.Store.HitCounts(ctx, m.keys, start)
		if err != nil {
			return 0, false
		}
		m.hits, m.start, m.loaded = hits, start, true
	}
	if !m.start.Equal(start) {
		return 0, false
	}
	return m.hits[key], true
}

// record keeps a count Fail just wrote.
func (m *memo) record(key string, start time.Time, n int) {
	if m == nil || !m.has(key) {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loaded && m.start.Equal(start) {
		m.hits[key] = n
	}
}
