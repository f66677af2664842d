// Package httpx holds small request-scoped helpers every HTTP area shares:
// the request ID and client address the server middleware resolves, and
// JSON responses.
package httpx

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyClientIP
	keySecure
)

// WithRequest returns ctx carrying the request ID, the client address (after
// trusted-proxy handling) and whether the original request was over TLS.
func WithRequest(ctx context.Context, requestID, clientIP string, secure bool) context.Context {
	ctx = context.WithValue(ctx, keyRequestID, requestID)
	ctx = context.WithValue(ctx, keyClientIP, clientIP)
	return context.WithValue(ctx, keySecure, secure)
}

// RequestID returns the request's ID ("" outside a request).
func RequestID(ctx context.Context) string {
	s, _ := ctx.Value(keyRequestID).(string)
	return s
}

// ClientIP returns the client's address as resolved by the server
// middleware, falling back to the connection's remote address.
func ClientIP(r *http.Request) string {
	if s, ok := r.Context().Value(keyClientIP).(string); ok && s != "" {
		return s
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Secure reports whether the client reached usher over TLS (directly or
// through a trusted proxy).
func Secure(r *http.Request) bool {
	if b, ok := r.Context().Value(keySecure).(bool); ok {
		return b
	}
	return r.TLS != nil
}

// BaseURL is the scheme and host the client used, for absolute links.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if Secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// JSON writes v as a JSON response with status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// Detail writes authentik's error body {"detail": msg}.
func Detail(w http.ResponseWriter, status int, msg string) {
	JSON(w, status, map[string]string{"detail": msg})
}
