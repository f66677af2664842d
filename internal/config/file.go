package config

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

type fileValue struct {
	text string
	line int
}

// readFile flattens a YAML file into dotted keys (email: {host: x} becomes
// email.host); a list of scalars becomes a comma-separated value.
func readFile(path string) (map[string]fileValue, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s: %v", path, unwrapPath(err))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s is not valid YAML: %v", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	out := map[string]fileValue{}
	if len(doc.Content) == 0 {
		return out, nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s: line %d: the file must be a mapping of settings (listen: 127.0.0.1:9000)", path, root.Line)
	}
	if err := flatten(root, "", out); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return out, nil
}

func flatten(n *yaml.Node, prefix string, out map[string]fileValue) error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		key := strings.ToLower(k.Value)
		if prefix != "" {
			key = prefix + "." + key
		}
		switch v.Kind {
		case yaml.MappingNode:
			if err := flatten(v, key, out); err != nil {
				return err
			}
		case yaml.SequenceNode:
			var parts []string
			for _, item := range v.Content {
				if item.Kind != yaml.ScalarNode {
					return fmt.Errorf("line %d: %s: list items must be plain values", item.Line, key)
				}
				parts = append(parts, item.Value)
			}
			out[key] = fileValue{strings.Join(parts, ","), k.Line}
		case yaml.ScalarNode:
			text := v.Value
			if v.Tag == "!!null" {
				text = ""
			}
			out[key] = fileValue{text, k.Line}
		case yaml.AliasNode:
			return fmt.Errorf("line %d: %s: aliases are not supported", k.Line, key)
		default:
			return errors.New("unsupported YAML")
		}
	}
	return nil
}
