package event

import (
	"sort"
	"strings"
)

// Bounds on what one event stores. Event context comes from many places,
// some of them user-controlled (policies' ak_create_event, prompt data,
// request arguments); a context nested deeper than JSON readers accept
// (Go's decoder stops at 10,000 levels, PostgreSQL's jsonb at its stack
// limit) would make every page listing the event fail, and a huge one
// slows them all. Cleanse therefore cuts what it copies: below
// MaxContextDepth levels, after maxContextNodes values and
// maxContextBytes of text, with the Truncated marker where it cut.
const (
	MaxContextDepth  = 100
	maxContextNodes  = 100_000
	maxContextBytes  = 1 << 20
	maxContextString = 64 << 10
	// Truncated replaces what was cut (and is a key set to true in a map
	// that lost keys).
	Truncated = "…truncated"
)

type bounds struct {
	nodes, bytes int
}

// admit counts v at depth; false means it is cut and replaced by the
// returned marker.
func (b *bounds) admit(v any, depth int) (any, bool) {
	if v == nil {
		return nil, true
	}
	if depth >= MaxContextDepth {
		switch v.(type) {
		case map[string]any, map[string]string, []any:
			return Truncated, false
		}
	}
	b.nodes++
	return nil, true
}

// room reports whether another value fits.
func (b *bounds) room() bool { return b.nodes < maxContextNodes && b.bytes < maxContextBytes }

// text counts s and cuts it when it is too long or the budget is spent.
func (b *bounds) text(s string) string {
	limit := min(maxContextString, maxContextBytes-b.bytes)
	if limit < 0 {
		limit = 0
	}
	if len(s) > limit {
		// A UTF-8 sequence split by the cut is invalid and dropped.
		s = strings.ToValidUTF8(s[:limit], "") + Truncated
	}
	b.bytes += len(s)
	return s
}

// keys returns m's keys, sorted when they may not all fit, so that what
// is kept does not depend on map order.
func (b *bounds) keys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	if b.nodes+len(m) >= maxContextNodes || b.bytes >= maxContextBytes/2 {
		sort.Strings(keys)
	}
	return keys
}
