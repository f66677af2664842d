package auth

import (
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// Memory policy for password hashing. Each argon2id hash allocates its
// whole memory cost (19 MiB by default) and drops it a few milliseconds
// later; with Go's default pacing (GOGC=100) the heap of a small server
// doubles with one hash, so nearly every hash ends in a collection: 12%
// of the CPU went to the collector under enrollment load, and the hashes
// reached only 67-73% of what the cores allow. TuneMemory lets the heap
// grow further between collections (GOGC=400) while a memory limit keeps
// the total bounded: room for the hashes that can run at once (hashSlots)
// three times over, plus a base for everything else. When no hash has run
// for a few seconds the freed memory goes back to the OS, so an idle server
// does not keep a burst's (or the bootstrap hash's) pages.

const (
	gcPercent      = 400
	memoryBase     = 32 << 20
	idleRelease    = 5 * time.Second
	minTunedMemory = 4 << 20 // below this hashes do not drive the collector
)

// MemoryPolicy describes what TuneMemory did, for the start-up log.
type MemoryPolicy struct {
	Tuned       bool
	GCPercent   int
	MemoryLimit int64  // bytes
	Reason      string // why the runtime's defaults were kept
}

func (m MemoryPolicy) String() string {
	if !m.Tuned {
		return "runtime defaults (" + m.Reason + ")"
	}
	return fmt.Sprintf("GOGC=%d, memory limit %d MiB", m.GCPercent, m.MemoryLimit>>20)
}

// TuneMemory sets the collector for the hash cost of p, unless the
// operator chose GOGC or GOMEMLIMIT, and returns memory to the OS after
// hashing stops. serve and the in-process bench call it once at start.
func TuneMemory(p *Passwords) MemoryPolicy {
	releaseAfterHashes.Store(true)
	if os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return MemoryPolicy{Reason: "GOGC or GOMEMLIMIT is set"}
	}
	per := p.hashMemory()
	if per < minTunedMemory {
		return MemoryPolicy{Reason: "the password hash uses little memory"}
	}
	limit := int64(memoryBase) + 3*int64(cap(hashSlots))*per
	debug.SetGCPercent(gcPercent)
	debug.SetMemoryLimit(limit)
	return MemoryPolicy{Tuned: true, GCPercent: gcPercent, MemoryLimit: limit}
}

// hashMemory is the memory one hash allocates, in bytes.
func (p *Passwords) hashMemory() int64 {
	if p.scheme != "argon2id" {
		return 0
	}
	return int64(p.memory) << 10
}

// ReleaseMemory returns freed memory to the OS now (after start-up, whose
// bootstrap hash would otherwise stay resident until the runtime's slow
// background scavenger got to it).
func ReleaseMemory() { debug.FreeOSMemory() }

var (
	releaseAfterHashes atomic.Bool // set by TuneMemory: tests keep the defaults
	releaseMu          sync.Mutex
	releaseTimer       *time.Timer
)

// hashDone arms (or pushes back) the release of freed memory to the OS
// for when no hash has run for idleRelease.
func hashDone() {
	if !releaseAfterHashes.Load() {
		return
	}
	releaseMu.Lock()
	defer releaseMu.Unlock()
	if releaseTimer == nil {
		releaseTimer = time.AfterFunc(idleRelease, debug.FreeOSMemory)
		return
	}
	releaseTimer.Reset(idleRelease)
}
