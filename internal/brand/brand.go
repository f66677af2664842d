// Package brand picks the brand (title, logo, default flows) for a request
// by its Host, as authentik does: the longest exact or ".suffix" domain
// match wins, else the brand marked default, else usher's built-in brand.
package brand

import (
	"context"
	"net"
	"net/http"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

// Builtin is used when no brand row matches and none is marked default.
var Builtin = store.Brand{Domain: "", Default: true, BrandingTitle: "usher"}

// ForRequest returns the brand for r's Host.
func ForRequest(ctx context.Context, q store.Queries, r *http.Request) (store.Brand, error) {
	return ForHost(ctx, q, r.Host)
}

// ForHost returns the brand for host (a port is ignored).
func ForHost(ctx context.Context, q store.Queries, host string) (store.Brand, error) {
	brands, err := q.ListBrands(ctx)
	if err != nil {
		return store.Brand{}, err
	}
	return Match(brands, host), nil
}

// Match picks among brands for host without touching the database.
func Match(brands []store.Brand, host string) store.Brand {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	best, bestLen := -1, -1
	def := -1
	for i, b := range brands {
		if b.Default && def < 0 {
			def = i
		}
		d := strings.ToLower(strings.TrimPrefix(b.Domain, "."))
		if d == "" {
			continue
		}
		if host == d || strings.HasSuffix(host, "."+d) {
			if len(d) > bestLen {
				best, bestLen = i, len(d)
			}
		}
	}
	switch {
	case best >= 0:
		return brands[best]
	case def >= 0:
		return brands[def]
	}
	return Builtin
}

// Title is the brand's display title, never empty.
func Title(b store.Brand) string {
	if b.BrandingTitle != "" {
		return b.BrandingTitle
	}
	return Builtin.BrandingTitle
}
