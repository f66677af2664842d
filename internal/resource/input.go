package resource

import (
	"encoding/json"
	"fmt"
	"math"
	"net/mail"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/store"
)

// DRF's messages, quoted exactly: clients and blueprints show them as is.
const (
	msgRequired  = "This field is required."
	msgBlank     = "This field may not be blank."
	msgNull      = "This field may not be null."
	msgString    = "Not a valid string."
	msgBool      = "Must be a valid boolean."
	msgInt       = "A valid integer is required."
	msgDict      = "Value must be a dictionary, and not have any duplicate keys."
	msgSlug      = "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."
	msgEmail     = "Enter a valid email address."
	msgDatetime  = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
	msgEmptyList = "This list may not be empty."
)

var slugRE = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)

// input reads one Save's data the way a DRF serializer does: each getter
// marks its key as known, converts the JSON or YAML value, and records a
// field error instead of writing when the value is bad.
type input struct {
	c      *Ctx
	model  string
	data   map[string]any
	create bool
	v      ValidationError
	known  map[string]bool
}

func newInput(c *Ctx, model string, create bool, data map[string]any) *input {
	if data == nil {
		data = map[string]any{}
	}
	return &input{c: c, model: model, data: data, create: create, known: map[string]bool{}}
}

// get returns the value under key and marks the key as one the model has.
func (in *input) get(key string) (any, bool) {
	in.known[key] = true
	v, ok := in.data[key]
	return v, ok
}

// present reports whether key was given, recording "required" when it is
// missing and must be given (create, or a PUT).
func (in *input) present(key string, required bool) (any, bool) {
	v, ok := in.get(key)
	if !ok && required && (in.create || in.c.Full) {
		in.fail(key, msgRequired)
	}
	return v, ok
}

func (in *input) fail(key, msg string) { in.v.Add(key, msg) }

// taken records a unique-field message found by looking before writing.
// It carries store.ErrConflict like a violation the database reports, so
// a caller that lost a race (a blueprint applied by two instances at once)
// can tell it from bad input and start over.
func (in *input) taken(key, msg string) {
	in.fail(key, msg)
	if in.v.cause == nil {
		in.v.cause = store.ErrConflict
	}
}

// list is raw as a JSON list, recording DRF's message when it is not one.
func (in *input) list(key string, raw any) ([]any, bool) {
	list, ok := raw.([]any)
	if !ok {
		in.fail(key, fmt.Sprintf("Expected a list of items but got type %q.", pyType(raw)))
	}
	return list, ok
}

// ok reports whether no error has been recorded so far.
func (in *input) ok() bool { return in.v.Empty() }

// readOnly marks serializer fields that are accepted and ignored.
func (in *input) readOnly(keys ...string) {
	for _, k := range keys {
		in.known[k] = true
	}
}

// err returns the collected errors; in strict mode keys the model does not
// have are errors too.
func (in *input) err() error {
	if in.c.Strict {
		var fields []string
		for k := range in.known {
			fields = append(fields, k)
		}
		sort.Strings(fields)
		var unknown []string
		for k := range in.data {
			if !in.known[k] {
				unknown = append(unknown, k)
			}
		}
		sort.Strings(unknown)
		for _, k := range unknown {
			if in.c.Ignored != nil {
				in.c.Ignored(k, fmt.Sprintf("field %q ignored: %s has no such field (authentik ignores it too)", k, in.model))
				continue
			}
			in.fail(k, fmt.Sprintf("Unknown field: %s has no field %q. Valid fields: %s.", in.model, k, strings.Join(fields, ", ")))
		}
	}
	if in.v.Empty() {
		return nil
	}
	v := in.v
	return &v
}

type strOpt struct {
	required bool
	blank    bool // blank allowed
	max      int  // maximum length in characters; 0 = none
}

func (in *input) str(key string, dst *string, o strOpt) bool {
	raw, ok := in.present(key, o.required)
	if !ok {
		return false
	}
	s, good := asString(raw)
	switch {
	case raw == nil:
		in.fail(key, msgNull)
	case !good:
		in.fail(key, msgString)
	case !o.blank && strings.TrimSpace(s) == "":
		in.fail(key, msgBlank)
	case o.max > 0 && len([]rune(s)) > o.max:
		in.fail(key, fmt.Sprintf("Ensure this field has no more than %d characters.", o.max))
	default:
		*dst = s
		return true
	}
	return false
}

func (in *input) slug(key string, dst *string, required bool) bool {
	var s string
	if !in.str(key, &s, strOpt{required: required}) {
		return false
	}
	if !slugRE.MatchString(s) {
		in.fail(key, msgSlug)
		return false
	}
	*dst = s
	return true
}

func (in *input) email(key string, dst *string) bool {
	var s string
	if !in.str(key, &s, strOpt{blank: true, max: 254}) {
		return false
	}
	if s != "" && !validEmail(s) {
		in.fail(key, msgEmail)
		return false
	}
	*dst = s
	return true
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s[strings.LastIndex(s, "@"):], ".")
}

func (in *input) choice(key string, dst *string, required bool, choices ...string) bool {
	raw, ok := in.present(key, required)
	if !ok {
		return false
	}
	s, good := asString(raw)
	if raw == nil {
		in.fail(key, msgNull)
		return false
	}
	if !good || !contains(choices, s) {
		in.fail(key, fmt.Sprintf("%q is not a valid choice.", fmt.Sprint(raw)))
		return false
	}
	*dst = s
	return true
}

// choices reads a list of choice values (identification user_fields).
func (in *input) choices(key string, dst *[]string, required bool, choices ...string) bool {
	raw, ok := in.present(key, required)
	if !ok {
		return false
	}
	list, good := in.list(key, raw)
	if !good {
		return false
	}
	out := []string{}
	for _, item := range list {
		s, good := asString(item)
		if !good || !contains(choices, s) {
			in.fail(key, fmt.Sprintf("%q is not a valid choice.", fmt.Sprint(item)))
			return false
		}
		out = append(out, s)
	}
	*dst = out
	return true
}

func (in *input) boolean(key string, dst *bool) bool {
	raw, ok := in.get(key)
	if !ok {
		return false
	}
	b, good := asBool(raw)
	if !good {
		in.fail(key, msgBool)
		return false
	}
	*dst = b
	return true
}

// integer reads an int of at least min (use math.MinInt32 for none) that
// fits an INTEGER column.
func (in *input) integer(key string, dst *int, required bool, min int) bool {
	raw, ok := in.present(key, required)
	if !ok {
		return false
	}
	if raw == nil {
		in.fail(key, msgNull)
		return false
	}
	n, good := asInt(raw)
	switch {
	case !good:
		in.fail(key, msgInt)
	case n < min:
		in.fail(key, fmt.Sprintf("Ensure this value is greater than or equal to %d.", min))
	case fieldrule.Int32(n) != "":
		// Every integer a model takes lands in an INTEGER column (32 bits
		// on PostgreSQL), as Django's IntegerField validators enforce.
		in.fail(key, fieldrule.Int32(n))
	default:
		*dst = n
		return true
	}
	return false
}

// nullInt reads an optional, nullable int of at least min.
func (in *input) nullInt(key string, dst **int, min int) bool {
	raw, ok := in.get(key)
	if !ok {
		return false
	}
	if raw == nil {
		*dst = nil
		return true
	}
	var n int
	if !in.integer(key, &n, false, min) {
		return false
	}
	*dst = &n
	return true
}

func (in *input) dict(key string, dst *map[string]any) bool {
	raw, ok := in.get(key)
	if !ok {
		return false
	}
	m, good := asDict(raw)
	if !good {
		in.fail(key, msgDict)
		return false
	}
	*dst = m
	return true
}

// when reads a nullable datetime: RFC 3339 text or a YAML timestamp.
func (in *input) when(key string, dst **time.Time) bool {
	raw, ok := in.get(key)
	if !ok {
		return false
	}
	if raw == nil {
		*dst = nil
		return true
	}
	t, good := asTime(raw)
	if !good {
		in.fail(key, msgDatetime)
		return false
	}
	if msg := fieldrule.Time(t); msg != "" {
		in.fail(key, msg)
		return false
	}
	t = t.UTC().Truncate(time.Microsecond)
	*dst = &t
	return true
}

// ref reads a primary key reference (UUID, dashes optional) that exists
// must confirm. nullable allows null; the result is the canonical UUID.
func (in *input) ref(key string, dst **string, required, nullable bool, exists func(id string) bool) bool {
	raw, ok := in.present(key, required)
	if !ok {
		return false
	}
	if raw == nil {
		if !nullable {
			in.fail(key, msgNull)
			return false
		}
		*dst = nil
		return true
	}
	id, msg := refValue(raw, exists)
	if msg != "" {
		in.fail(key, msg)
		return false
	}
	*dst = &id
	return true
}

// refs reads a list of primary key references, in order.
func (in *input) refs(key string, dst *[]string, required, allowEmpty bool, exists func(id string) bool) bool {
	raw, ok := in.present(key, required)
	if !ok {
		return false
	}
	if s, isStr := raw.([]string); isStr { // as the admin console passes lists
		l := make([]any, len(s))
		for i, x := range s {
			l[i] = x
		}
		raw = l
	}
	list, good := in.list(key, raw)
	if !good {
		return false
	}
	if len(list) == 0 && !allowEmpty {
		in.fail(key, msgEmptyList)
		return false
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		id, msg := refValue(item, exists)
		if msg != "" {
			in.fail(key, msg)
			return false
		}
		if !contains(out, id) {
			out = append(out, id)
		}
	}
	*dst = out
	return true
}

// refValue checks one reference: DRF's PrimaryKeyRelatedField messages.
func refValue(raw any, exists func(id string) bool) (string, string) {
	if m, ok := raw.(map[string]any); ok { // {pk: ...} as blueprints may pass
		if pk, ok := m["pk"]; ok {
			raw = pk
		}
	}
	s, ok := raw.(string)
	if !ok {
		return "", fmt.Sprintf("Incorrect type. Expected pk value, received %s.", pyType(raw))
	}
	id, ok := NormUUID(s)
	if !ok {
		return "", fmt.Sprintf("“%s” is not a valid UUID.", s)
	}
	if !exists(id) {
		return "", fmt.Sprintf("Invalid pk %q - object does not exist.", s)
	}
	return id, ""
}

// NormUUID returns s as a lower-case UUID with dashes; it accepts the hex
// form without dashes too.
func NormUUID(s string) (string, bool) {
	h := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "-", ""))
	if strings.HasPrefix(h, "urn:uuid:") {
		h = h[len("urn:uuid:"):]
	}
	if len(h) != 32 {
		return "", false
	}
	for _, r := range h {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return "", false
		}
	}
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], true
}

func asString(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case int, int64, int32, uint64:
		return fmt.Sprint(t), true
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64), true
	}
	return "", false
}

func asBool(v any) (bool, bool) {
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		switch t {
		case "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1":
			return true, true
		case "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0":
			return false, true
		}
	default:
		if n, ok := asInt(v); ok && (n == 0 || n == 1) {
			return n == 1, true
		}
	}
	return false, false
}

func asInt(v any) (int, bool) {
	switch t := v.(type) {
	case int:
		return t, true
	case int64:
		return int(t), true
	case int32:
		return int(t), true
	case uint64:
		if t <= math.MaxInt64 {
			return int(t), true
		}
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return int(t), true
		}
	case json.Number:
		n, err := t.Int64()
		return int(n), err == nil
	case string:
		n, err := strconv.Atoi(strings.TrimSpace(t))
		return n, err == nil
	}
	return 0, false
}

// asDict accepts a JSON/YAML mapping; YAML may give map[any]any for
// nested values decoded by older code paths.
func asDict(v any) (map[string]any, bool) {
	switch t := v.(type) {
	case map[string]any:
		return t, true
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			ks, ok := k.(string)
			if !ok {
				return nil, false
			}
			out[ks] = val
		}
		return out, true
	}
	return nil, false
}

func asTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case *time.Time:
		if t != nil {
			return *t, true
		}
	case string:
		s := strings.TrimSpace(t)
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
			if tt, err := time.Parse(layout, s); err == nil {
				return tt, true
			}
		}
	}
	return time.Time{}, false
}

// pyType names a value's type the way DRF's messages do.
func pyType(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case string:
		return "str"
	case bool:
		return "bool"
	case int, int64, int32, uint64:
		return "int"
	case float64:
		if n, ok := asInt(v); ok && float64(n) == v.(float64) {
			return "int"
		}
		return "float"
	case map[string]any, map[any]any:
		return "dict"
	case []any:
		return "list"
	}
	return fmt.Sprintf("%T", v)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
