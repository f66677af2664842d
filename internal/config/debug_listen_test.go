package config

import (
	"strings"
	"testing"
)

// The profiler listener takes loopback addresses only; anything else is
// refused at start with a message that says why and what to use.
func TestDebugListenLoopbackOnly(t *testing.T) {
	for _, ok := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060", "127.0.0.2:0"} {
		c, err := Load([]string{"USHER_DEBUG_LISTEN=" + ok}, "")
		if err != nil || c.DebugListen != ok {
			t.Errorf("USHER_DEBUG_LISTEN=%s: %v, %q", ok, err, c.DebugListen)
		}
	}
	for _, bad := range []string{"0.0.0.0:6060", ":6060", "10.1.2.3:6060", "[::]:6060", "example.com:6060", "6060"} {
		_, err := Load([]string{"USHER_DEBUG_LISTEN=" + bad}, "")
		if err == nil || !strings.Contains(err.Error(), "USHER_DEBUG_LISTEN") {
			t.Errorf("USHER_DEBUG_LISTEN=%s accepted (%v)", bad, err)
			continue
		}
		if bad != "6060" && !strings.Contains(err.Error(), "loopback") {
			t.Errorf("USHER_DEBUG_LISTEN=%s: %v does not say why", bad, err)
		}
	}
	c, err := Load(nil, "")
	if err != nil || c.DebugListen != "" {
		t.Errorf("default: %v, %q; want off", err, c.DebugListen)
	}
}
