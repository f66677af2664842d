package policy

import (
	"errors"
	"fmt"
	"math/big"
	"reflect"

	"go.starlark.net/starlark"
)

// Bounds on values leaving the sandbox. Helpers hand Starlark values to Go
// (event context, log attributes, flow plan writes, ak_call_policy
// arguments, return values) or render them as text (ak_message, print).
// A list can hold itself, nesting costs one step per level, and a value
// shared many times is small in memory but enormous once copied or
// printed, so every such conversion walks the value once, linearly, with a
// cycle check, a depth and a size bound, and the run's step and time
// budget: an unbounded recursion here is a fatal Go stack overflow, which
// no recover() can catch.
const (
	MaxValueDepth     = 64      // levels of lists, tuples and dicts
	maxConvertNodes   = 1 << 20 // values visited by one conversion
	convertCheckEvery = 1 << 10 // nodes between budget checks
)

var errCycle = errors.New("the value contains itself (a list or dict holding itself cannot leave the policy)")

func errTooDeep() error {
	return fmt.Errorf("the value is nested more than %d levels deep, the limit for policy expressions", MaxValueDepth)
}

// converter walks one value; r (nil outside an evaluation) supplies the
// budget.
type converter struct {
	r      *run
	nodes  int
	onPath map[any]bool
}

func (r *run) converter() *converter { return &converter{r: r, onPath: map[any]bool{}} }

// visit counts a node at depth and charges the run's budget now and then.
func (c *converter) visit(depth int) error {
	if depth > MaxValueDepth {
		return errTooDeep()
	}
	c.nodes++
	if c.nodes > maxConvertNodes {
		return tooLarge("the value", maxConvertNodes)
	}
	if c.nodes%convertCheckEvery == 0 && c.r != nil {
		return c.r.charge(convertCheckEvery)
	}
	return nil
}

// enter marks a container as being walked; a second entry is a cycle.
func (c *converter) enter(p any) error {
	if c.onPath[p] {
		return errCycle
	}
	c.onPath[p] = true
	return nil
}

func (c *converter) leave(p any) { delete(c.onPath, p) }

// toGo converts a Starlark value to Go (for writes into the flow plan and
// for event data): the inverse of toStarlark.
func (c *converter) toGo(v starlark.Value, depth int) (any, error) {
	if err := c.visit(depth); err != nil {
		return nil, err
	}
	switch t := v.(type) {
	case nil, starlark.NoneType:
		return nil, nil
	case starlark.Bool:
		return bool(t), nil
	case starlark.Int:
		if i, ok := t.Int64(); ok {
			return i, nil
		}
		f, _ := new(big.Float).SetInt(t.BigInt()).Float64()
		return f, nil
	case starlark.Float:
		return float64(t), nil
	case starlark.String:
		return string(t), nil
	case *starlark.List:
		if err := c.enter(t); err != nil {
			return nil, err
		}
		defer c.leave(t)
		out := make([]any, t.Len())
		for i := range out {
			e, err := c.toGo(t.Index(i), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	case starlark.Tuple:
		out := make([]any, len(t))
		for i, e := range t {
			g, err := c.toGo(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = g
		}
		return out, nil
	case *starlark.Dict:
		if err := c.enter(t); err != nil {
			return nil, err
		}
		defer c.leave(t)
		out := make(map[string]any, t.Len())
		for _, kv := range t.Items() {
			k, err := c.text(kv[0], depth+1)
			if err != nil {
				return nil, err
			}
			if out[k], err = c.toGo(kv[1], depth+1); err != nil {
				return nil, err
			}
		}
		return out, nil
	case *liveDict:
		// A copy: aliasing the plan's map would let a policy make it hold
		// itself (plan['me'] = plan).
		return c.copyGo(t.m, depth)
	case *object:
		if t.goValue != nil {
			return t.goValue, nil
		}
		return t.str, nil
	case *ipValue:
		return t.addr.String(), nil
	case *networkValue:
		return t.prefix.String(), nil
	case *resultValue:
		return map[string]any{"passing": t.res.Passing, "messages": stringsAny(t.res.Messages)}, nil
	}
	return c.text(v, depth)
}

// copyGo copies Go data (maps and slices of JSON-like values) within the
// same bounds; other values are shared.
func (c *converter) copyGo(v any, depth int) (any, error) {
	if err := c.visit(depth); err != nil {
		return nil, err
	}
	switch t := v.(type) {
	case map[string]any:
		p := reflect.ValueOf(t).Pointer()
		if err := c.enter(p); err != nil {
			return nil, err
		}
		defer c.leave(p)
		out := make(map[string]any, len(t))
		for k, e := range t {
			g, err := c.copyGo(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = g
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			g, err := c.copyGo(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = g
		}
		return out, nil
	}
	return v, nil
}

// text is str(v) (a string is itself), refused when the text would be
// too large or the value too deep; cycles print as [...], as in Python.
// Starlark's own rendering checks for cycles by scanning the path, which
// is quadratic in the depth, so the depth bound also keeps it linear.
func (c *converter) text(v starlark.Value, depth int) (string, error) {
	if s, ok := v.(starlark.String); ok {
		return string(s), nil
	}
	total := 0
	if err := c.measure(v, depth, &total); err != nil {
		return "", err
	}
	return v.String(), nil
}

// measure adds to total the length of v's text, stopping with an error
// once it passes MaxStringBytes.
func (c *converter) measure(v starlark.Value, depth int, total *int) error {
	if err := c.visit(depth); err != nil {
		return err
	}
	each := func(elems func(func(starlark.Value) error) error) error {
		*total += 2
		return elems(func(e starlark.Value) error {
			*total += 2
			return c.measure(e, depth+1, total)
		})
	}
	var err error
	switch t := v.(type) {
	case starlark.String:
		*total += len(t) + 2
	case starlark.Bytes:
		*total += len(t) + 3
	case starlark.Int:
		*total += t.BigInt().BitLen()/3 + 2
	case *starlark.List:
		if c.onPath[t] {
			*total += 5 // [...]
			break
		}
		c.onPath[t] = true
		err = each(func(f func(starlark.Value) error) error {
			for i := 0; i < t.Len(); i++ {
				if err := f(t.Index(i)); err != nil {
					return err
				}
			}
			return nil
		})
		delete(c.onPath, t)
	case starlark.Tuple:
		err = each(func(f func(starlark.Value) error) error {
			for _, e := range t {
				if err := f(e); err != nil {
					return err
				}
			}
			return nil
		})
	case *starlark.Dict:
		if c.onPath[t] {
			*total += 5 // {...}
			break
		}
		c.onPath[t] = true
		err = each(func(f func(starlark.Value) error) error {
			for _, kv := range t.Items() {
				if err := f(kv[0]); err != nil {
					return err
				}
				if err := f(kv[1]); err != nil {
					return err
				}
			}
			return nil
		})
		delete(c.onPath, t)
	case *starlark.Set:
		err = each(func(f func(starlark.Value) error) error {
			it := t.Iterate()
			defer it.Done()
			var e starlark.Value
			for it.Next(&e) {
				if err := f(e); err != nil {
					return err
				}
			}
			return nil
		})
	case *liveDict:
		g, cerr := c.copyGo(t.m, depth)
		if cerr != nil {
			return cerr
		}
		return c.measure(c.r.toStarlark(g), depth, total)
	default:
		*total += len(v.String()) // objects, functions, addresses: short texts
	}
	if err != nil {
		return err
	}
	if *total > MaxStringBytes {
		return tooLarge("the string", MaxStringBytes)
	}
	return nil
}

// textOf is str(v) for a helper, within the run's bounds.
func (r *run) textOf(v starlark.Value) (string, error) {
	return r.converter().text(v, 0)
}

// goOf is the Go value of v for a helper, within the run's bounds.
func (r *run) goOf(v starlark.Value) (any, error) {
	return r.converter().toGo(v, 0)
}

// checkText refuses values whose text would be too large or too deep
// (for str, repr, print, fail and formatting).
func checkText(thread *starlark.Thread, vals ...starlark.Value) error {
	var r *run
	if thread != nil {
		r = runOf(thread)
	}
	c := r.converter()
	total := 0
	for _, v := range vals {
		if err := c.measure(v, 0, &total); err != nil {
			return err
		}
	}
	return nil
}
