package server

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// writeProcess adds the process's CPU time and memory under Prometheus'
// standard names, so `usher bench --url` (or any scraper) can divide the
// server's own CPU by the work it did.
func writeProcess(w *bufio.Writer) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		cpu := float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
		header(w, "process_cpu_seconds_total", "counter", "User and system CPU time spent, in seconds.")
		fmt.Fprintf(w, "process_cpu_seconds_total %s\n", strconv.FormatFloat(cpu, 'f', 6, 64))
	}
	if rss, ok := procStatusBytes("VmRSS"); ok {
		gauge(w, "process_resident_memory_bytes", "Resident memory size in bytes.", rss)
	}
	if hwm, ok := procStatusBytes("VmHWM"); ok {
		gauge(w, "process_resident_memory_max_bytes", "Peak resident memory size in bytes.", hwm)
	}
}

// procStatusBytes reads a kB figure of /proc/self/status; ok is false
// where there is no /proc.
func procStatusBytes(key string) (int64, bool) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				kb, err := strconv.ParseInt(f[0], 10, 64)
				return kb * 1024, err == nil
			}
		}
	}
	return 0, false
}
