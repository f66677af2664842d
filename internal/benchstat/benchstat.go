// Package benchstat holds the figures `usher bench` and the Go benchmarks
// both report: latency percentiles and the process's memory.
package benchstat

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Percentile returns the p-th percentile (0-100) of d, nearest rank
// rounded down; 0 for no samples. d is not reordered.
func Percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}

// ProcStatusMiB reads a kB figure (VmRSS, VmHWM) from /proc/self/status
// in MiB; 0 where there is no /proc.
func ProcStatusMiB(key string) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
