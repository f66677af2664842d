package server

import (
	"bufio"
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// latencyBuckets are the histogram's upper bounds in seconds.
var latencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

type seriesKey struct{ route, class string }

type series struct {
	count   uint64
	sum     float64
	buckets []uint64 // cumulative counts per latencyBuckets bound
}

// Metrics collects request figures and renders them, with database pool
// and Go runtime gauges, in the Prometheus text format (version 0.0.4).
type Metrics struct {
	store   store.Store
	version string
	start   time.Time

	mu     sync.Mutex
	series map[seriesKey]*series
}

// NewMetrics returns an empty registry; st may be nil (no pool gauges).
func NewMetrics(st store.Store, version string) *Metrics {
	return &Metrics{store: st, version: version, start: time.Now(), series: map[seriesKey]*series{}}
}

// observe records one request. Requests no route matched share the route
// label "unmatched" so scanners cannot grow the series without bound.
func (m *Metrics) observe(pattern string, status int, d time.Duration) {
	if pattern == "" {
		pattern = "unmatched"
	}
	k := seriesKey{pattern, strconv.Itoa(status/100) + "xx"}
	sec := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.series[k]
	if s == nil {
		s = &series{buckets: make([]uint64, len(latencyBuckets))}
		m.series[k] = s
	}
	s.count++
	s.sum += sec
	for i, b := range latencyBuckets {
		if sec <= b {
			s.buckets[i]++
		}
	}
}

// ServeHTTP writes the metrics.
func (m *Metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	bw := bufio.NewWriter(w)
	m.write(bw)
	_ = bw.Flush()
}

func (m *Metrics) write(w *bufio.Writer) {
	m.mu.Lock()
	keys := make([]seriesKey, 0, len(m.series))
	snap := make(map[seriesKey]series, len(m.series))
	for k, s := range m.series {
		keys = append(keys, k)
		snap[k] = series{count: s.count, sum: s.sum, buckets: append([]uint64(nil), s.buckets...)}
	}
	m.mu.Unlock()
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].class < keys[j].class
	})

	header(w, "usher_http_requests_total", "counter", "HTTP requests served, by route pattern and status class.")
	for _, k := range keys {
		fmt.Fprintf(w, "usher_http_requests_total{route=%s,code=%q} %d\n", label(k.route), k.class, snap[k].count)
	}
	header(w, "usher_http_request_duration_seconds", "histogram", "HTTP request latency, by route pattern and status class.")
	for _, k := range keys {
		s := snap[k]
		lbl := fmt.Sprintf("route=%s,code=%q", label(k.route), k.class)
		for i, b := range latencyBuckets {
			fmt.Fprintf(w, "usher_http_request_duration_seconds_bucket{%s,le=%q} %d\n", lbl, strconv.FormatFloat(b, 'g', -1, 64), s.buckets[i])
		}
		fmt.Fprintf(w, "usher_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", lbl, s.count)
		fmt.Fprintf(w, "usher_http_request_duration_seconds_sum{%s} %s\n", lbl, strconv.FormatFloat(s.sum, 'g', -1, 64))
		fmt.Fprintf(w, "usher_http_request_duration_seconds_count{%s} %d\n", lbl, s.count)
	}

	if m.store != nil {
		st := m.store.Stats()
		gauge(w, "usher_db_connections_open", "Open database connections.", int64(st.OpenConnections))
		gauge(w, "usher_db_connections_in_use", "Database connections in use.", int64(st.InUse))
		gauge(w, "usher_db_connections_idle", "Idle database connections.", int64(st.Idle))
		header(w, "usher_db_connection_waits_total", "counter", "Times a request waited for a database connection.")
		fmt.Fprintf(w, "usher_db_connection_waits_total %d\n", st.WaitCount)
	}

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gauge(w, "go_goroutines", "Number of goroutines.", int64(runtime.NumGoroutine()))
	gauge(w, "go_memstats_heap_alloc_bytes", "Heap bytes allocated and in use.", int64(ms.HeapAlloc))
	gauge(w, "go_memstats_sys_bytes", "Bytes obtained from the system.", int64(ms.Sys))
	header(w, "go_gc_cycles_total", "counter", "Completed garbage collection cycles.")
	fmt.Fprintf(w, "go_gc_cycles_total %d\n", ms.NumGC)
	header(w, "go_memstats_mallocs_total", "counter", "Heap objects allocated.")
	fmt.Fprintf(w, "go_memstats_mallocs_total %d\n", ms.Mallocs)
	header(w, "go_memstats_alloc_bytes_total", "counter", "Heap bytes allocated.")
	fmt.Fprintf(w, "go_memstats_alloc_bytes_total %d\n", ms.TotalAlloc)
	writeProcess(w)
	header(w, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch.")
	fmt.Fprintf(w, "process_start_time_seconds %d\n", m.start.Unix())
	header(w, "usher_build_info", "gauge", "Build information.")
	fmt.Fprintf(w, "usher_build_info{version=%s,goversion=%s} 1\n", label(m.version), label(runtime.Version()))
}

func header(w *bufio.Writer, name, typ, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func gauge(w *bufio.Writer, name, help string, v int64) {
	header(w, name, "gauge", help)
	fmt.Fprintf(w, "%s %d\n", name, v)
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// label quotes a label value as the exposition format requires.
func label(v string) string { return `"` + labelEscaper.Replace(v) + `"` }
