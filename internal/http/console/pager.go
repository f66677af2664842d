package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// pager is a server-side page of a list, keeping the list's search and sort
// in its links.
type pager struct {
	Base   string
	Query  url.Values
	Page   int
	Size   int
	Count  int
	Search string
	Sort   string
}

const pageSize = 20

func newPager(r *http.Request, base string, sorts []string, defSort string) *pager {
	q := r.URL.Query()
	p := &pager{Base: base, Query: url.Values{}, Size: pageSize, Page: 1}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		p.Page = n
	}
	p.Search = strings.TrimSpace(q.Get("search"))
	if p.Search != "" {
		p.Query.Set("search", p.Search)
	}
	p.Sort = defSort
	for _, s := range sorts {
		if o := q.Get("ordering"); o == s || o == "-"+s {
			p.Sort = o
			p.Query.Set("ordering", o)
		}
	}
	return p
}

func (p *pager) Offset() int { return (p.Page - 1) * p.Size }

func (p *pager) Pages() int {
	if p.Count == 0 {
		return 1
	}
	return (p.Count + p.Size - 1) / p.Size
}

func (p *pager) Start() int {
	if p.Count == 0 {
		return 0
	}
	return p.Offset() + 1
}

func (p *pager) End() int { return min(p.Offset()+p.Size, p.Count) }

func (p *pager) PrevURL() string {
	if p.Page <= 1 {
		return ""
	}
	return withQuery(p.Base, p.Query, "page", strconv.Itoa(p.Page-1))
}

func (p *pager) NextURL() string {
	if p.Page >= p.Pages() {
		return ""
	}
	return withQuery(p.Base, p.Query, "page", strconv.Itoa(p.Page+1))
}

// SortURL toggles between ascending and descending on field; SortMark shows
// the current direction.
func (p *pager) SortURL(field string) string {
	next := field
	if p.Sort == field {
		next = "-" + field
	}
	return withQuery(p.Base, p.Query, "ordering", next, "page", "")
}

func (p *pager) SortMark(field string) string {
	switch p.Sort {
	case field:
		return "▲"
	case "-" + field:
		return "▼"
	}
	return ""
}

// searchedList is the page data of a list filtered in memory (not paged):
// its rows and a pager that only carries the search box.
type searchedList[T any] struct {
	Rows  []T
	Pager *pager
}

// listSearch is the ?search= of a list filtered in memory, in lower case.
func listSearch(r *http.Request) string {
	return strings.ToLower(strings.TrimSpace(r.URL.Query().Get("search")))
}

// matches reports whether a row with these fields passes search: a
// case-insensitive substring of the fields joined by spaces ("" passes all).
func matches(search string, fields ...string) bool {
	return search == "" || strings.Contains(strings.ToLower(strings.Join(fields, " ")), search)
}
