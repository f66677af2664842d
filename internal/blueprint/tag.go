package blueprint

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// tag is a custom YAML tag (authentik's blueprints/v1/common.py YAML tags), resolved when its entry is applied.
type tag interface {
	pos() position
	resolve(r *resolver) (any, error)
}

type position struct{ line, col int }

func (p position) pos() position { return p }

func (p position) String() string { return fmt.Sprintf("line %d, column %d", p.line, p.col) }

type (
	keyOfTag struct {
		position
		id string
	}
	// envTag, fileTag and contextTag take NAME or [NAME, default].
	envTag struct {
		position
		name, def any
	}
	fileTag struct {
		position
		path, def any
	}
	contextTag struct {
		position
		key, def any
	}
	parseJSONTag struct {
		position
		raw string
	}
	formatTag struct {
		position
		format any
		args   []any
	}
	findTag struct {
		position
		model  any
		conds  [][2]any
		object bool // !FindObject
	}
	conditionTag struct {
		position
		mode any
		args []any
	}
	ifTag struct {
		position
		cond, then, els any
	}
	enumerateTag struct {
		position
		iterable any
		mapOut   bool // MAP, else SEQ
		body     any
	}
	// itemTag is !Index (key) or !Value (value) of an enclosing !Enumerate.
	itemTag struct {
		position
		depth int
		value bool
	}
	atIndexTag struct {
		position
		obj, key, def any
	}
)

func (c *converter) tag(n *yaml.Node, aliasDepth int) (any, error) {
	p := position{n.Line, n.Column}
	name := n.Tag
	seq := func(min, max int, shape string) ([]any, error) {
		if n.Kind != yaml.SequenceNode || len(n.Content) < min || max >= 0 && len(n.Content) > max {
			return nil, c.errf(n, fmt.Sprintf("%s takes %s", name, shape))
		}
		out := make([]any, len(n.Content))
		for i, item := range n.Content {
			v, err := c.convert(item, aliasDepth)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	// nameOrPair reads NAME or [NAME, default].
	nameOrPair := func(what string) (any, any, error) {
		if n.Kind == yaml.ScalarNode {
			return n.Value, nil, nil
		}
		l, err := seq(1, 2, fmt.Sprintf("a %s or a list [%s, default]", what, what))
		if err != nil {
			return nil, nil, err
		}
		if len(l) == 1 {
			return l[0], nil, nil
		}
		return l[0], l[1], nil
	}
	scalar := func(what string) error {
		if n.Kind != yaml.ScalarNode {
			return c.errf(n, fmt.Sprintf("%s takes %s", name, what))
		}
		return nil
	}
	switch name {
	case "!KeyOf":
		if err := scalar("the id of an earlier entry"); err != nil {
			return nil, err
		}
		return &keyOfTag{p, n.Value}, nil
	case "!Env":
		c.hostTags = append(c.hostTags, hostTag{name, p})
		a, d, err := nameOrPair("variable name")
		return &envTag{p, a, d}, err
	case "!File":
		c.hostTags = append(c.hostTags, hostTag{name, p})
		a, d, err := nameOrPair("path")
		return &fileTag{p, a, d}, err
	case "!Context":
		a, d, err := nameOrPair("key")
		return &contextTag{p, a, d}, err
	case "!ParseJSON":
		if err := scalar("a JSON string"); err != nil {
			return nil, err
		}
		return &parseJSONTag{p, n.Value}, nil
	case "!Format":
		l, err := seq(1, -1, "a list [format, args...]")
		if err != nil {
			return nil, err
		}
		return &formatTag{p, l[0], l[1:]}, nil
	case "!Find", "!FindObject":
		if n.Kind != yaml.SequenceNode || len(n.Content) < 1 {
			return nil, c.errf(n, name+" takes a list [model, [key, value], ...]")
		}
		model, err := c.convert(n.Content[0], aliasDepth)
		if err != nil {
			return nil, err
		}
		t := &findTag{position: p, model: model, object: name == "!FindObject"}
		for _, cn := range n.Content[1:] {
			for cn.Kind == yaml.AliasNode {
				cn = cn.Alias
			}
			if cn.Kind != yaml.SequenceNode || len(cn.Content) != 2 {
				return nil, c.errf(cn, name+" conditions are [key, value] pairs")
			}
			k, err := c.convert(cn.Content[0], aliasDepth)
			if err != nil {
				return nil, err
			}
			v, err := c.convert(cn.Content[1], aliasDepth)
			if err != nil {
				return nil, err
			}
			t.conds = append(t.conds, [2]any{k, v})
		}
		return t, nil
	case "!Condition":
		l, err := seq(1, -1, "a list [MODE, value, ...] with MODE one of AND, NAND, OR, NOR, XOR, XNOR")
		if err != nil {
			return nil, err
		}
		return &conditionTag{p, l[0], l[1:]}, nil
	case "!If":
		if n.Kind == yaml.SequenceNode && len(n.Content) == 2 {
			return nil, c.errf(n, "!If takes [condition] or [condition, then, else]")
		}
		l, err := seq(1, 3, "[condition] or [condition, then, else]")
		if err != nil {
			return nil, err
		}
		if len(l) == 1 {
			return &ifTag{p, l[0], true, false}, nil
		}
		return &ifTag{p, l[0], l[1], l[2]}, nil
	case "!Enumerate":
		if n.Kind != yaml.SequenceNode || len(n.Content) != 3 {
			return nil, c.errf(n, "!Enumerate takes [iterable, SEQ or MAP, body]")
		}
		out := n.Content[1]
		mode := strings.ToUpper(out.Value)
		if out.Kind != yaml.ScalarNode || isCustomTag(out.Tag) || mode != "SEQ" && mode != "MAP" {
			return nil, c.errf(out, "!Enumerate output must be SEQ or MAP")
		}
		c.enumDepth++
		defer func() { c.enumDepth-- }()
		if c.enumDepth > maxEnumerateNesting {
			return nil, c.errf(n, fmt.Sprintf("!Enumerate is nested more than %d deep", maxEnumerateNesting))
		}
		it, err := c.convert(n.Content[0], aliasDepth)
		if err != nil {
			return nil, err
		}
		body, err := c.convert(n.Content[2], aliasDepth)
		if err != nil {
			return nil, err
		}
		return &enumerateTag{p, it, mode == "MAP", body}, nil
	case "!Index", "!Value":
		d, err := strconv.Atoi(n.Value)
		if n.Kind != yaml.ScalarNode || err != nil || d < 0 {
			return nil, c.errf(n, name+" takes a depth: 0 for the innermost !Enumerate, 1 for the one around it, ...")
		}
		return &itemTag{p, d, name == "!Value"}, nil
	case "!AtIndex":
		l, err := seq(2, 3, "a list [object, key] or [object, key, default]")
		if err != nil {
			return nil, err
		}
		t := &atIndexTag{position: p, obj: l[0], key: l[1]}
		if len(l) == 3 {
			t.def = l[2]
		}
		return t, nil
	}
	return nil, c.errf(n, fmt.Sprintf("unknown tag %s (usher knows !KeyOf, !Env, !File, !Context, !ParseJSON, !Format, !Find, !FindObject, !Condition, !If, !Enumerate, !Index, !Value, !AtIndex)", name))
}
