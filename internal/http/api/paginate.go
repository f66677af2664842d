package api

import (
	"net/http"
	"strconv"
)

// Page sizes (authentik's defaults).
const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// page is the requested page of a list.
type page struct{ Number, Size int }

// Offset is the index of the page's first row.
func (p page) Offset() int { return (p.Number - 1) * p.Size }

// pageOf reads ?page= and ?page_size=; a page that is not a positive number
// is answered with 404 "Invalid page." as DRF does.
func pageOf(r *http.Request) (page, bool) {
	p := page{Number: 1, Size: defaultPageSize}
	if s := r.URL.Query().Get("page_size"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			p.Size = min(n, maxPageSize)
		}
	}
	if s := r.URL.Query().Get("page"); s != "" && s != "last" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return p, false
		}
		p.Number = n
	}
	return p, true
}

// checkPage fixes "last" and refuses pages past the end (Django's
// paginator: an empty list still has page 1).
func checkPage(r *http.Request, p *page, count int) bool {
	total := max(1, (count+p.Size-1)/p.Size)
	if r.URL.Query().Get("page") == "last" {
		p.Number = total
	}
	return p.Number <= total
}

// envelope is authentik's paginated list body.
func envelope(p page, count int, results []any) map[string]any {
	total := max(1, (count+p.Size-1)/p.Size)
	next, prev, start, end := 0, 0, 0, 0
	if p.Number < total {
		next = p.Number + 1
	}
	if p.Number > 1 {
		prev = p.Number - 1
	}
	if count > 0 {
		start = p.Offset() + 1
		end = min(p.Number*p.Size, count)
	}
	if results == nil {
		results = []any{}
	}
	return map[string]any{
		"pagination": map[string]any{"next": next, "previous": prev, "count": count, "current": p.Number,
			"total_pages": total, "start_index": start, "end_index": end},
		"results": results, "autocomplete": map[string]any{},
	}
}
