package bench

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/usher-id/usher/internal/auth"
)

// hashCost is what the password hash alone allows: the time of one hash on
// one core, and hashes per second with one worker per core.
type hashCost struct {
	single   time.Duration // mean time of one hash, one at a time
	cores    int
	parallel float64 // hashes/s measured with one worker per core
}

// limit is the enrollment rate hashing alone allows: cores ÷ hash time.
func (h hashCost) limit() float64 {
	if h.single <= 0 {
		return 0
	}
	return float64(h.cores) / h.single.Seconds()
}

// measureHash hashes one at a time for half of d (at least 3 hashes), then
// with GOMAXPROCS workers for the other half.
func measureHash(pw *auth.Passwords, d time.Duration) (hashCost, error) {
	h := hashCost{cores: runtime.GOMAXPROCS(0)}
	n := 0
	start := time.Now()
	for n < 3 || time.Since(start) < d/2 {
		if _, err := pw.Hash("bench-password"); err != nil {
			return h, err
		}
		n++
	}
	h.single = time.Since(start) / time.Duration(n)

	var count atomic.Int64
	var wg sync.WaitGroup
	start = time.Now()
	deadline := start.Add(d / 2)
	for range h.cores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if _, err := pw.Hash("bench-password"); err == nil {
					count.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	h.parallel = float64(count.Load()) / time.Since(start).Seconds()
	return h, nil
}
