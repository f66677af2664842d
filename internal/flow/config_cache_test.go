package flow

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// fakeConfig is a database with one flow, counting the reads that reach it.
type fakeConfig struct {
	store.Store // nil: other methods are not called
	version     int64
	versionErr  error
	stageErr    error
	reads       map[string]int
	title       string
}

func newFakeConfig() *fakeConfig {
	return &fakeConfig{version: 1, reads: map[string]int{}, title: "Welcome"}
}

func (f *fakeConfig) ConfigVersion(context.Context) (int64, error) { return f.version, f.versionErr }

func (f *fakeConfig) GetFlowBySlug(_ context.Context, slug string) (store.Flow, error) {
	f.reads["flow:"+slug]++
	if slug != "enroll" {
		return store.Flow{}, store.ErrNotFound
	}
	return store.Flow{UUID: "f1", Slug: slug, Title: f.title}, nil
}

func (f *fakeConfig) GetFlow(_ context.Context, uuid string) (store.Flow, error) {
	f.reads["flow-uuid:"+uuid]++
	return store.Flow{UUID: uuid, Slug: "enroll", Title: f.title}, nil
}

func (f *fakeConfig) ListBindings(_ context.Context, flow string) ([]store.FlowStageBinding, error) {
	f.reads["bindings:"+flow]++
	return []store.FlowStageBinding{{UUID: "b1", Target: flow, Stage: "s1", Order: 10}}, nil
}

func (f *fakeConfig) GetStage(_ context.Context, uuid string) (store.Stage, error) {
	f.reads["stage:"+uuid]++
	if f.stageErr != nil {
		return store.Stage{}, f.stageErr
	}
	if uuid == "gone" {
		return store.Stage{}, store.ErrNotFound
	}
	s, _ := store.NewStage(store.StagePrompt, "stage "+uuid)
	s.UUID, s.Prompt.Fields = uuid, []string{"p1", "p2"}
	return s, nil
}

func (f *fakeConfig) GetPrompt(_ context.Context, uuid string) (store.Prompt, error) {
	f.reads["prompt:"+uuid]++
	return store.Prompt{UUID: uuid, Label: "Username"}, nil
}

func (f *fakeConfig) GetPolicy(_ context.Context, uuid string) (store.Policy, error) {
	f.reads["policy:"+uuid]++
	return store.Policy{UUID: uuid, Expression: "return True"}, nil
}

func (f *fakeConfig) ListPolicyBindings(_ context.Context, target string) ([]store.PolicyBinding, error) {
	f.reads["policy-bindings:"+target]++
	p := "pol1"
	return []store.PolicyBinding{{UUID: "pb1", Target: target, Policy: &p, Enabled: true}}, nil
}

func (f *fakeConfig) ListBrands(context.Context) ([]store.Brand, error) {
	f.reads["brands"]++
	app := "app1"
	return []store.Brand{{UUID: "br1", Default: true, BrandingTitle: "Acme", DefaultApplication: &app,
		Attributes: map[string]any{"settings": map[string]any{"theme": "dark"}, "list": []any{"a"}}}}, nil
}

// readAll reads everything the cache keeps once through one request's view.
func readAll(t *testing.T, c *configCache, db *fakeConfig) *configView {
	t.Helper()
	v, err := c.view(context.Background(), db, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = v.GetFlowBySlug(ctx, "enroll")
	must(err)
	_, err = v.GetFlow(ctx, "f1")
	must(err)
	_, err = v.ListBindings(ctx, "f1")
	must(err)
	_, err = v.GetStage(ctx, "s1")
	must(err)
	_, err = v.GetPrompt(ctx, "p1")
	must(err)
	_, err = v.GetPolicy(ctx, "pol1")
	must(err)
	_, err = v.ListPolicyBindings(ctx, "f1")
	must(err)
	_, err = v.ListBrands(ctx)
	must(err)
	return v
}

var cachedReads = []string{"flow:enroll", "flow-uuid:f1", "bindings:f1", "stage:s1", "prompt:p1", "policy:pol1",
	"policy-bindings:f1", "brands"}

func TestConfigCacheAcrossRequests(t *testing.T) {
	ctx := context.Background()
	db := newFakeConfig()
	c := &configCache{}

	// Three requests at one version: each read reaches the database once.
	for range 3 {
		readAll(t, c, db)
	}
	for _, k := range cachedReads {
		if db.reads[k] != 1 {
			t.Errorf("%s reached the database %d times over 3 requests at one version, want 1", k, db.reads[k])
		}
	}

	// A configuration write anywhere raises the version: the next request
	// reads everything again and sees the change.
	db.version, db.title = 2, "Edited"
	v := readAll(t, c, db)
	for _, k := range cachedReads {
		if db.reads[k] != 2 {
			t.Errorf("%s reached the database %d times after a version change, want 2", k, db.reads[k])
		}
	}
	if f, _ := v.GetFlowBySlug(ctx, "enroll"); f.Title != "Edited" {
		t.Errorf("title after the edit = %q", f.Title)
	}

	// A version that goes back (a restored database) is not served from the
	// newer snapshot.
	db.version = 1
	readAll(t, c, db)
	if db.reads["flow:enroll"] != 3 {
		t.Errorf("after the version went back, flow read %d times, want 3", db.reads["flow:enroll"])
	}

	// Admin listings ("" = all) are never kept.
	v.ListBindings(ctx, "")
	v.ListBindings(ctx, "")
	v.ListPolicyBindings(ctx, "")
	v.ListPolicyBindings(ctx, "")
	if db.reads["bindings:"] != 2 || db.reads["policy-bindings:"] != 2 {
		t.Errorf("listing all reached the database %d and %d times, want 2 each", db.reads["bindings:"], db.reads["policy-bindings:"])
	}
}

func TestConfigCacheKeepsOnlyDefiniteAnswers(t *testing.T) {
	ctx := context.Background()
	db := newFakeConfig()
	c := &configCache{}
	for range 3 {
		v, err := c.view(ctx, db, 0, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.GetStage(ctx, "gone"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetStage(gone) = %v, want ErrNotFound", err)
		}
		if _, err := v.GetFlowBySlug(ctx, "no-such-flow"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetFlowBySlug(no-such-flow) = %v, want ErrNotFound", err)
		}
	}
	// A deleted stage named by a running plan is remembered; a slug from a
	// URL that names no flow is not (or random URLs would fill memory).
	if db.reads["stage:gone"] != 1 || db.reads["flow:no-such-flow"] != 3 {
		t.Errorf("reads: stage:gone %d (want 1), flow:no-such-flow %d (want 3)", db.reads["stage:gone"], db.reads["flow:no-such-flow"])
	}

	// A failure other than "not found" is not kept: the next read retries.
	db.stageErr = errors.New("database is down")
	v, _ := c.view(ctx, db, 0, false)
	v.GetStage(ctx, "s9")
	v.GetStage(ctx, "s9")
	if db.reads["stage:s9"] != 2 {
		t.Errorf("a failed read was kept: %d reads, want 2", db.reads["stage:s9"])
	}

	// No version, no request: the error is the request's.
	db.versionErr = errors.New("database is down")
	if _, err := c.view(ctx, db, 0, false); err == nil {
		t.Error("view without a version succeeded")
	}
}

func TestConfigCacheBounded(t *testing.T) {
	ctx := context.Background()
	db := newFakeConfig()
	v, _ := (&configCache{}).view(ctx, db, 0, false)
	for i := range maxSnapshotEntries + 10 {
		v.GetPolicy(ctx, "p"+strconv.Itoa(i))
	}
	if v.snap.entries != maxSnapshotEntries {
		t.Errorf("snapshot holds %d entries, want the bound %d", v.snap.entries, maxSnapshotEntries)
	}
}

// A nil cache (an Executor built without NewExecutor) keeps reads for one
// request only.
func TestConfigCacheNil(t *testing.T) {
	db := newFakeConfig()
	var c *configCache
	v := readAll(t, c, db)
	v.GetStage(context.Background(), "s1")
	readAll(t, c, db)
	if db.reads["stage:s1"] != 2 {
		t.Errorf("stage read %d times over two requests without a cache, want 2", db.reads["stage:s1"])
	}
}

// Whatever a caller does to a value it got, the next request gets the
// value as the database holds it.
func TestConfigCacheNotChangedByCallers(t *testing.T) {
	ctx := context.Background()
	db := newFakeConfig()
	c := &configCache{}
	fresh := readAll(t, c, db) // fills the snapshot
	// What the database holds, read from a copy of it (a value read from
	// the cache could share what the callers below change).
	uncached, _ := (*configCache)(nil).view(ctx, newFakeConfig(), 0, false)
	want := snapshotValues(t, uncached)

	// Every way a caller could reach into a returned value, on both the
	// read that filled the snapshot (a miss) and a later one (a hit).
	for range 2 {
		v, _ := c.view(ctx, db, 0, false)
		f, _ := v.GetFlowBySlug(ctx, "enroll")
		f.Title = "changed"
		bs, _ := v.ListBindings(ctx, "f1")
		bs[0].Stage = "changed"
		_ = append(bs[:0], store.FlowStageBinding{UUID: "changed"})
		st, _ := v.GetStage(ctx, "s1")
		st.Prompt.Fields[0] = "changed"
		st.Prompt.Fields = append(st.Prompt.Fields, "added")
		st.Name = "changed"
		pbs, _ := v.ListPolicyBindings(ctx, "f1")
		*pbs[0].Policy = "changed"
		pbs[0].Enabled = false
		brands, _ := v.ListBrands(ctx)
		brands[0].Attributes["settings"].(map[string]any)["theme"] = "changed"
		brands[0].Attributes["list"].([]any)[0] = "changed"
		*brands[0].DefaultApplication = "changed"
		brands[0].BrandingTitle = "changed"
	}
	if got := snapshotValues(t, fresh); !reflect.DeepEqual(got, want) {
		t.Errorf("callers changed the cached configuration:\n got %+v\nwant %+v", got, want)
	}
	for _, k := range cachedReads {
		if db.reads[k] != 1 {
			t.Errorf("%s read %d times: the values did not come from the cache, so this test proves nothing", k, db.reads[k])
		}
	}
}

// snapshotValues reads the cached values through v.
func snapshotValues(t *testing.T, v *configView) []any {
	t.Helper()
	ctx := context.Background()
	f, _ := v.GetFlowBySlug(ctx, "enroll")
	bs, _ := v.ListBindings(ctx, "f1")
	st, _ := v.GetStage(ctx, "s1")
	pbs, _ := v.ListPolicyBindings(ctx, "f1")
	brands, _ := v.ListBrands(ctx)
	return []any{f, bs, st, pbs, brands}
}
