package blueprint

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Values while resolving tags are JSON-like: nil, bool, int64, float64,
// string, []any and *omap. omap keeps key order, because !Enumerate over a
// mapping iterates in file order as authentik (Python dicts) does.
type omap struct {
	keys []string
	m    map[string]any
}

func newOmap(n int) *omap { return &omap{keys: make([]string, 0, n), m: make(map[string]any, n)} }

func (o *omap) set(k string, v any) {
	if _, ok := o.m[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.m[k] = v
}

func (o *omap) get(k string) (any, bool) {
	v, ok := o.m[k]
	return v, ok
}

func (o *omap) len() int { return len(o.keys) }

// fromPlain converts a Go value from outside (instance context, JSON,
// serializer output) into a resolver value; map keys are sorted.
func fromPlain(v any) any {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		o := newOmap(len(keys))
		for _, k := range keys {
			o.set(k, fromPlain(t[k]))
		}
		return o
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = fromPlain(x)
		}
		return out
	case []string:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = x
		}
		return out
	case int:
		return int64(t)
	case int32:
		return int64(t)
	case float32:
		return float64(t)
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		f, _ := t.Float64()
		return f
	}
	return v
}

// toPlain converts a resolved value into what resource kinds receive: the
// shape encoding/json produces for the same data (numbers as float64), so a
// blueprint entry is validated exactly like an API request body.
func toPlain(v any) any {
	switch t := v.(type) {
	case *omap:
		out := make(map[string]any, t.len())
		for _, k := range t.keys {
			out[k] = toPlain(t.m[k])
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = toPlain(x)
		}
		return out
	case int64:
		return float64(t)
	}
	return v
}

// truthy is Python's bool(): None, False, 0, "" and empty containers are false.
func truthy(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case int64:
		return t != 0
	case float64:
		return t != 0
	case string:
		return t != ""
	case []any:
		return len(t) > 0
	case *omap:
		return t.len() > 0
	}
	return true
}

// pyStr renders v as Python's str() would (for !Format and error messages).
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return pyRepr(v)
}

// pyRepr renders v as Python's repr().
func pyRepr(v any) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case bool:
		if t {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return pyFloat(t)
	case string:
		return "'" + strings.ReplaceAll(strings.ReplaceAll(t, `\`, `\\`), "'", `\'`) + "'"
	case []any:
		parts := make([]string, len(t))
		for i, x := range t {
			parts[i] = pyRepr(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *omap:
		parts := make([]string, 0, t.len())
		for _, k := range t.keys {
			parts = append(parts, pyRepr(k)+": "+pyRepr(t.m[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e16 {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	// Python writes 1e+20 where Go writes 1e+20 too, but 1e-05 vs 1e-05: same.
	return s
}

// typeName is Python's type name, for error messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	case *omap:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}

// deepMerge merges src into dst as Python's deepmerge always_merger does:
// mappings merge recursively, lists are appended, anything else is replaced.
// It returns the merged value (dst may be modified).
func deepMerge(dst, src any) any {
	switch s := src.(type) {
	case *omap:
		d, ok := dst.(*omap)
		if !ok {
			return clone(src)
		}
		for _, k := range s.keys {
			if cur, exists := d.m[k]; exists {
				d.set(k, deepMerge(cur, s.m[k]))
			} else {
				d.set(k, clone(s.m[k]))
			}
		}
		return d
	case []any:
		d, ok := dst.([]any)
		if !ok {
			return clone(src)
		}
		return append(append([]any{}, d...), clone(s).([]any)...)
	}
	return src
}

// clone copies containers so a resolved value can be changed without
// touching the parsed blueprint.
func clone(v any) any {
	switch t := v.(type) {
	case *omap:
		o := newOmap(t.len())
		for _, k := range t.keys {
			o.set(k, clone(t.m[k]))
		}
		return o
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = clone(x)
		}
		return out
	}
	return v
}
