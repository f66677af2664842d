package auth

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestTuneMemory(t *testing.T) {
	gc := debug.SetGCPercent(100)
	limit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(gc)
		debug.SetMemoryLimit(limit)
		releaseAfterHashes.Store(false)
	})
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	def, _ := ParsePasswordHash("")
	m := TuneMemory(def)
	want := int64(memoryBase) + 3*int64(cap(hashSlots))*19456*1024
	if !m.Tuned || m.MemoryLimit != want || debug.SetMemoryLimit(-1) != want {
		t.Errorf("default argon2id: %+v (runtime limit %d), want a limit of %d", m, debug.SetMemoryLimit(-1), want)
	}
	if got := debug.SetGCPercent(gcPercent); got != gcPercent {
		t.Errorf("GOGC is %d, want %d", got, gcPercent)
	}

	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	bc, _ := ParsePasswordHash("bcrypt:cost=4")
	if m := TuneMemory(bc); m.Tuned || debug.SetGCPercent(100) != 100 {
		t.Errorf("bcrypt: %+v; the runtime's defaults should stay", m)
	}
	t.Setenv("GOGC", "200")
	if m := TuneMemory(def); m.Tuned || debug.SetGCPercent(100) != 100 {
		t.Errorf("with GOGC set: %+v; the operator's choice should stay", m)
	}
}
