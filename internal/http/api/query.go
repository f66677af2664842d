package api

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// filters maps query parameters to serialized fields of the same name.
func filters(names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = n
	}
	return m
}

// withAliases adds parameter -> field pairs (e.g. "flow_uuid", "pk").
func withAliases(m map[string]string, pairs ...string) map[string]string {
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = pairs[i+1]
	}
	return m
}

// field reads a possibly dotted path ("stage_obj.name") from a serialized
// object.
func field(obj map[string]any, path string) (any, bool) {
	var cur any = obj
	for _, part := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[part]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// text renders a scalar for comparison with a query parameter.
func text(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// filterExact keeps the objects whose fields match every given filter
// parameter, as django-filter does. A repeated parameter matches any of its
// values (target_in, type); a list field matches when it holds any of them
// (fields, validation_policies). A field path "isnull:<path>" takes a
// boolean and tests whether the field is null or an empty list
// (policy__isnull, no_flows). Booleans accept true/false/1/0; UUIDs match
// with or without dashes.
func filterExact(objs []map[string]any, q url.Values, fields map[string]string) []map[string]any {
	out := objs[:0:0]
next:
	for _, o := range objs {
		for param, path := range fields {
			want := nonEmpty(q[param])
			if len(want) == 0 {
				continue
			}
			if p, ok := strings.CutPrefix(path, "isnull:"); ok {
				got, _ := field(o, p)
				if !isNullFilter(want[0], isEmpty(got)) {
					continue next
				}
				continue
			}
			got, _ := field(o, path)
			if !matchAny(got, want) {
				continue next
			}
		}
		out = append(out, o)
	}
	return out
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// matchAny reports whether got (a scalar or a list) equals any of want.
func matchAny(got any, want []string) bool {
	items := []any{got}
	switch l := got.(type) {
	case []any:
		items = l
	case []string:
		items = make([]any, len(l))
		for i, s := range l {
			items[i] = s
		}
	case []int64:
		items = make([]any, len(l))
		for i, n := range l {
			items[i] = n
		}
	}
	for _, it := range items {
		for _, w := range want {
			if equalParam(it, w) {
				return true
			}
		}
	}
	return false
}

func isEmpty(v any) bool {
	switch l := v.(type) {
	case nil:
		return true
	case []any:
		return len(l) == 0
	case []string:
		return len(l) == 0
	case []int64:
		return len(l) == 0
	}
	return false
}

func equalParam(got any, want string) bool {
	switch g := got.(type) {
	case bool:
		switch strings.ToLower(want) {
		case "true", "1":
			return g
		case "false", "0":
			return !g
		}
		return false
	case string:
		if g == want {
			return true
		}
		return strings.ReplaceAll(g, "-", "") == strings.ToLower(strings.ReplaceAll(want, "-", "")) && len(g) == 36
	}
	return text(got) == want
}

// search keeps objects where any field contains term, case-insensitively.
func search(objs []map[string]any, term string, fields []string) []map[string]any {
	term = strings.ToLower(strings.TrimSpace(term))
	if term == "" || len(fields) == 0 {
		return objs
	}
	out := objs[:0:0]
	for _, o := range objs {
		for _, f := range fields {
			if v, ok := field(o, f); ok && strings.Contains(strings.ToLower(text(v)), term) {
				out = append(out, o)
				break
			}
		}
	}
	return out
}

// orderBy sorts by DRF's ?ordering= (comma list, "-" for descending);
// unknown fields are ignored, as DRF's OrderingFilter does.
func orderBy(objs []map[string]any, ordering, fallback string) {
	keys := parseOrdering(ordering, func(f string) bool {
		for _, o := range objs {
			_, ok := o[f]
			return ok
		}
		return true
	})
	if len(keys) == 0 {
		keys = parseOrdering(fallback, func(string) bool { return true })
	}
	sort.SliceStable(objs, func(i, j int) bool {
		for _, k := range keys {
			c := compare(objs[i][k.field], objs[j][k.field])
			if c != 0 {
				return (c < 0) != k.desc
			}
		}
		return false
	})
}

type orderKey struct {
	field string
	desc  bool
}

func parseOrdering(s string, known func(string) bool) []orderKey {
	var keys []orderKey
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		desc := strings.HasPrefix(part, "-")
		part = strings.TrimPrefix(part, "-")
		if part != "" && known(part) {
			keys = append(keys, orderKey{part, desc})
		}
	}
	return keys
}

// compare orders nil first, then numbers, times and text naturally.
func compare(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	if x, ok := number(a); ok {
		if y, ok := number(b); ok {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	}
	if x, ok := a.(bool); ok {
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0
			case !x:
				return -1
			}
			return 1
		}
	}
	sa, sb := text(a), text(b)
	if ta, err := time.Parse(time.RFC3339Nano, sa); err == nil {
		if tb, err := time.Parse(time.RFC3339Nano, sb); err == nil {
			return ta.Compare(tb)
		}
	}
	return strings.Compare(strings.ToLower(sa), strings.ToLower(sb))
}

func number(v any) (float64, bool) {
	switch t := v.(type) {
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case float64:
		return t, true
	}
	return 0, false
}
