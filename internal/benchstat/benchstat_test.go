package benchstat

import (
	"os"
	"slices"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		var d []time.Duration
		for _, x := range v {
			d = append(d, time.Duration(x)*time.Millisecond)
		}
		return d
	}
	for _, c := range []struct {
		name string
		d    []time.Duration
		p    int
		want time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"p50 of unsorted", ms(5, 1, 4, 2, 3), 50, 3 * time.Millisecond},
		{"p99 rounds down", ms(5, 1, 4, 2, 3), 99, 4 * time.Millisecond},
		{"p100 is the largest", ms(5, 1, 4, 2, 3), 100, 5 * time.Millisecond},
		{"p0 is the smallest", ms(5, 1, 4, 2, 3), 0, time.Millisecond},
	} {
		in := slices.Clone(c.d)
		if got := Percentile(c.d, c.p); got != c.want {
			t.Errorf("%s: Percentile(%v, %d) = %v, want %v", c.name, c.d, c.p, got, c.want)
		}
		if !slices.Equal(in, c.d) {
			t.Errorf("%s: input reordered to %v", c.name, c.d)
		}
	}
}

func TestProcStatusMiB(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		if got := ProcStatusMiB("VmRSS"); got != 0 {
			t.Errorf("without /proc: %v, want 0", got)
		}
		return
	}
	if rss := ProcStatusMiB("VmRSS"); rss <= 0 || rss > 1<<20 {
		t.Errorf("VmRSS = %v MiB", rss)
	}
	if got := ProcStatusMiB("NoSuchKey"); got != 0 {
		t.Errorf("unknown key = %v, want 0", got)
	}
}
