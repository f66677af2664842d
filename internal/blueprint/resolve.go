package blueprint

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// Limits on resolving tags.
const (
	// maxSteps bounds the values resolved while applying one blueprint, so
	// nested !Enumerate over large inputs fails with a message instead of
	// running for minutes.
	maxSteps = 1_000_000
	// maxTagDepth bounds tags resolving tags (a !Context value that refers
	// to itself, an !Enumerate inside its own body through !Context).
	maxTagDepth = 64
	// maxFileTagBytes bounds what !File reads.
	maxFileTagBytes = 1 << 20
)

// tagError is a tag that failed to resolve; the importer adds the entry.
type tagError struct {
	at  position
	msg string
}

func (e *tagError) Error() string { return fmt.Sprintf("%s (%s)", e.msg, e.at) }

func tagErr(t tag, format string, args ...any) error {
	return &tagError{at: t.pos(), msg: fmt.Sprintf(format, args...)}
}

// failedDependency is a !KeyOf of an entry that failed earlier in the
// same apply: the entry using it is not tried, and the import reports the
// failed entry's error rather than a second one caused by it.
type failedDependency struct {
	index int
	id    string
}

func (d *failedDependency) Error() string {
	return fmt.Sprintf("not applied: it uses entry %d (id `%s`), which failed", d.index, d.id)
}

// resolver holds what tags see while one blueprint is applied.
type resolver struct {
	ctx     context.Context
	rc      *resource.Ctx
	context *omap          // merged context; values may be tags
	saved   map[string]any // entry id -> pk of the first saved entry with it
	failed  map[string]int // entry id -> index of an entry with it that failed
	model   string         // model of the entry being resolved
	dir     string         // base for relative !File paths
	warn    func(event string, attrs map[string]any)
	enums   []*enumFrame
	depth   int
	steps   int

	// trusted allows !Env and !File (see trust.go); dataDir and
	// blueprintsDir bound what !File reads.
	trusted                bool
	dataDir, blueprintsDir string
}

type enumFrame struct {
	tag      *enumerateTag
	has      bool
	key, val any
}

// value resolves every tag inside v and returns a new value.
func (r *resolver) value(v any) (any, error) {
	r.steps++
	if r.steps > maxSteps {
		return nil, errors.New("the blueprint expands to too many values while resolving tags; check for deeply nested or recursive !Enumerate")
	}
	switch t := v.(type) {
	case tag:
		r.depth++
		defer func() { r.depth-- }()
		if r.depth > maxTagDepth {
			return nil, tagErr(t, "tags are nested more than %d deep; check for a !Context or !Enumerate that refers to itself", maxTagDepth)
		}
		if err := r.ctx.Err(); err != nil {
			return nil, err
		}
		return t.resolve(r)
	case *omap:
		o := newOmap(t.len())
		for _, k := range t.keys {
			val, err := r.value(t.m[k])
			if err != nil {
				return nil, err
			}
			o.set(k, val)
		}
		return o, nil
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			val, err := r.value(x)
			if err != nil {
				return nil, err
			}
			out[i] = val
		}
		return out, nil
	}
	return v, nil
}

func (r *resolver) str(t tag, v any, what string) (string, error) {
	val, err := r.value(v)
	if err != nil {
		return "", err
	}
	s, ok := val.(string)
	if !ok {
		return "", tagErr(t, "%s must be a string, not %s", what, typeName(val))
	}
	return s, nil
}

func (t *keyOfTag) resolve(r *resolver) (any, error) {
	pk, ok := r.saved[t.id]
	if idx, failed := r.failed[t.id]; !ok && failed {
		return nil, &failedDependency{index: idx, id: t.id}
	}
	if !ok {
		return nil, tagErr(t, "KeyOf: failed to find entry with `id` of `%s` and a model instance", t.id)
	}
	return pk, nil
}

func (t *envTag) resolve(r *resolver) (any, error) {
	if !r.trusted {
		return nil, untrustedTag(t, "!Env")
	}
	name, err := r.str(t, t.name, "Env: the variable name")
	if err != nil {
		return nil, err
	}
	// An empty variable counts as unset (Python's `value or default`).
	if v := os.Getenv(name); v != "" {
		return v, nil
	}
	return r.value(t.def)
}

func (t *fileTag) resolve(r *resolver) (any, error) {
	if !r.trusted {
		return nil, untrustedTag(t, "!File")
	}
	path, err := r.str(t, t.path, "File: the path")
	if err != nil {
		return nil, err
	}
	real, err := r.fileTagPath(path)
	var protected *protectedPathError
	if errors.As(err, &protected) {
		return nil, tagErr(t, "%s", protected.Error())
	}
	if !filepath.IsAbs(path) && r.dir != "" {
		path = filepath.Join(r.dir, path)
	}
	var data []byte
	if err == nil {
		data, err = readLimited(real, maxFileTagBytes)
	}
	if err != nil {
		if r.warn != nil {
			r.warn("Failed to read file. Falling back to default value", map[string]any{"path": path, "error": err.Error()})
		}
		return r.value(t.def)
	}
	return strings.TrimSpace(string(data)), nil
}

// overLimitError is a file with more bytes than allowed; size is what was
// read (limit+1), since reading stops there.
type overLimitError struct{ size, limit int64 }

func (e *overLimitError) Error() string { return fmt.Sprintf("file is larger than %d bytes", e.limit) }

// readLimited reads path, reading no more than limit+1 bytes of it.
func readLimited(path string, limit int64) ([]byte, error) {
	if err := store.CheckNotDatabaseFile(path); err != nil {
		return nil, fmt.Errorf("%s %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &overLimitError{size: int64(len(data)), limit: limit}
	}
	return data, nil
}

func (t *contextTag) resolve(r *resolver) (any, error) {
	k, err := r.value(t.key)
	if err != nil {
		return nil, err
	}
	key := pyStr(k)
	v := t.def
	if r.context != nil {
		if cv, ok := r.context.get(key); ok {
			v = cv
		}
	}
	return r.value(v)
}

func (t *parseJSONTag) resolve(r *resolver) (any, error) {
	v, err := parseJSONOrdered(t.raw)
	if err != nil {
		return nil, tagErr(t, "ParseJSON: %v", err)
	}
	return v, nil
}

func (t *formatTag) resolve(r *resolver) (any, error) {
	f, err := r.str(t, t.format, "Format: the format")
	if err != nil {
		return nil, err
	}
	args := make([]any, len(t.args))
	for i, a := range t.args {
		if args[i], err = r.value(a); err != nil {
			return nil, err
		}
	}
	s, err := pyFormat(f, args)
	if err != nil {
		return nil, tagErr(t, "Format: %v", err)
	}
	return s, nil
}

func (t *findTag) resolve(r *resolver) (any, error) {
	name := "Find"
	if t.object {
		name = "FindObject"
	}
	model, err := r.str(t, t.model, name+": the model")
	if err != nil {
		return nil, err
	}
	kind, ok := resource.Lookup(model)
	if !ok {
		return nil, tagErr(t, "%s: unknown model %q (usher does not have this model)", name, model)
	}
	if r.rc == nil || r.rc.Q == nil {
		return nil, tagErr(t, "%s: no database to search", name)
	}
	ids := map[string]any{}
	for _, c := range t.conds {
		k, err := r.value(c[0])
		if err != nil {
			return nil, err
		}
		v, err := r.value(c[1])
		if err != nil {
			return nil, err
		}
		ids[pyStr(k)] = toPlain(v)
	}
	obj, err := findAll(r.rc, kind, ids)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil // !Find yields null, not an error
	}
	if err != nil {
		return nil, tagErr(t, "%s %s: %v", name, model, err)
	}
	if !t.object {
		return fromPlain(kind.PK(obj)), nil
	}
	data, err := kind.Serialize(r.rc, obj)
	if err != nil {
		return nil, tagErr(t, "%s %s: %v", name, model, err)
	}
	return fromPlain(data), nil
}

// findAll returns the object matching every key (AND). Kind.Find ORs a pk
// with the rest, so with both the pk match is checked against the rest.
func findAll(rc *resource.Ctx, kind *resource.Kind, ids map[string]any) (resource.Object, error) {
	pk, hasPK := ids["pk"]
	if !hasPK || len(ids) == 1 {
		return kind.Find(rc, ids)
	}
	obj, err := kind.Find(rc, map[string]any{"pk": pk})
	if err != nil {
		return nil, err
	}
	data, err := kind.Serialize(rc, obj)
	if err != nil {
		return nil, err
	}
	norm := toPlain(fromPlain(data)).(map[string]any)
	for k, v := range ids {
		if k == "pk" {
			continue
		}
		if !reflect.DeepEqual(norm[k], toPlain(fromPlain(v))) {
			return nil, store.ErrNotFound
		}
	}
	return obj, nil
}

var conditionModes = map[string]func([]bool) bool{
	"AND": func(b []bool) bool { return all(b) },
	"NAND": func(b []bool) bool {
		return !all(b)
	},
	"OR":   func(b []bool) bool { return anyOf(b) },
	"NOR":  func(b []bool) bool { return !anyOf(b) },
	"XOR":  xor,
	"XNOR": func(b []bool) bool { return !xor(b) },
}

func all(b []bool) bool {
	for _, x := range b {
		if !x {
			return false
		}
	}
	return true
}

func anyOf(b []bool) bool {
	for _, x := range b {
		if x {
			return true
		}
	}
	return false
}

// xor is true for an odd number of true values.
func xor(b []bool) bool {
	n := 0
	for _, x := range b {
		if x {
			n++
		}
	}
	return n%2 == 1
}

func (t *conditionTag) resolve(r *resolver) (any, error) {
	mode, err := r.str(t, t.mode, "Condition: the mode")
	if err != nil {
		return nil, err
	}
	fn, ok := conditionModes[strings.ToUpper(mode)]
	if !ok {
		return nil, tagErr(t, "Condition: invalid mode %q (use AND, NAND, OR, NOR, XOR or XNOR)", mode)
	}
	if len(t.args) == 0 {
		return nil, tagErr(t, "At least one value is required after mode selection.")
	}
	vals := make([]bool, len(t.args))
	for i, a := range t.args {
		v, err := r.value(a)
		if err != nil {
			return nil, err
		}
		vals[i] = truthy(v)
	}
	return fn(vals), nil
}

func (t *ifTag) resolve(r *resolver) (any, error) {
	c, err := r.value(t.cond)
	if err != nil {
		return nil, err
	}
	if truthy(c) {
		return r.value(t.then)
	}
	return r.value(t.els)
}

func (t *enumerateTag) resolve(r *resolver) (any, error) {
	if it, ok := t.iterable.(*itemTag); ok && it.depth == 0 {
		return nil, tagErr(t, "Enumerate tag's iterable references this tag's context. This is a noop. Check you are setting depth bigger than 0.")
	}
	if len(r.enums) >= maxEnumerateNesting {
		return nil, tagErr(t, "!Enumerate is nested more than %d deep; check for an !Enumerate that refers to itself", maxEnumerateNesting)
	}
	frame := &enumFrame{tag: t}
	r.enums = append(r.enums, frame)
	defer func() { r.enums = r.enums[:len(r.enums)-1] }()

	iterable, err := r.value(t.iterable)
	if err != nil {
		return nil, err
	}
	var keys, vals []any
	switch it := iterable.(type) {
	case *omap:
		for _, k := range it.keys {
			keys, vals = append(keys, k), append(vals, it.m[k])
		}
	case []any:
		for i, v := range it {
			keys, vals = append(keys, int64(i)), append(vals, v)
		}
	case string:
		i := 0
		for _, ch := range it {
			keys, vals = append(keys, int64(i)), append(vals, string(ch))
			i++
		}
	default:
		return nil, tagErr(t, "Enumerate's iterable must be an iterable such as a sequence or a mapping")
	}
	var seq []any
	out := newOmap(0)
	for i := range keys {
		frame.has, frame.key, frame.val = true, keys[i], vals[i]
		body, err := r.value(t.body)
		if err != nil {
			return nil, err
		}
		if !t.mapOut {
			seq = append(seq, body)
			continue
		}
		switch b := body.(type) {
		case []any:
			if len(b) != 2 {
				return nil, tagErr(t, "Invalid Enumerate item found: %s", pyStr(body))
			}
			switch b[0].(type) {
			case *omap, []any:
				return nil, tagErr(t, "Invalid Enumerate item found: %s (a key must be a string or a number)", pyStr(body))
			}
			deepMerge(out, &omap{keys: []string{pyStr(b[0])}, m: map[string]any{pyStr(b[0]): b[1]}})
		case *omap:
			deepMerge(out, b)
		default:
			return nil, tagErr(t, "Invalid Enumerate item found: %s", pyStr(body))
		}
	}
	if t.mapOut {
		return out, nil
	}
	if seq == nil {
		seq = []any{}
	}
	return seq, nil
}

func (t *itemTag) resolve(r *resolver) (any, error) {
	name := "Index"
	if t.value {
		name = "Value"
	}
	if t.depth >= len(r.enums) {
		if t.depth == 0 || len(r.enums) == 0 {
			return nil, tagErr(t, "%s tags are only usable inside an Enumerate tag", name)
		}
		return nil, tagErr(t, "%s tag: invalid depth: %d. Max depth: %d", name, t.depth, len(r.enums)-1)
	}
	f := r.enums[len(r.enums)-1-t.depth]
	if !f.has {
		return nil, tagErr(t, "Enumerate tag's iterable references this tag's context. This is a noop. Check you are setting depth bigger than 0.")
	}
	if t.value {
		return clone(f.val), nil
	}
	return f.key, nil
}

func (t *atIndexTag) resolve(r *resolver) (any, error) {
	obj, err := r.value(t.obj)
	if err != nil {
		return nil, err
	}
	key, err := r.value(t.key)
	if err != nil {
		return nil, err
	}
	def, err := r.value(t.def)
	if err != nil {
		return nil, err
	}
	switch o := obj.(type) {
	case []any:
		i, ok := key.(int64)
		if !ok {
			return nil, tagErr(t, "Invalid index for list: %s", pyStr(key))
		}
		if i < 0 {
			i += int64(len(o))
		}
		if i < 0 || i >= int64(len(o)) {
			if def == nil {
				return nil, tagErr(t, "Index out of range: %s", pyStr(key))
			}
			return def, nil
		}
		return o[i], nil
	case *omap:
		if k, ok := key.(string); ok {
			if v, ok := o.get(k); ok {
				return v, nil
			}
		}
		if def == nil {
			return nil, tagErr(t, "Key does not exist: %s", pyStr(key))
		}
		return def, nil
	}
	return nil, tagErr(t, "AtIndex: the object must be a list or a mapping, not %s", typeName(obj))
}
