package auth

import "runtime"

// hashSlots bounds the password hashes computed at once to the number of
// CPUs. A hash keeps a core busy for its whole run, so running more at once
// finishes none sooner; it only multiplies memory (argon2id's default takes
// 19 MiB per hash: 16 enrollments at once peaked above 300 MiB) and makes
// them fight over the CPU caches. Waiting callers queue in arrival order.
var hashSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))

// withHashSlot runs fn while holding a slot.
func withHashSlot[T any](fn func() T) T {
	hashSlots <- struct{}{}
	defer func() {
		<-hashSlots
		hashDone()
	}()
	return fn()
}
