package ratelimit

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// countingReads counts the counter reads that reach the database.
type countingReads struct {
	store.Store
	reads atomic.Int64
}

func (s *countingReads) HitCount(ctx context.Context, key string, w time.Time) (int, error) {
	s.reads.Add(1)
	return s.Store.HitCount(ctx, key, w)
}

func (s *countingReads) HitCounts(ctx context.Context, keys []string, w time.Time) (map[string]int, error) {
	s.reads.Add(1)
	return s.Store.HitCounts(ctx, keys, w)
}

// A request's memo reads all its keys once; a failure it counts is seen by
// its later checks; keys outside the memo read as before; limits are the
// same as without it.
func TestMemo(t *testing.T) {
	st := &countingReads{Store: storetest.OpenSQLite(t)}
	c := &clock{t: time.Date(2026, 11, 25, 12, 0, 30, 0, time.UTC)}
	l := newLimiter(st, c)
	a, b := IPKey(PromptFail, "192.0.2.7"), IPKey(LoginFail, "192.0.2.7")
	for range l.Config.Address.Limit - 1 {
		l.Fail(context.Background(), a)
	}
	ctx := WithMemo(context.Background(), a, b)
	if _, over := l.Check(ctx, b); over {
		t.Fatal("b limited with no failures")
	}
	if _, over := l.Check(ctx, a); over {
		t.Fatal("a limited one failure early")
	}
	if n := st.reads.Load(); n != 1 {
		t.Errorf("%d reads for two checks of memo keys, want 1", n)
	}
	l.Fail(ctx, a) // reaches the limit
	if _, over := l.Check(ctx, a); !over {
		t.Error("the memo missed a failure counted in the same request")
	}
	if n := st.reads.Load(); n != 1 {
		t.Errorf("%d reads after a failure, want still 1", n)
	}
	other := IPKey(InvitationFail, "192.0.2.7")
	l.Check(ctx, other)
	if n := st.reads.Load(); n != 2 {
		t.Errorf("a key outside the memo: %d reads, want 2", n)
	}
	if _, over := l.Check(context.Background(), a); !over {
		t.Error("without a memo the limit is not seen")
	}
}
