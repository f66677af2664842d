package policy

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.starlark.net/starlark"

	"github.com/usher-id/usher/internal/store"
)

// builtins are the helpers of authentik's policies/expression/evaluator.py that make sense in usher. They are
// predeclared once; per-evaluation state comes from the thread (runOf).
// Deliberately absent: requests, resolve_dns, reverse_dns, ak_send_email,
// ak_create_jwt (no network from expressions).
var builtins starlark.StringDict

// init fills builtins (an initializer would form a cycle: ak_call_policy
// compiles expressions, which resolve names against builtins).
func init() {
	builtins = starlark.StringDict{
		"ak_message":                starlark.NewBuiltin("ak_message", akMessage),
		"ak_is_group_member":        starlark.NewBuiltin("ak_is_group_member", akIsGroupMember),
		"ak_user_by":                starlark.NewBuiltin("ak_user_by", akUserBy),
		"ak_user_has_authenticator": starlark.NewBuiltin("ak_user_has_authenticator", akUserHasAuthenticator),
		"ak_call_policy":            starlark.NewBuiltin("ak_call_policy", akCallPolicy),
		"ak_create_event":           starlark.NewBuiltin("ak_create_event", akCreateEvent),
		"ak_logger":                 loggerValue(),
		"regex_match":               starlark.NewBuiltin("regex_match", regexMatch),
		"regex_replace":             starlark.NewBuiltin("regex_replace", regexReplace),
		"list_flatten":              starlark.NewBuiltin("list_flatten", listFlatten),
		"ip_address":                starlark.NewBuiltin("ip_address", builtinIPAddress),
		"ip_network":                starlark.NewBuiltin("ip_network", builtinIPNetwork),
		"slugify":                   starlark.NewBuiltin("slugify", slugify),
	}
	for name, v := range guardBuiltins() {
		builtins[name] = v
	}
	builtins.Freeze()
}

func mustRun(thread *starlark.Thread, name string) (*run, error) {
	r := runOf(thread)
	if r == nil {
		return nil, fmt.Errorf("%s: not available here", name)
	}
	return r, nil
}

func akMessage(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var msg starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &msg); err != nil {
		return nil, err
	}
	r, err := mustRun(thread, b.Name())
	if err != nil {
		return nil, err
	}
	text, err := r.textOf(msg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	r.messages = append(r.messages, text)
	return starlark.None, nil
}

// userOf returns the store user behind a user object (nil for anonymous).
func userOf(v starlark.Value) (*store.User, bool) {
	o, ok := v.(*object)
	if !ok {
		return nil, false
	}
	switch u := o.goValue.(type) {
	case *store.User:
		return u, true
	case nil:
		return nil, o.typeName == "AnonymousUser"
	}
	return nil, false
}

// akIsGroupMember: ak_is_group_member(user, **group_filters) with filters
// name, pk / group_uuid, is_superuser; membership counts the user's groups
// and all their ancestors, as authentik's user.all_groups() does.
func akIsGroupMember(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("%s: want 1 positional argument (user), got %d", b.Name(), len(args))
	}
	r, err := mustRun(thread, b.Name())
	if err != nil {
		return nil, err
	}
	u, ok := userOf(args[0])
	if !ok {
		return nil, fmt.Errorf("%s: first argument must be a user, not %s", b.Name(), args[0].Type())
	}
	if u == nil || u.PK == 0 {
		return starlark.False, nil
	}
	groups, err := allGroups(r, u.PK)
	if err != nil {
		return nil, err
	}
	for _, g := range groups {
		if groupMatches(g, kwargs) {
			return starlark.True, nil
		}
	}
	return starlark.False, nil
}

func allGroups(r *run, userPK int64) ([]store.Group, error) {
	direct, err := r.q.UserGroups(r.ctx, userPK)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []store.Group
	for _, g := range direct {
		for cur := g; !seen[cur.UUID]; {
			seen[cur.UUID] = true
			out = append(out, cur)
			if cur.Parent == nil {
				break
			}
			next, err := r.q.GetGroup(r.ctx, *cur.Parent)
			if err != nil {
				break
			}
			cur = next
		}
	}
	return out, nil
}

func groupMatches(g store.Group, filters []starlark.Tuple) bool {
	for _, kv := range filters {
		key, want := string(kv[0].(starlark.String)), kv[1]
		switch key {
		case "name":
			if s, ok := want.(starlark.String); !ok || string(s) != g.Name {
				return false
			}
		case "pk", "group_uuid", "uuid":
			s, ok := want.(starlark.String)
			if !ok || normUUID(string(s)) != normUUID(g.UUID) {
				return false
			}
		case "is_superuser":
			if bool(want.Truth()) != g.IsSuperuser {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func normUUID(s string) string { return strings.ToLower(strings.ReplaceAll(s, "-", "")) }

// akUserBy: ak_user_by(**filters) returns the first user matching every
// filter (username, email, pk, uuid, name, is_active, type, path), or None
// on a miss or an unknown field.
func akUserBy(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	if len(args) > 0 {
		return nil, fmt.Errorf("%s: takes keyword arguments only", b.Name())
	}
	r, err := mustRun(thread, b.Name())
	if err != nil {
		return nil, err
	}
	if len(kwargs) == 0 {
		return starlark.None, nil
	}
	filters := map[string]starlark.Value{}
	for _, kv := range kwargs {
		filters[string(kv[0].(starlark.String))] = kv[1]
	}
	str := func(k string) (string, bool) {
		s, ok := filters[k].(starlark.String)
		return string(s), ok
	}
	var u store.User
	switch {
	case filters["pk"] != nil:
		pk, ok := starlark.AsInt32(filters["pk"])
		if ok != nil {
			return starlark.None, nil
		}
		u, err = r.q.GetUser(r.ctx, int64(pk))
	case filters["username"] != nil:
		s, _ := str("username")
		u, err = r.q.GetUserByUsername(r.ctx, s)
	case filters["uuid"] != nil:
		s, _ := str("uuid")
		u, err = r.q.GetUserByUUID(r.ctx, s)
	case filters["email"] != nil:
		s, _ := str("email")
		var users []store.User
		users, _, err = r.q.ListUsers(r.ctx, store.UserFilter{Email: s, Ordering: "pk", Limit: 1})
		if err == nil && len(users) == 0 {
			err = store.ErrNotFound
		}
		if err == nil {
			u = users[0]
		}
	default:
		return starlark.None, nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return starlark.None, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	for k, want := range filters {
		var have starlark.Value
		switch k {
		case "pk":
			have = starlark.MakeInt64(u.PK)
		case "username":
			have = starlark.String(u.Username)
		case "email":
			have = starlark.String(u.Email)
		case "uuid":
			if s, ok := want.(starlark.String); ok && normUUID(string(s)) == normUUID(u.UUID) {
				continue
			}
			return starlark.None, nil
		case "name":
			have = starlark.String(u.Name)
		case "is_active":
			have = starlark.Bool(u.IsActive)
		case "type":
			have = starlark.String(u.Type)
		case "path":
			have = starlark.String(u.Path)
		default:
			return starlark.None, nil // bad field, as authentik's FieldError
		}
		if eq, err := starlark.Equal(have, want); err != nil || !eq {
			return starlark.None, nil
		}
	}
	return r.userValue(&u), nil
}

// akUserHasAuthenticator is always False: usher has no MFA devices.
func akUserHasAuthenticator(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var user, deviceType starlark.Value
	if err := starlark.UnpackArgs(b.Name(), args, kwargs, "user", &user, "device_type?", &deviceType); err != nil {
		return nil, err
	}
	return starlark.False, nil
}

// resultValue is authentik's PolicyResult as returned by ak_call_policy;
// returning it from an expression passes its result through.
type resultValue struct{ res Result }

func (v *resultValue) String() string {
	return fmt.Sprintf("PolicyResult passing=%v messages=%v", v.res.Passing, v.res.Messages)
}
func (v *resultValue) Type() string          { return "PolicyResult" }
func (v *resultValue) Freeze()               {}
func (v *resultValue) Truth() starlark.Bool  { return starlark.Bool(v.res.Passing) }
func (v *resultValue) Hash() (uint32, error) { return 0, errors.New("unhashable type: PolicyResult") }
func (v *resultValue) AttrNames() []string   { return []string{"log_messages", "messages", "passing"} }
func (v *resultValue) Attr(name string) (starlark.Value, error) {
	switch name {
	case "passing":
		return starlark.Bool(v.res.Passing), nil
	case "messages":
		t := make(starlark.Tuple, len(v.res.Messages))
		for i, m := range v.res.Messages {
			t[i] = starlark.String(m)
		}
		return t, nil
	case "log_messages":
		return starlark.NewList(nil), nil
	}
	return nil, nil
}

// akCallPolicy: ak_call_policy(name, **kwargs) runs another expression
// policy with this request, its context updated with kwargs, within what
// is left of this run's time.
func akCallPolicy(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var name string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, nil, 1, &name); err != nil {
		return nil, err
	}
	r, err := mustRun(thread, b.Name())
	if err != nil {
		return nil, err
	}
	if r.depth+1 >= maxCallDepth {
		return nil, fmt.Errorf("%s: policies call each other too deeply", b.Name())
	}
	p, err := r.q.GetPolicyByName(r.ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("%s: policy %q does not exist", b.Name(), name)
	}
	if err != nil {
		return nil, err
	}
	req := r.req
	req.Context = make(map[string]any, len(r.req.Context)+len(kwargs))
	for k, v := range r.req.Context {
		req.Context[k] = v
	}
	for _, kv := range kwargs {
		v, err := r.goOf(kv[1])
		if err != nil {
			return nil, fmt.Errorf("%s: argument %s: %w", b.Name(), kv[0], err)
		}
		req.Context[string(kv[0].(starlark.String))] = v
	}
	res, err := r.e.evaluate(r.ctx, r.q, p, req, r.deadline, r.depth+1)
	if err != nil {
		return nil, fmt.Errorf("%s(%q): %v", b.Name(), name, err)
	}
	return &resultValue{res: res}, nil
}

// akCreateEvent: ak_create_event(action, **kwargs) records custom_<action>
// with kwargs as context.
func akCreateEvent(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var action string
	if err := starlark.UnpackPositionalArgs(b.Name(), args, nil, 1, &action); err != nil {
		return nil, err
	}
	r, err := mustRun(thread, b.Name())
	if err != nil {
		return nil, err
	}
	if action == "" {
		return nil, fmt.Errorf("%s: action must not be empty", b.Name())
	}
	data := make(map[string]any, len(kwargs))
	for _, kv := range kwargs {
		v, err := r.goOf(kv[1])
		if err != nil {
			return nil, fmt.Errorf("%s: argument %s: %w", b.Name(), kv[0], err)
		}
		data[string(kv[0].(starlark.String))] = eventSafe(v)
	}
	if r.e.App == nil || r.e.App.Events == nil {
		return starlark.None, nil
	}
	if err := r.e.App.Events.CustomEvent(r.ctx, r.q, r.req.HTTP, r.req.User, action, data); err != nil {
		return nil, fmt.Errorf("%s: %v", b.Name(), err)
	}
	return starlark.None, nil
}

// loggerValue is ak_logger: structlog-like methods that collect log
// messages (shown by the policy test endpoint).
func loggerValue() starlark.Value {
	o := newObject("Logger", "<ak_logger>", nil)
	for _, level := range []string{"debug", "info", "warning", "warn", "error", "exception", "critical"} {
		o.attrs[level] = starlark.NewBuiltin("ak_logger."+level, func(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			r, err := mustRun(thread, b.Name())
			if err != nil {
				return nil, err
			}
			parts := make([]string, len(args))
			for i, a := range args {
				if parts[i], err = r.textOf(a); err != nil {
					return nil, fmt.Errorf("%s: %w", b.Name(), err)
				}
			}
			attrs := map[string]any{}
			for _, kv := range kwargs {
				v, err := r.goOf(kv[1])
				if err != nil {
					return nil, fmt.Errorf("%s: argument %s: %w", b.Name(), kv[0], err)
				}
				attrs[string(kv[0].(starlark.String))] = eventSafe(v)
			}
			r.log(level, strings.Join(parts, " "), attrs)
			return starlark.None, nil
		})
	}
	return o
}

// listFlatten: a list's first element (None when empty); other values pass
// through.
func listFlatten(_ *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &v); err != nil {
		return nil, err
	}
	switch t := v.(type) {
	case *starlark.List:
		if t.Len() == 0 {
			return starlark.None, nil
		}
		return t.Index(0), nil
	case starlark.Tuple:
		if len(t) == 0 {
			return starlark.None, nil
		}
		return t[0], nil
	}
	return v, nil
}

var slugStrip = regexp.MustCompile(`[^\w\s-]`)
var slugDash = regexp.MustCompile(`[-\s]+`)

// slugify is Django's slugify (ASCII).
func slugify(thread *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
	var v starlark.Value
	if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &v); err != nil {
		return nil, err
	}
	text, err := runOf(thread).textOf(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.Name(), err)
	}
	s := strings.ToLower(slugStrip.ReplaceAllString(text, ""))
	return starlark.String(strings.Trim(slugDash.ReplaceAllString(s, "-"), "-_")), nil
}
