package resource

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// finder implements Model.Find: "pk" OR the AND of the other identifiers,
// compared with the serialized row (dict values match by "contains").
type finder[T any] struct {
	// byPK gets the row by its primary key as given.
	byPK func(c *Ctx, pk any) (T, error)
	// unique gets the row by a unique field, which is then the only
	// candidate (no full listing).
	unique map[string]func(c *Ctx, v string) (T, error)
	// candidates narrows the listing for the identifiers (default: List).
	candidates func(c *Ctx, ids map[string]any) ([]T, error)
}

func (f finder[T]) find(c *Ctx, m *Model[T], ids map[string]any) (T, error) {
	var none T
	if len(ids) == 0 {
		return none, NewValidationError("identifiers", "No or invalid identifiers")
	}
	keys := make([]string, 0, len(ids))
	for k := range ids {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != "pk" && !contains(m.Fields, k) {
			return none, NewValidationError(k, fmt.Sprintf("Invalid identifier field: %s (%s has fields: %s)", k, m.Name, strings.Join(m.Fields, ", ")))
		}
	}
	if pk, ok := ids["pk"]; ok && pk != nil {
		row, err := f.byPK(c, pk)
		if err == nil {
			return row, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return none, err
		}
	}
	rest := map[string]any{}
	for k, v := range ids {
		if k != "pk" {
			rest[k] = v
		}
	}
	if len(rest) == 0 {
		return none, store.ErrNotFound
	}
	var list []T
	var err error
	for _, k := range keys {
		get, ok := f.unique[k]
		if !ok {
			continue
		}
		s, isStr := asString(rest[k])
		if !isStr {
			return none, store.ErrNotFound
		}
		row, err := get(c, s)
		if err != nil {
			return none, err
		}
		list = []T{row}
		break
	}
	if list == nil {
		if f.candidates != nil {
			list, err = f.candidates(c, rest)
		} else {
			list, err = m.list(c)
		}
		if err != nil {
			return none, err
		}
	}
	for _, row := range list {
		ser, err := m.serialize(c, row)
		if err != nil {
			return none, err
		}
		if Matches(rest, ser) {
			return row, nil
		}
	}
	return none, store.ErrNotFound
}

// Matches reports whether every key of want matches got's value: mappings
// by "contains" (recursively), everything else by normalized value, so
// 10 matches "10" and a UUID matches its form without dashes. Inside a
// mapping, lists match by containment too (every wanted element is in
// the list, in any order), as PostgreSQL's jsonb @> does for the
// attributes__contains lookups authentik's blueprint importer makes.
func Matches(want, got map[string]any) bool { return matches(want, got, false) }

func matches(want, got map[string]any, inDict bool) bool {
	for k, w := range want {
		g, ok := got[k]
		if !ok || !matchValue(w, g, inDict) {
			return false
		}
	}
	return true
}

func matchValue(want, got any, inDict bool) bool {
	if wm, ok := asDict(want); ok {
		gm, ok := asDict(got)
		return ok && matches(wm, gm, true)
	}
	if wl, ok := want.([]any); ok {
		gl, ok := toList(got)
		if !ok {
			return false
		}
		if inDict {
			for _, w := range wl {
				if !slices.ContainsFunc(gl, func(g any) bool { return matchValue(w, g, true) }) {
					return false
				}
			}
			return true
		}
		if len(wl) != len(gl) {
			return false
		}
		for i := range wl {
			if !matchValue(wl[i], gl[i], false) {
				return false
			}
		}
		return true
	}
	if want == nil || got == nil {
		return want == nil && got == nil
	}
	return normScalar(want) == normScalar(got)
}

func toList(v any) ([]any, bool) {
	switch t := v.(type) {
	case []any:
		return t, true
	case []string:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out, true
	case []int64:
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

func normScalar(v any) string {
	switch t := v.(type) {
	case time.Time:
		return t.UTC().Format(time.RFC3339Nano)
	case bool:
		if t {
			return "true"
		}
		return "false"
	case string:
		if id, ok := NormUUID(t); ok {
			return id
		}
		if tt, err := time.Parse(time.RFC3339Nano, t); err == nil {
			return tt.UTC().Format(time.RFC3339Nano)
		}
		return t
	}
	if s, ok := asString(v); ok {
		return s
	}
	return fmt.Sprint(v)
}

// uuidPK turns a pk identifier into a UUID lookup; anything that is not a
// UUID finds nothing.
func uuidPK[T any](get func(c *Ctx, id string) (T, error)) func(c *Ctx, pk any) (T, error) {
	return func(c *Ctx, pk any) (T, error) {
		var none T
		s, ok := pk.(string)
		if !ok {
			return none, store.ErrNotFound
		}
		id, ok := NormUUID(s)
		if !ok {
			return none, store.ErrNotFound
		}
		return get(c, id)
	}
}
