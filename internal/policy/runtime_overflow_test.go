package policy

import (
	"math"
	"testing"
	"time"
)

// A binding timeout so large that seconds-to-duration would wrap must not
// become a negative (instantly expiring) run time: the engine cap applies.
func TestRunTimeHugeBindingTimeout(t *testing.T) {
	e := &Engine{MaxRunTime: 1500 * time.Millisecond}
	for bt, want := range map[int]time.Duration{1: time.Second, 2: 1500 * time.Millisecond,
		math.MaxInt64/int(time.Second) + 1: 1500 * time.Millisecond, math.MaxInt32: 1500 * time.Millisecond, math.MaxInt64: 1500 * time.Millisecond} {
		if got := e.runTime(bt); got != want {
			t.Errorf("runTime(%d) = %v, want %v", bt, got, want)
		}
	}
}
