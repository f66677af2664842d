package flow

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/usher-id/usher/internal/store"
)

// The flow configuration (flows, stage bindings, stages, prompts, policies,
// policy bindings, brands) is read on every request but changes rarely, so
// the executor keeps it across requests in a snapshot tagged with the
// database's config version (store.ConfigVersion, raised by triggers on
// every write to those tables, whichever instance or tool writes). Each
// request reads the version first, one indexed single-row query, and uses
// the snapshot only when its tag matches; otherwise it starts an empty one
// for the new version, filled as the request reads. So an edit made on any
// instance applies to the next request everywhere, exactly as without the
// cache. The snapshot is read only after the version, so what it holds is
// never older than its tag.
//
// Users, group membership, invitations, sessions and rate limits are per
// person and never kept: those reads always reach the database, as do
// transactions (Tx) and every write.

// maxSnapshotEntries bounds a snapshot; reads past it go to the database.
// The keys come from the configuration itself (flow slugs are cached only
// when the flow exists), so real deployments stay far below it.
const maxSnapshotEntries = 10000

// configCache holds the latest snapshot. The zero value works; a nil
// *configCache keeps reads for one request only.
type configCache struct {
	mu   sync.Mutex
	snap *snapshot
}

// view returns st as one request sees it: configuration reads served from
// the snapshot for the database's current config version.
// known is the version when the request read it already (with its session
// row, auth.Session.ConfigVersion); ok false reads it here.
func (c *configCache) view(ctx context.Context, st store.Store, known int64, ok bool) (*configView, error) {
	v := known
	if !ok {
		var err error
		if v, err = st.ConfigVersion(ctx); err != nil {
			return nil, err
		}
	}
	if c == nil {
		return &configView{Store: st, snap: newSnapshot(v)}, nil
	}
	c.mu.Lock()
	s := c.snap
	// Replace on any difference, not only a newer version: a request that
	// read an older version just before an edit leaves an old snapshot
	// behind for at most one request, and a restored database whose
	// counter went back is not served from the future.
	if s == nil || s.version != v {
		s = newSnapshot(v)
		c.snap = s
	}
	c.mu.Unlock()
	return &configView{Store: st, snap: s}, nil
}

// snapshot is the configuration at one version, filled lazily. Values are
// stored once and handed out as copies, so no caller can change them.
type snapshot struct {
	version int64

	mu             sync.RWMutex
	entries        int
	flowsBySlug    map[string]store.Flow
	flows          map[string]read[store.Flow]
	bindings       map[string][]store.FlowStageBinding
	stages         map[string]read[store.Stage]
	prompts        map[string]read[store.Prompt]
	policies       map[string]read[store.Policy]
	policyBindings map[string][]store.PolicyBinding
	brands         []store.Brand
	brandsLoaded   bool
}

// read is a kept outcome: a value, or "not found" (err).
type read[T any] struct {
	v   T
	err error
}

func newSnapshot(v int64) *snapshot {
	return &snapshot{version: v, flowsBySlug: map[string]store.Flow{}, flows: map[string]read[store.Flow]{},
		bindings: map[string][]store.FlowStageBinding{}, stages: map[string]read[store.Stage]{},
		prompts: map[string]read[store.Prompt]{}, policies: map[string]read[store.Policy]{},
		policyBindings: map[string][]store.PolicyBinding{}}
}

// keep reports whether a read's outcome may be reused: a value or "not
// found", never a passing failure such as a timeout.
func keep(err error) bool { return err == nil || errors.Is(err, store.ErrNotFound) }

// lookup and put guard a snapshot map.
func lookup[K comparable, V any](s *snapshot, m map[K]V, k K) (V, bool) {
	s.mu.RLock()
	v, ok := m[k]
	s.mu.RUnlock()
	return v, ok
}

func put[K comparable, V any](s *snapshot, m map[K]V, k K, v V) {
	s.mu.Lock()
	if _, dup := m[k]; !dup && s.entries < maxSnapshotEntries {
		m[k] = v
		s.entries++
	}
	s.mu.Unlock()
}

// configView is a request's store: the snapshot for configuration reads,
// the database for everything else.
type configView struct {
	store.Store
	snap *snapshot
}

func (c *configView) GetFlowBySlug(ctx context.Context, slug string) (store.Flow, error) {
	if f, ok := lookup(c.snap, c.snap.flowsBySlug, slug); ok {
		return f, nil
	}
	f, err := c.Store.GetFlowBySlug(ctx, slug)
	if err == nil { // unknown slugs come from URLs: not kept
		put(c.snap, c.snap.flowsBySlug, slug, f)
	}
	return f, err
}

func (c *configView) GetFlow(ctx context.Context, uuid string) (store.Flow, error) {
	if r, ok := lookup(c.snap, c.snap.flows, uuid); ok {
		return r.v, r.err
	}
	f, err := c.Store.GetFlow(ctx, uuid)
	if keep(err) {
		put(c.snap, c.snap.flows, uuid, read[store.Flow]{f, err})
	}
	return f, err
}

// ListBindings keeps one flow's bindings; "" (every binding, for admin
// use) always reads the database.
func (c *configView) ListBindings(ctx context.Context, flowUUID string) ([]store.FlowStageBinding, error) {
	if flowUUID == "" {
		return c.Store.ListBindings(ctx, flowUUID)
	}
	if list, ok := lookup(c.snap, c.snap.bindings, flowUUID); ok {
		return slices.Clone(list), nil
	}
	list, err := c.Store.ListBindings(ctx, flowUUID)
	if err != nil {
		return nil, err
	}
	put(c.snap, c.snap.bindings, flowUUID, slices.Clone(list))
	return list, nil
}

func (c *configView) GetStage(ctx context.Context, uuid string) (store.Stage, error) {
	if r, ok := lookup(c.snap, c.snap.stages, uuid); ok {
		return r.v.Clone(), r.err
	}
	st, err := c.Store.GetStage(ctx, uuid)
	if keep(err) {
		put(c.snap, c.snap.stages, uuid, read[store.Stage]{st.Clone(), err})
	}
	return st, err
}

func (c *configView) GetPrompt(ctx context.Context, uuid string) (store.Prompt, error) {
	if r, ok := lookup(c.snap, c.snap.prompts, uuid); ok {
		return r.v, r.err
	}
	p, err := c.Store.GetPrompt(ctx, uuid)
	if keep(err) {
		put(c.snap, c.snap.prompts, uuid, read[store.Prompt]{p, err})
	}
	return p, err
}

func (c *configView) GetPolicy(ctx context.Context, uuid string) (store.Policy, error) {
	if r, ok := lookup(c.snap, c.snap.policies, uuid); ok {
		return r.v, r.err
	}
	p, err := c.Store.GetPolicy(ctx, uuid)
	if keep(err) {
		put(c.snap, c.snap.policies, uuid, read[store.Policy]{p, err})
	}
	return p, err
}

// ListPolicyBindings keeps one target's bindings; "" always reads the
// database.
func (c *configView) ListPolicyBindings(ctx context.Context, target string) ([]store.PolicyBinding, error) {
	if target == "" {
		return c.Store.ListPolicyBindings(ctx, target)
	}
	if list, ok := lookup(c.snap, c.snap.policyBindings, target); ok {
		return clonePolicyBindings(list), nil
	}
	list, err := c.Store.ListPolicyBindings(ctx, target)
	if err != nil {
		return nil, err
	}
	put(c.snap, c.snap.policyBindings, target, clonePolicyBindings(list))
	return list, nil
}

func (c *configView) ListBrands(ctx context.Context) ([]store.Brand, error) {
	s := c.snap
	s.mu.RLock()
	list, ok := s.brands, s.brandsLoaded
	s.mu.RUnlock()
	if ok {
		return cloneBrands(list), nil
	}
	list, err := c.Store.ListBrands(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if !s.brandsLoaded {
		s.brands, s.brandsLoaded = cloneBrands(list), true
	}
	s.mu.Unlock()
	return list, nil
}

func clonePolicyBindings(list []store.PolicyBinding) []store.PolicyBinding {
	out := make([]store.PolicyBinding, len(list))
	for i, b := range list {
		out[i] = b.Clone()
	}
	return out
}

func cloneBrands(list []store.Brand) []store.Brand {
	out := make([]store.Brand, len(list))
	for i, b := range list {
		out[i] = b.Clone()
	}
	return out
}
