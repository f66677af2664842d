package ratelimit

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/usher-id/usher/internal/httpx"
)

// Message is what a throttled client is told: "Too many attempts. Try
// again in N minutes."
func Message(retryAfter time.Duration) string {
	m := int(math.Ceil(retryAfter.Minutes()))
	if m < 1 {
		m = 1
	}
	unit := "minutes"
	if m == 1 {
		unit = "minute"
	}
	return fmt.Sprintf("Too many attempts. Try again in %d %s.", m, unit)
}

func setRetryAfter(w http.ResponseWriter, retryAfter time.Duration) {
	secs := int(math.Ceil(retryAfter.Seconds()))
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	w.Header().Set("Cache-Control", "no-store")
}

// WriteAPI answers an API client with 429, Retry-After and {"detail": ...}.
func WriteAPI(w http.ResponseWriter, retryAfter time.Duration) {
	setRetryAfter(w, retryAfter)
	httpx.Detail(w, http.StatusTooManyRequests, Message(retryAfter))
}

var page = template.Must(template.New("limited").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Too many attempts</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>Too many attempts</h1><p>{{.}}</p></main></body></html>
`))

// WritePage answers a browser with 429, Retry-After and a short page.
func WritePage(w http.ResponseWriter, retryAfter time.Duration) {
	setRetryAfter(w, retryAfter)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusTooManyRequests)
	_ = page.Execute(w, Message(retryAfter))
}
