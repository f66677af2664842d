package blueprint

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/store"
)

// LeaseName is the lease that makes one instance of usher the one that
// applies discovered blueprints.
const LeaseName = "blueprints"

// Watcher discovers the files in the blueprints directory, keeps a
// blueprint instance for each one that may be instantiated, and applies
// every enabled instance at start and whenever its content changes. It
// polls (no fsnotify) and works only while it holds the "blueprints"
// lease, so with several usher processes on one database exactly one applies.
type Watcher struct {
	App *app.App
	// Holder identifies this process for the lease.
	Holder string
	// Interval between polls; default 5s.
	Interval time.Duration

	mu sync.Mutex
	// failed remembers the content hash that last failed per instance, so a
	// broken file is reported once, not on every poll.
	failed map[string]string
}

// NewWatcher returns a watcher with a unique holder name.
func NewWatcher(a *app.App) *Watcher {
	host, _ := os.Hostname()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &Watcher{App: a, Holder: fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b)), Interval: 5 * time.Second}
}

func (w *Watcher) interval() time.Duration {
	if w.Interval > 0 {
		return w.Interval
	}
	return 5 * time.Second
}

// Run polls until ctx ends; the first pass runs at once.
func (w *Watcher) Run(ctx context.Context) {
	t := time.NewTicker(w.interval())
	defer t.Stop()
	for {
		if _, err := w.Sync(ctx); err != nil && ctx.Err() == nil && w.App.Log != nil {
			w.App.Log.ErrorContext(ctx, "blueprint discovery failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sync runs one pass if this process holds the lease and reports whether
// it did. Apply failures are recorded on the instances, not returned.
func (w *Watcher) Sync(ctx context.Context) (bool, error) {
	a := w.App
	ok, err := a.Store.TryLease(ctx, LeaseName, w.Holder, a.Clock(), 3*w.interval())
	if err != nil || !ok {
		return false, err
	}
	if err := w.discover(ctx); err != nil {
		return true, err
	}
	insts, err := a.Store.ListBlueprintInstances(ctx)
	if err != nil {
		return true, err
	}
	for i := range insts {
		if ctx.Err() != nil {
			return true, ctx.Err()
		}
		w.maybeApply(ctx, &insts[i])
	}
	return true, nil
}

// discover creates an instance for every file that has none.
func (w *Watcher) discover(ctx context.Context) error {
	a := w.App
	files, err := ListAvailable(a)
	if err != nil {
		return err
	}
	insts, err := a.Store.ListBlueprintInstances(ctx)
	if err != nil {
		return err
	}
	byPath := map[string]bool{}
	for _, inst := range insts {
		if inst.Path != "" {
			byPath[inst.Path] = true
		}
	}
	for _, f := range files {
		if !f.Instantiate || byPath[f.Path] {
			continue
		}
		inst := store.BlueprintInstance{Name: f.Path, Path: f.Path, Context: map[string]any{}, Status: StatusUnknown,
			Enabled: true, ManagedModels: []string{}, Metadata: map[string]any{}}
		if f.Meta != nil {
			if f.Meta.Name != "" {
				inst.Name = f.Meta.Name
			}
			inst.Metadata = map[string]any{"name": f.Meta.Name, "labels": labelsAny(f.Meta.Labels)}
		}
		if err := a.Store.CreateBlueprintInstance(ctx, &inst); err != nil {
			if errors.Is(err, store.ErrConflict) && a.Log != nil {
				a.Log.WarnContext(ctx, "blueprint not instantiated: another instance has its name", "path", f.Path, "name", inst.Name)
				continue
			}
			return err
		}
		if a.Log != nil {
			a.Log.InfoContext(ctx, "blueprint instance created", "path", f.Path, "name", inst.Name)
		}
	}
	return nil
}

func (w *Watcher) maybeApply(ctx context.Context, inst *store.BlueprintInstance) {
	a := w.App
	if !inst.Enabled {
		return
	}
	data, err := instanceContent(a, "", *inst)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			if inst.Status != StatusOrphaned {
				inst.Status = StatusOrphaned
				_ = a.Store.UpdateBlueprintInstance(ctx, inst)
			}
			return
		}
		data = nil
	}
	hash := ""
	if data != nil {
		hash = Hash(data)
		if hash == inst.LastAppliedHash && inst.Status == StatusSuccessful {
			return
		}
	}
	w.mu.Lock()
	if w.failed == nil {
		w.failed = map[string]string{}
	}
	seen := w.failed[inst.UUID] == hash && hash != ""
	w.mu.Unlock()
	if seen {
		return
	}
	_, err = ApplyInstance(ctx, a, inst)
	w.mu.Lock()
	if err != nil {
		w.failed[inst.UUID] = hash
	} else {
		delete(w.failed, inst.UUID)
	}
	w.mu.Unlock()
	if err != nil && a.Log != nil {
		a.Log.ErrorContext(ctx, "blueprint instance failed", "name", inst.Name, "path", inst.Path, "error", err.Error())
	}
}
