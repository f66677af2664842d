package server

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/usher-id/usher/internal/httpx"
)

// RequestIDHeader carries the request ID in both directions.
const RequestIDHeader = "X-Request-Id"

// requestContext resolves the request ID, client IP and TLS flag.
func (s *Server) requestContext(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !saneRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		ip, secure := clientAddr(r, s.opts.TrustedProxies)
		next.ServeHTTP(w, r.WithContext(httpx.WithRequest(r.Context(), id, ip, secure)))
	})
}

// saneRequestID accepts IDs a proxy might send (UUIDs, hex, base64url) and
// nothing that could forge log lines.
func saneRequestID(id string) bool {
	if len(id) < 8 || len(id) > 128 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_.:", c)) {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// clientAddr returns the client's address and whether it used TLS. Only
// when the connection comes from a trusted proxy are X-Forwarded-For (read
// right to left, skipping further trusted proxies) and X-Forwarded-Proto
// believed.
func clientAddr(r *http.Request, trusted []netip.Prefix) (string, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	remote, err := netip.ParseAddr(host)
	if err != nil || !isTrusted(remote.Unmap(), trusted) {
		return host, r.TLS != nil
	}
	client := remote.Unmap()
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a garbled hop: stop at the last address we could trust
		}
		client = a.Unmap()
		if !isTrusted(client, trusted) {
			break
		}
	}
	secure := r.TLS != nil
	if p := r.Header.Get("X-Forwarded-Proto"); p != "" {
		proto, _, _ := strings.Cut(p, ",")
		secure = strings.EqualFold(strings.TrimSpace(proto), "https")
	}
	return client.String(), secure
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
