package storetest

import (
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

func testHitCounts(t *testing.T, s store.Store) {
	w := ts(0)
	for range 3 {
		_, err := s.Hit(ctx, "a:ip:1.2.3.4", w, w.Add(time.Minute))
		check(t, err, "hit a")
	}
	_, err := s.Hit(ctx, "b:ip:1.2.3.4", w, w.Add(time.Minute))
	check(t, err, "hit b")
	_, err = s.Hit(ctx, "a:ip:1.2.3.4", w.Add(time.Minute), w.Add(2*time.Minute))
	check(t, err, "hit a, next window")
	got, err := s.HitCounts(ctx, []string{"a:ip:1.2.3.4", "b:ip:1.2.3.4", "c:ip:1.2.3.4"}, w)
	check(t, err, "hit counts")
	if len(got) != 2 || got["a:ip:1.2.3.4"] != 3 || got["b:ip:1.2.3.4"] != 1 {
		t.Errorf("HitCounts = %v, want a:3 b:1", got)
	}
	if got, err := s.HitCounts(ctx, nil, w); err != nil || len(got) != 0 {
		t.Errorf("no keys: %v, %v", got, err)
	}
}
