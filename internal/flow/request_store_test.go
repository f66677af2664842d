package flow

import (
	"context"
	"errors"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// countingStore counts the reads the request store may keep.
type countingStore struct {
	store.Store // nil: other methods are not called
	stages      map[string]int
	bindings    map[string]int
	stageErr    error
}

func (c *countingStore) GetStage(_ context.Context, uuid string) (store.Stage, error) {
	c.stages[uuid]++
	if c.stageErr != nil {
		return store.Stage{}, c.stageErr
	}
	if uuid == "gone" {
		return store.Stage{}, store.ErrNotFound
	}
	return store.Stage{UUID: uuid, Name: "stage " + uuid}, nil
}

func (c *countingStore) ListPolicyBindings(_ context.Context, target string) ([]store.PolicyBinding, error) {
	c.bindings[target]++
	return []store.PolicyBinding{{UUID: "b1", Target: target}, {UUID: "b2", Target: target}}, nil
}

func TestRequestStoreKeepsConfigurationForOneRequest(t *testing.T) {
	ctx := context.Background()
	under := &countingStore{stages: map[string]int{}, bindings: map[string]int{}}
	rs := newRequestStore(under)

	for range 3 {
		if s, err := rs.GetStage(ctx, "s1"); err != nil || s.Name != "stage s1" {
			t.Fatalf("GetStage = %+v, %v", s, err)
		}
		if _, err := rs.GetStage(ctx, "gone"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetStage(gone) = %v, want ErrNotFound", err)
		}
		list, err := rs.ListPolicyBindings(ctx, "t1")
		if err != nil || len(list) != 2 {
			t.Fatalf("ListPolicyBindings = %v, %v", list, err)
		}
		list[0].UUID = "changed by the caller" // must not leak into the next read
	}
	if under.stages["s1"] != 1 || under.stages["gone"] != 1 || under.bindings["t1"] != 1 {
		t.Errorf("reads reaching the database: stages %v, bindings %v; want each once", under.stages, under.bindings)
	}
	if list, _ := rs.ListPolicyBindings(ctx, "t1"); list[0].UUID != "b1" {
		t.Errorf("a caller's change to a returned list leaked: %v", list)
	}
	// "" lists every binding (admin use): never kept.
	rs.ListPolicyBindings(ctx, "")
	rs.ListPolicyBindings(ctx, "")
	if under.bindings[""] != 2 {
		t.Errorf("ListPolicyBindings(\"\") reached the database %d times, want 2", under.bindings[""])
	}

	// A failure other than "not found" is not kept: the next read retries.
	failing := &countingStore{stages: map[string]int{}, bindings: map[string]int{}, stageErr: errors.New("database is down")}
	rs = newRequestStore(failing)
	rs.GetStage(ctx, "s1")
	rs.GetStage(ctx, "s1")
	if failing.stages["s1"] != 2 {
		t.Errorf("a failed read was kept: %d reads, want 2", failing.stages["s1"])
	}

	// Every request starts empty.
	newRequestStore(under).GetStage(ctx, "s1")
	if under.stages["s1"] != 2 {
		t.Errorf("a new request reused the last one's reads: %d reads, want 2", under.stages["s1"])
	}
}
