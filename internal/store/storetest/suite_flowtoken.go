package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// testFlowTokens: a token round-trips, is consumed by exactly one of many
// concurrent consumers, never when expired, and goes with its flow.
func testFlowTokens(t *testing.T, s store.Store) {
	jane := mkUser(t, s, "jane")
	f := mkFlow(t, s, "recovery")
	now := time.Now().UTC().Truncate(time.Second)
	pk := jane.PK
	tok := store.FlowToken{KeyHash: "hash-1", Identifier: "ak-email-stage-x", FlowUUID: f.UUID, UserPK: &pk,
		Stage: "stage-uuid", Email: "jane@example.com", Plan: []byte(`{"flow_pk":"x"}`), Expires: now.Add(time.Hour)}
	check(t, s.CreateFlowToken(ctx, &tok), "create")
	if tok.ID == 0 || tok.Created.IsZero() {
		t.Fatalf("create did not fill id/created: %+v", tok)
	}
	got, err := s.GetFlowTokenByHash(ctx, "hash-1")
	check(t, err, "get")
	if got.ID != tok.ID || got.FlowUUID != f.UUID || got.UserPK == nil || *got.UserPK != pk || got.Stage != "stage-uuid" ||
		got.Email != "jane@example.com" || string(got.Plan) != `{"flow_pk":"x"}` || !got.Expires.Equal(tok.Expires) || got.ConsumedAt != nil {
		t.Fatalf("round trip: %+v", got)
	}
	if _, err := s.GetFlowTokenByHash(ctx, "nope"); !isNotFound(err) {
		t.Fatalf("unknown hash: %v", err)
	}

	// Many consumers at once (as from several instances): exactly one wins.
	var wg sync.WaitGroup
	wins := make(chan bool, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.ConsumeFlowToken(ctx, tok.ID, now)
			if err != nil {
				t.Error(err)
			}
			wins <- ok
		}()
	}
	wg.Wait()
	close(wins)
	n := 0
	for ok := range wins {
		if ok {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d consumers won, want exactly 1", n)
	}
	got, _ = s.GetFlowTokenByHash(ctx, "hash-1")
	if got.ConsumedAt == nil || !got.ConsumedAt.Equal(now) {
		t.Fatalf("consumed_at %v, want %v", got.ConsumedAt, now)
	}

	// An expired token is never consumed.
	old := store.FlowToken{KeyHash: "hash-2", FlowUUID: f.UUID, Plan: []byte(`{}`), Expires: now.Add(-time.Minute)}
	check(t, s.CreateFlowToken(ctx, &old), "create expired")
	if ok, err := s.ConsumeFlowToken(ctx, old.ID, now); err != nil || ok {
		t.Fatalf("expired token consumed: %v %v", ok, err)
	}
	n64, err := s.DeleteExpiredFlowTokens(ctx, now)
	check(t, err, "delete expired")
	if n64 != 1 {
		t.Fatalf("deleted %d expired tokens, want 1", n64)
	}

	// Deleting the flow deletes its tokens.
	check(t, s.DeleteFlow(ctx, f.UUID), "delete flow")
	if _, err := s.GetFlowTokenByHash(ctx, "hash-1"); !isNotFound(err) {
		t.Fatalf("token outlived its flow: %v", err)
	}
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
