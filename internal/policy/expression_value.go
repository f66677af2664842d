package policy

import (
	"context"
	"net/http"
	"time"

	"go.starlark.net/starlark"

	"github.com/usher-id/usher/internal/store"
)

// ValueError is an expression that could not compute a value (syntax error,
// exception, budget or timeout). Callers fall back to the raw text.
type ValueError struct{ Msg string }

func (e *ValueError) Error() string { return e.Msg }

// EvalValue runs expression (a function body ending in return, as in
// authentik's property mappings) and returns its value as plain Go data:
// nil, bool, int64, float64, string, []any, map[string]any; objects such
// as a user become their text (the username), so nothing beyond what the
// expression names reaches the caller. It runs in the policy sandbox, with
// the same step budget, run time and memory limits.
//
// The expression sees request (a policy request with user, http_request
// and context = vars), user (anonymous when nil), http_request, each key of
// vars as a variable (e.g. prompt_context), and the helpers. An error is a
// *ValueError; no event is recorded (the caller knows what to record).
func (e *Engine) EvalValue(ctx context.Context, q store.Queries, expression string, user *store.User,
	r *http.Request, vars map[string]any) (any, error) {
	c := make(map[string]any, len(vars)+1)
	for k, v := range vars {
		c[k] = v
	}
	c["user"] = user // a nil *store.User is the anonymous user
	req := Request{User: user, HTTP: r, Context: c}
	p := store.Policy{Name: "expression", Expression: expression}
	res, err := e.evaluate(ctx, q, p, req, time.Now().Add(e.runTime(0)), 0)
	if err != nil {
		return nil, &ValueError{Msg: err.Error()}
	}
	v, _ := res.value.(starlark.Value)
	out, err := (*run)(nil).converter().plainValue(v, 0)
	if err != nil {
		return nil, &ValueError{Msg: err.Error()}
	}
	return out, nil
}

// plainValue converts a result to JSON-like Go data within the bounds of
// every value leaving the sandbox (no cycles, depth, size, budget).
func (c *converter) plainValue(v starlark.Value, depth int) (any, error) {
	switch t := v.(type) {
	case nil, starlark.NoneType, starlark.Bool, starlark.Int, starlark.Float, starlark.String:
		return c.toGo(v, depth)
	case *object:
		return t.str, nil // Python's str() of a model: a user's username
	case *starlark.List, *starlark.Dict:
		if err := c.enter(t); err != nil {
			return nil, err
		}
		defer c.leave(t)
	}
	if err := c.visit(depth); err != nil {
		return nil, err
	}
	switch t := v.(type) {
	case starlark.IterableMapping:
		items := t.Items()
		out := make(map[string]any, len(items))
		for _, kv := range items {
			k, err := c.text(kv[0], depth+1)
			if err != nil {
				return nil, err
			}
			if out[k], err = c.plainValue(kv[1], depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case starlark.Indexable:
		out := make([]any, t.Len())
		for i := range out {
			e, err := c.plainValue(t.Index(i), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	return c.text(v, depth)
}
