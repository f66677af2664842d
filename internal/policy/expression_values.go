package policy

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
	"time"
	"unicode"

	"go.starlark.net/starlark"

	"github.com/usher-id/usher/internal/store"
)

// object is a read-only Starlark value with attributes, standing in for the
// Django model instances authentik hands to expressions (request.user,
// invitation, ...). Attributes computed on demand (they may hit the
// database) live in lazy.
type object struct {
	typeName string
	attrs    map[string]starlark.Value
	lazy     map[string]func() (starlark.Value, error)
	str      string
	truth    bool
	goValue  any // what the object came from, returned when converted back to Go
}

var (
	_ starlark.HasAttrs = (*object)(nil)
)

func newObject(typeName, str string, goValue any) *object {
	return &object{typeName: typeName, str: str, goValue: goValue, truth: true,
		attrs: make(map[string]starlark.Value, 8)}
}

func (o *object) String() string        { return o.str }
func (o *object) Type() string          { return o.typeName }
func (o *object) Freeze()               {}
func (o *object) Truth() starlark.Bool  { return starlark.Bool(o.truth) }
func (o *object) Hash() (uint32, error) { return starlark.String(o.typeName + ":" + o.str).Hash() }

func (o *object) Attr(name string) (starlark.Value, error) {
	if v, ok := o.attrs[name]; ok {
		return v, nil
	}
	if f, ok := o.lazy[name]; ok {
		v, err := f()
		if err != nil {
			return nil, err
		}
		o.attrs[name] = v
		return v, nil
	}
	return nil, nil // "has no .x field or method"
}

func (o *object) AttrNames() []string {
	names := make([]string, 0, len(o.attrs)+len(o.lazy))
	for k := range o.attrs {
		names = append(names, k)
	}
	for k := range o.lazy {
		if _, done := o.attrs[k]; !done {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

func (o *object) setLazy(name string, f func() (starlark.Value, error)) {
	if o.lazy == nil {
		o.lazy = map[string]func() (starlark.Value, error){}
	}
	o.lazy[name] = f
}

// toStarlark converts a Go value to Starlark: JSON-like values become
// dicts, lists, numbers and strings; store values become attribute objects.
// r may be nil; it gives lazy attributes access to the database.
func (r *run) toStarlark(v any) starlark.Value {
	switch t := v.(type) {
	case nil:
		return starlark.None
	case starlark.Value:
		return t
	case bool:
		return starlark.Bool(t)
	case string:
		return starlark.String(t)
	case int:
		return starlark.MakeInt(t)
	case int32:
		return starlark.MakeInt64(int64(t))
	case int64:
		return starlark.MakeInt64(t)
	case uint64:
		return starlark.MakeUint64(t)
	case float64:
		// JSON numbers arrive as float64; Python's json gives int for
		// integral values, so do the same.
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return starlark.MakeInt64(int64(t))
		}
		return starlark.Float(t)
	case float32:
		return r.toStarlark(float64(t))
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return starlark.MakeInt64(i)
		}
		f, _ := t.Float64()
		return starlark.Float(f)
	case time.Time:
		return starlark.String(t.UTC().Format(time.RFC3339Nano))
	case *time.Time:
		if t == nil {
			return starlark.None
		}
		return r.toStarlark(*t)
	case map[string]any:
		return r.dictFrom(t)
	case map[string]string:
		d := starlark.NewDict(len(t))
		for _, k := range sortedKeys(t) {
			_ = d.SetKey(starlark.String(k), starlark.String(t[k]))
		}
		return d
	case []any:
		elems := make([]starlark.Value, len(t))
		for i, e := range t {
			elems[i] = r.toStarlark(e)
		}
		return starlark.NewList(elems)
	case []string:
		elems := make([]starlark.Value, len(t))
		for i, e := range t {
			elems[i] = starlark.String(e)
		}
		return starlark.NewList(elems)
	case *store.User:
		return r.userValue(t)
	case store.User:
		return r.userValue(&t)
	case *store.Invitation:
		if t == nil {
			return starlark.None
		}
		return r.invitationValue(t)
	case store.Invitation:
		return r.invitationValue(&t)
	case PlanContexter:
		o := newObject("FlowPlan", "<FlowPlan>", t)
		o.attrs["context"] = &liveDict{m: t.PlanContext(), r: r}
		return o
	}
	return r.reflectValue(v)
}

func (r *run) dictFrom(m map[string]any) *starlark.Dict {
	d := starlark.NewDict(len(m))
	for _, k := range sortedKeys(m) {
		_ = d.SetKey(starlark.String(k), r.toStarlark(m[k]))
	}
	return d
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// reflectValue turns other structs (store.Flow, store.Application, ...) into
// objects whose attributes are the snake_case field names; a UUID field is
// also exposed as pk, as Django does.
func (r *run) reflectValue(v any) starlark.Value {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Interface {
		if rv.IsNil() {
			return starlark.None
		}
		rv = rv.Elem()
	}
	switch rv.Kind() {
	case reflect.Struct:
		rt := rv.Type()
		o := newObject(rt.Name(), "", v)
		for i := 0; i < rt.NumField(); i++ {
			f := rt.Field(i)
			if !f.IsExported() {
				continue
			}
			name := snakeCase(f.Name)
			o.attrs[name] = r.toStarlark(rv.Field(i).Interface())
			if f.Name == "UUID" {
				o.attrs["pk"] = o.attrs[name]
			}
		}
		switch {
		case o.attrs["name"] != nil:
			o.str = string(asString(o.attrs["name"]))
		case o.attrs["pk"] != nil:
			o.str = string(asString(o.attrs["pk"]))
		default:
			o.str = "<" + rt.Name() + ">"
		}
		return o
	case reflect.String:
		return starlark.String(rv.String())
	case reflect.Bool:
		return starlark.Bool(rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return starlark.MakeInt64(rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return starlark.MakeUint64(rv.Uint())
	case reflect.Float32, reflect.Float64:
		return r.toStarlark(rv.Float())
	case reflect.Slice, reflect.Array:
		elems := make([]starlark.Value, rv.Len())
		for i := range elems {
			elems[i] = r.toStarlark(rv.Index(i).Interface())
		}
		return starlark.NewList(elems)
	case reflect.Map:
		if rv.Type().Key().Kind() == reflect.String {
			m := make(map[string]any, rv.Len())
			for _, k := range rv.MapKeys() {
				m[k.String()] = rv.MapIndex(k).Interface()
			}
			return r.dictFrom(m)
		}
	}
	return starlark.String(fmt.Sprint(v))
}

func asString(v starlark.Value) starlark.String {
	if s, ok := v.(starlark.String); ok {
		return s
	}
	return starlark.String(v.String())
}

// snakeCase maps Go field names to authentik's: MetaLaunchURL ->
// meta_launch_url, UUID -> uuid, PK -> pk.
func snakeCase(s string) string {
	var b strings.Builder
	runes := []rune(s)
	for i, c := range runes {
		if unicode.IsUpper(c) {
			prevLower := i > 0 && unicode.IsLower(runes[i-1])
			nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1]) && i > 0 && unicode.IsUpper(runes[i-1])
			if prevLower || nextLower {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(c))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// userValue renders a user the way expressions see request.user; nil is
// the anonymous user.
func (r *run) userValue(u *store.User) starlark.Value {
	if u == nil {
		o := newObject("AnonymousUser", "AnonymousUser", nil)
		o.attrs["pk"] = starlark.None
		o.attrs["username"] = starlark.String("AnonymousUser")
		o.attrs["name"] = starlark.String("")
		o.attrs["email"] = starlark.String("")
		o.attrs["attributes"] = starlark.NewDict(0)
		o.attrs["is_authenticated"] = starlark.False
		o.attrs["is_anonymous"] = starlark.True
		o.attrs["is_active"] = starlark.False
		o.attrs["is_superuser"] = starlark.False
		return o
	}
	o := newObject("User", u.Username, u)
	o.attrs["pk"] = starlark.MakeInt64(u.PK)
	o.attrs["id"] = o.attrs["pk"]
	o.attrs["uuid"] = starlark.String(u.UUID)
	o.attrs["username"] = starlark.String(u.Username)
	o.attrs["name"] = starlark.String(u.Name)
	o.attrs["email"] = starlark.String(u.Email)
	o.attrs["is_active"] = starlark.Bool(u.IsActive)
	o.attrs["type"] = starlark.String(u.Type)
	o.attrs["path"] = starlark.String(u.Path)
	o.attrs["attributes"] = r.dictFrom(u.Attributes)
	o.attrs["is_authenticated"] = starlark.True
	o.attrs["is_anonymous"] = starlark.False
	o.attrs["date_joined"] = r.toStarlark(u.DateJoined)
	o.attrs["last_login"] = r.toStarlark(u.LastLogin)
	o.attrs["password_change_date"] = r.toStarlark(u.PasswordChangeDate)
	if r != nil && r.q != nil && u.PK != 0 {
		pk := u.PK
		o.setLazy("is_superuser", func() (starlark.Value, error) {
			ok, err := r.q.IsSuperuser(r.ctx, pk)
			return starlark.Bool(ok), err
		})
	}
	return o
}

func (r *run) invitationValue(inv *store.Invitation) starlark.Value {
	o := newObject("Invitation", inv.Name, inv)
	o.attrs["pk"] = starlark.String(inv.UUID)
	o.attrs["invite_uuid"] = o.attrs["pk"]
	o.attrs["name"] = starlark.String(inv.Name)
	o.attrs["expires"] = r.toStarlark(inv.Expires)
	o.attrs["expiring"] = starlark.Bool(inv.Expiring)
	o.attrs["fixed_data"] = r.dictFrom(inv.FixedData)
	o.attrs["single_use"] = starlark.Bool(inv.SingleUse())
	o.attrs["uses"] = starlark.MakeInt(inv.Uses)
	if inv.MaxUses != nil {
		o.attrs["max_uses"] = starlark.MakeInt(*inv.MaxUses)
	} else {
		o.attrs["max_uses"] = starlark.None
	}
	o.attrs["email"] = starlark.String(inv.Email)
	if inv.Flow == nil {
		o.attrs["flow"] = starlark.None
	} else {
		o.attrs["flow"] = starlark.String(*inv.Flow)
	}
	o.attrs["created"] = r.toStarlark(inv.Created)
	o.attrs["revoked"] = starlark.Bool(inv.RevokedAt != nil)
	if r != nil && r.q != nil && inv.CreatedBy != 0 {
		creator := inv.CreatedBy
		o.setLazy("created_by", func() (starlark.Value, error) {
			u, err := r.q.GetUser(r.ctx, creator)
			if err != nil {
				return starlark.None, nil
			}
			return r.userValue(&u), nil
		})
	}
	return o
}

func keyString(k starlark.Value) string {
	if s, ok := k.(starlark.String); ok {
		return string(s)
	}
	return k.String()
}

// liveDict exposes a Go map (the flow plan's context) to Starlark so that
// writes change the map itself: context['flow_plan'].context['x'] = 1
// changes the running flow, as in authentik.
type liveDict struct {
	m map[string]any
	r *run
}

var (
	_ starlark.HasSetKey       = (*liveDict)(nil)
	_ starlark.IterableMapping = (*liveDict)(nil)
	_ starlark.Sequence        = (*liveDict)(nil)
	_ starlark.HasAttrs        = (*liveDict)(nil)
)

func (d *liveDict) String() string        { return d.r.dictFrom(d.m).String() }
func (d *liveDict) Type() string          { return "dict" }
func (d *liveDict) Freeze()               {}
func (d *liveDict) Truth() starlark.Bool  { return len(d.m) > 0 }
func (d *liveDict) Hash() (uint32, error) { return 0, fmt.Errorf("unhashable type: dict") }
func (d *liveDict) Len() int              { return len(d.m) }

func (d *liveDict) value(k string) starlark.Value {
	v := d.m[k]
	if m, ok := v.(map[string]any); ok {
		return &liveDict{m: m, r: d.r} // nested writes go through too
	}
	// The plan keeps the pending user and the invitation by key; policies
	// see the objects, as in authentik.
	if r := d.r; r != nil && r.q != nil {
		switch k {
		case "pending_user":
			if pk, ok := asInt64(v); ok {
				if u, err := r.q.GetUser(r.ctx, pk); err == nil {
					return r.userValue(&u)
				}
			}
		case "invitation":
			if id, ok := v.(string); ok {
				if inv, err := r.q.GetInvitation(r.ctx, id); err == nil {
					return r.invitationValue(&inv)
				}
			}
		}
	}
	return d.r.toStarlark(v)
}

func asInt64(v any) (int64, bool) {
	switch t := v.(type) {
	case int64:
		return t, true
	case int:
		return int64(t), true
	case float64:
		return int64(t), t == math.Trunc(t)
	case json.Number:
		i, err := t.Int64()
		return i, err == nil
	}
	return 0, false
}

func (d *liveDict) Get(k starlark.Value) (starlark.Value, bool, error) {
	s, ok := k.(starlark.String)
	if !ok {
		return nil, false, nil
	}
	if _, found := d.m[string(s)]; !found {
		return nil, false, nil
	}
	return d.value(string(s)), true, nil
}

func (d *liveDict) SetKey(k, v starlark.Value) error {
	s, ok := k.(starlark.String)
	if !ok {
		return fmt.Errorf("flow plan context keys must be strings, not %s", k.Type())
	}
	g, err := d.r.planValue(v)
	if err != nil {
		return fmt.Errorf("flow plan context[%q]: %w", string(s), err)
	}
	d.m[string(s)] = g
	return nil
}

// planValue converts a value written into the flow plan: users and
// invitations are stored by key, as the plan keeps them (and so no
// password hash lands in the session).
func (r *run) planValue(v starlark.Value) (any, error) {
	if o, ok := v.(*object); ok {
		switch t := o.goValue.(type) {
		case *store.User:
			return t.PK, nil
		case *store.Invitation:
			return t.UUID, nil
		}
	}
	return r.goOf(v)
}

func (d *liveDict) Items() []starlark.Tuple {
	keys := sortedKeys(d.m)
	out := make([]starlark.Tuple, len(keys))
	for i, k := range keys {
		out[i] = starlark.Tuple{starlark.String(k), d.value(k)}
	}
	return out
}

func (d *liveDict) Iterate() starlark.Iterator {
	keys := sortedKeys(d.m)
	elems := make([]starlark.Value, len(keys))
	for i, k := range keys {
		elems[i] = starlark.String(k)
	}
	return starlark.NewList(elems).Iterate()
}

func (d *liveDict) AttrNames() []string {
	return []string{"get", "items", "keys", "pop", "setdefault", "update", "values"}
}

func (d *liveDict) Attr(name string) (starlark.Value, error) {
	method := func(fn func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error)) starlark.Value {
		return starlark.NewBuiltin(name, func(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			return fn(args, kwargs)
		}).BindReceiver(d)
	}
	switch name {
	case "get":
		return method(func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var k, def starlark.Value = nil, starlark.None
			if err := starlark.UnpackPositionalArgs("get", args, kwargs, 1, &k, &def); err != nil {
				return nil, err
			}
			if v, ok, _ := d.Get(k); ok {
				return v, nil
			}
			return def, nil
		}), nil
	case "keys":
		return method(func(starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			var elems []starlark.Value
			for _, k := range sortedKeys(d.m) {
				elems = append(elems, starlark.String(k))
			}
			return starlark.NewList(elems), nil
		}), nil
	case "values":
		return method(func(starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			var elems []starlark.Value
			for _, k := range sortedKeys(d.m) {
				elems = append(elems, d.value(k))
			}
			return starlark.NewList(elems), nil
		}), nil
	case "items":
		return method(func(starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
			var elems []starlark.Value
			for _, t := range d.Items() {
				elems = append(elems, t)
			}
			return starlark.NewList(elems), nil
		}), nil
	case "setdefault":
		return method(func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var k, def starlark.Value = nil, starlark.None
			if err := starlark.UnpackPositionalArgs("setdefault", args, kwargs, 1, &k, &def); err != nil {
				return nil, err
			}
			if v, ok, _ := d.Get(k); ok {
				return v, nil
			}
			return def, d.SetKey(k, def)
		}), nil
	case "pop":
		return method(func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var k, def starlark.Value
			if err := starlark.UnpackPositionalArgs("pop", args, kwargs, 1, &k, &def); err != nil {
				return nil, err
			}
			if v, ok, _ := d.Get(k); ok {
				delete(d.m, keyString(k))
				return v, nil
			}
			if def != nil {
				return def, nil
			}
			return nil, fmt.Errorf("pop: missing key %s", k)
		}), nil
	case "update":
		return method(func(args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			if len(args) > 1 {
				return nil, fmt.Errorf("update: got %d arguments, want at most 1", len(args))
			}
			if len(args) == 1 {
				m, ok := args[0].(starlark.IterableMapping)
				if !ok {
					return nil, fmt.Errorf("update: argument must be a dict, not %s", args[0].Type())
				}
				for _, kv := range m.Items() {
					if err := d.SetKey(kv[0], kv[1]); err != nil {
						return nil, err
					}
				}
			}
			for _, kv := range kwargs {
				if err := d.SetKey(kv[0], kv[1]); err != nil {
					return nil, err
				}
			}
			return starlark.None, nil
		}), nil
	}
	return nil, nil
}
