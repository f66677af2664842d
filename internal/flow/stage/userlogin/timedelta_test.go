package userlogin

import (
	"testing"
	"time"
)

func TestParseTimedelta(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"seconds=0", 0},
		{"hours=2", 2 * time.Hour},
		{"days=1;hours=1", 25 * time.Hour},
		{"weeks=1", 7 * 24 * time.Hour},
		{"minutes=1.5", 90 * time.Second},
		{"fortnights=3;seconds=5", 5 * time.Second},
		{"garbage", 0},
		// Past time.Duration's range: bounded, not wrapped around.
		{"weeks=100000", MaxTimedelta},
		{"days=999999999;hours=1", MaxTimedelta},
		{"days=-999999999", -MaxTimedelta},
		{"days=NaN;hours=1", time.Hour},
		{"", 0},
	}
	for _, c := range cases {
		if got := ParseTimedelta(c.in); got != c.want {
			t.Errorf("ParseTimedelta(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
