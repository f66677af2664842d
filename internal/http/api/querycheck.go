package api

import (
	"net/http"
	"sort"

	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// checkRequestText fails when the URL's path or a
// query parameter (filters, search, ordering) is not text the stores can
// take: PostgreSQL refuses NUL and invalid UTF-8 in a text parameter, and
// SQLite's FTS5 refuses NUL in a search. Checking here, once for every
// endpoint, keeps such values from reaching either database. A path that
// holds one cannot name an object (404); a parameter gets a 400 naming it.
func checkRequestText(r *http.Request) error {
	if fieldrule.Text(r.URL.Path) != "" {
		return store.ErrNotFound
	}
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	errs := map[string][]string{}
	for _, k := range keys {
		if fieldrule.Text(k) != "" {
			errs["non_field_errors"] = []string{"A query parameter name is not valid text: " + fieldrule.MsgText}
			continue
		}
		for _, v := range q[k] {
			if fieldrule.Text(v) != "" {
				errs[k] = []string{"Query parameter " + k + ": " + fieldrule.MsgText}
				break
			}
		}
	}
	if len(errs) > 0 {
		return &resource.ValidationError{Fields: errs}
	}
	return nil
}
