package flow

import (
	"context"
	"errors"
	"sync"

	"github.com/usher-id/usher/internal/store"
)

// requestStore is the store as one executor request sees it: the flow
// configuration the planner and the stages ask for repeatedly (a stage, the
// policy bindings of a target) is read once and kept until the
// request ends. Opening an invitation link, for example, reads the
// invitation stage and its binding's policies both while planning and while
// running the stage. Nothing outlives the request, so an administrator's
// edit applies to the next request on every instance; users, invitations
// and sessions are never kept. Transactions (Tx) see the database directly.
type requestStore struct {
	store.Store

	mu             sync.Mutex // policies may evaluate concurrently
	stages         map[string]stageRead
	policyBindings map[string][]store.PolicyBinding
}

type stageRead struct {
	s   store.Stage
	err error
}

func newRequestStore(st store.Store) *requestStore {
	return &requestStore{Store: st}
}

// keep reports whether a read's outcome may be reused: a value or "not
// found", never a passing failure such as a timeout.
func keep(err error) bool { return err == nil || errors.Is(err, store.ErrNotFound) }

func (s *requestStore) GetStage(ctx context.Context, uuid string) (store.Stage, error) {
	s.mu.Lock()
	r, ok := s.stages[uuid]
	s.mu.Unlock()
	if ok {
		return r.s, r.err
	}
	st, err := s.Store.GetStage(ctx, uuid)
	if keep(err) {
		s.mu.Lock()
		if s.stages == nil {
			s.stages = map[string]stageRead{}
		}
		s.stages[uuid] = stageRead{st, err}
		s.mu.Unlock()
	}
	return st, err
}

func (s *requestStore) ListPolicyBindings(ctx context.Context, target string) ([]store.PolicyBinding, error) {
	if target == "" {
		return s.Store.ListPolicyBindings(ctx, target)
	}
	s.mu.Lock()
	list, ok := s.policyBindings[target]
	s.mu.Unlock()
	if ok {
		return append([]store.PolicyBinding(nil), list...), nil
	}
	list, err := s.Store.ListPolicyBindings(ctx, target)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.policyBindings == nil {
		s.policyBindings = map[string][]store.PolicyBinding{}
	}
	s.policyBindings[target] = list
	s.mu.Unlock()
	return append([]store.PolicyBinding(nil), list...), nil
}
