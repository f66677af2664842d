package console

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// parseAttributes reads a JSON or YAML mapping (YAML is a superset of JSON).
// Blank means an empty mapping. Errors name the line. Timestamps stay the
// text the user typed, as JSON would keep them.
func parseAttributes(text string) (map[string]any, error) {
	if strings.TrimSpace(text) == "" {
		return map[string]any{}, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return nil, fmt.Errorf("%s", lineError(err.Error()))
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("Value must be a dictionary, and not have any duplicate keys. Write key: value lines (YAML) or a JSON object in braces.")
	}
	v, err := nodeValue(root, 0)
	if err != nil {
		return nil, err
	}
	return v.(map[string]any), nil
}

// lineError turns "yaml: line 3: did not find ..." into "Line 3: did not find ...".
func lineError(s string) string {
	s = strings.TrimPrefix(s, "yaml: ")
	s = strings.TrimPrefix(s, "unmarshal errors:\n")
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "line ") {
		s = "L" + s[1:]
	}
	return s
}

func nodeValue(n *yaml.Node, depth int) (any, error) {
	if depth > 64 {
		return nil, fmt.Errorf("Line %d: nested too deeply", n.Line)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return nodeValue(n.Alias, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		seen := map[string]int{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("Line %d: keys must be plain text", k.Line)
			}
			if prev, dup := seen[k.Value]; dup {
				return nil, fmt.Errorf("Line %d: key %q is already defined at line %d", k.Line, k.Value, prev)
			}
			seen[k.Value] = k.Line
			v, err := nodeValue(val, depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.ScalarNode:
		if n.Tag == "!!timestamp" {
			return n.Value, nil
		}
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("Line %d: %v", n.Line, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("Line %d: unsupported value", n.Line)
}
