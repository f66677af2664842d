package blueprint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Limits that keep a hostile file from exhausting memory or the stack.
const (
	// maxNodes bounds the values a file may expand to, counting every use
	// of a YAML alias (guards against "billion laughs").
	maxNodes = 1_000_000
	// maxEnumerateNesting bounds !Enumerate tags inside one another.
	maxEnumerateNesting = 16
)

// Blueprint is a parsed blueprint file. Values may still hold tags; they
// are resolved entry by entry when the blueprint is applied.
type Blueprint struct {
	// Name is what error messages call the file (its path or upload name).
	Name     string
	Version  int
	Metadata *Metadata
	context  *omap
	Entries  []*Entry
	hostTags []hostTag // where !Env and !File are used (see CheckTrust)
}

// Metadata is the optional metadata block.
type Metadata struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
}

// Label names authentik defines.
const (
	LabelInstantiate = "blueprints.goauthentik.io/instantiate"
	LabelSystem      = "blueprints.goauthentik.io/system"
	LabelDescription = "blueprints.goauthentik.io/description"
	LabelGenerated   = "blueprints.goauthentik.io/generated"
)

// Entry is one entry of the blueprint, in file order (sections flattened).
type Entry struct {
	Index       int    // 1-based position in the flattened entries
	ID          string // "" when the entry has no id
	Line        int
	model       any // string or tag
	state       any
	conditions  []any
	identifiers any // *omap or tag
	attrs       any
	permissions []any
}

// Model returns the entry's model name when it is written literally ("" when
// it is a tag, resolved only at apply time).
func (e *Entry) Model() string {
	s, _ := e.model.(string)
	return strings.ToLower(s)
}

// Instantiate reports whether discovery should make an instance of the file
// (every file unless its instantiate label is "false").
func (b *Blueprint) Instantiate() bool {
	return b.Metadata == nil || b.Metadata.Labels[LabelInstantiate] != "false"
}

// Models lists the distinct literal models of the entries, in order of first use.
func (b *Blueprint) Models() []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range b.Entries {
		if m := e.Model(); m != "" && !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	return out
}

// ErrInvalidVersion is returned for a version other than 1.
var ErrInvalidVersion = errors.New("Invalid blueprint version")

// SyntaxError is a file that is not valid YAML or JSON, or a tag used with
// the wrong shape. Line and Column are 1-based.
type SyntaxError struct {
	Name         string
	Line, Column int
	Msg          string
}

func (e *SyntaxError) Error() string {
	var b strings.Builder
	if e.Name != "" {
		b.WriteString(e.Name + ": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Column)
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Parse reads a blueprint from YAML (or JSON, which is YAML too). name is
// used in error messages.
func Parse(data []byte, name string) (*Blueprint, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlSyntaxError(data, name, err)
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, &SyntaxError{Name: name, Msg: "the file is empty; a blueprint needs at least \"version: 1\" and \"entries\""}
	}
	c := &converter{name: name}
	root := doc.Content[0]
	for root.Kind == yaml.AliasNode {
		root = root.Alias
	}
	if root.Kind != yaml.MappingNode {
		return nil, c.errf(root, "a blueprint must be a mapping with \"version\" and \"entries\"")
	}
	bp := &Blueprint{Name: name, Version: 1}
	versionSeen := false
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "version":
			versionSeen = true
			var n int
			if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&n) != nil || n != 1 {
				return nil, fmt.Errorf("%s: %w", name, ErrInvalidVersion)
			}
		case "metadata":
			md, err := c.metadata(v)
			if err != nil {
				return nil, err
			}
			bp.Metadata = md
		case "context":
			if isNull(v) {
				continue
			}
			val, err := c.convert(v, 0)
			if err != nil {
				return nil, err
			}
			o, ok := val.(*omap)
			if !ok {
				return nil, c.errf(v, "\"context\" must be a mapping of names to values")
			}
			bp.context = o
		case "entries":
			if err := c.entries(bp, v); err != nil {
				return nil, err
			}
		default:
			return nil, c.errf(k, fmt.Sprintf("unknown key %q (a blueprint has version, metadata, context and entries)", k.Value))
		}
	}
	_ = versionSeen // a missing version means 1, as in authentik
	bp.hostTags = c.hostTags
	return bp, nil
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func (c *converter) metadata(v *yaml.Node) (*Metadata, error) {
	if isNull(v) {
		return nil, nil
	}
	if v.Kind != yaml.MappingNode {
		return nil, c.errf(v, "\"metadata\" must be a mapping with \"name\" and optional \"labels\"")
	}
	md := &Metadata{Labels: map[string]string{}}
	hasName := false
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		switch k.Value {
		case "name":
			if val.Kind != yaml.ScalarNode || strings.HasPrefix(val.Tag, "!") && !strings.HasPrefix(val.Tag, "!!") {
				return nil, c.errf(val, "metadata \"name\" must be a string")
			}
			md.Name, hasName = val.Value, true
		case "labels":
			if isNull(val) {
				continue
			}
			if val.Kind != yaml.MappingNode {
				return nil, c.errf(val, "metadata \"labels\" must be a mapping of strings")
			}
			for j := 0; j+1 < len(val.Content); j += 2 {
				lv := val.Content[j+1]
				if lv.Kind != yaml.ScalarNode {
					return nil, c.errf(lv, fmt.Sprintf("label %q must be a string", val.Content[j].Value))
				}
				md.Labels[val.Content[j].Value] = lv.Value
			}
		default:
			return nil, c.errf(k, fmt.Sprintf("unknown metadata key %q (use name and labels)", k.Value))
		}
	}
	if !hasName {
		return nil, c.errf(v, "metadata \"name\" is required when metadata is given")
	}
	return md, nil
}

func (c *converter) entries(bp *Blueprint, v *yaml.Node) error {
	for v.Kind == yaml.AliasNode {
		v = v.Alias
	}
	switch {
	case isNull(v):
		return nil
	case v.Kind == yaml.SequenceNode:
		return c.entryList(bp, v)
	case v.Kind == yaml.MappingNode:
		// Sections: {name: [entries]}, flattened in file order.
		for i := 0; i+1 < len(v.Content); i += 2 {
			sec := v.Content[i+1]
			for sec.Kind == yaml.AliasNode {
				sec = sec.Alias
			}
			if isNull(sec) {
				continue
			}
			if sec.Kind != yaml.SequenceNode {
				return c.errf(sec, fmt.Sprintf("entries section %q must be a list of entries", v.Content[i].Value))
			}
			if err := c.entryList(bp, sec); err != nil {
				return err
			}
		}
		return nil
	}
	return c.errf(v, "\"entries\" must be a list of entries or a mapping of sections to lists")
}

func (c *converter) entryList(bp *Blueprint, seq *yaml.Node) error {
	for _, n := range seq.Content {
		e, err := c.entry(n, len(bp.Entries)+1)
		if err != nil {
			return err
		}
		bp.Entries = append(bp.Entries, e)
	}
	return nil
}

func (c *converter) entry(n *yaml.Node, index int) (*Entry, error) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		return nil, c.errf(n, fmt.Sprintf("entry %d must be a mapping with model, identifiers and attrs", index))
	}
	e := &Entry{Index: index, Line: n.Line}
	var err error
	hasModel := false
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "model":
			hasModel = true
			e.model, err = c.convert(v, 0)
		case "state":
			e.state, err = c.convert(v, 0)
		case "id":
			if isNull(v) {
				continue
			}
			if v.Kind != yaml.ScalarNode || strings.HasPrefix(v.Tag, "!") && !strings.HasPrefix(v.Tag, "!!") {
				return nil, c.errf(v, fmt.Sprintf("entry %d: \"id\" must be a plain string", index))
			}
			e.ID = v.Value
		case "conditions":
			e.conditions, err = c.list(v, fmt.Sprintf("entry %d: \"conditions\" must be a list", index))
		case "permissions":
			e.permissions, err = c.list(v, fmt.Sprintf("entry %d: \"permissions\" must be a list", index))
		case "identifiers":
			e.identifiers, err = c.convert(v, 0)
		case "attrs":
			e.attrs, err = c.convert(v, 0)
		default:
			return nil, c.errf(k, fmt.Sprintf("entry %d: unknown key %q (an entry has model, state, conditions, identifiers, attrs, id and permissions)", index, k.Value))
		}
		if err != nil {
			return nil, err
		}
	}
	if !hasModel || e.model == nil {
		return nil, c.errf(n, fmt.Sprintf("entry %d: \"model\" is required", index))
	}
	return e, nil
}

func (c *converter) list(v *yaml.Node, msg string) ([]any, error) {
	if isNull(v) {
		return nil, nil
	}
	val, err := c.convert(v, 0)
	if err != nil {
		return nil, err
	}
	l, ok := val.([]any)
	if !ok {
		return nil, c.errf(v, msg)
	}
	return l, nil
}

// converter turns YAML nodes into values and tags.
type converter struct {
	name      string
	nodes     int
	enumDepth int
	hostTags  []hostTag // !Env and !File, for CheckTrust
}

func (c *converter) errf(n *yaml.Node, msg string) error {
	return &SyntaxError{Name: c.name, Line: n.Line, Column: n.Column, Msg: msg}
}

func (c *converter) convert(n *yaml.Node, aliasDepth int) (any, error) {
	c.nodes++
	if c.nodes > maxNodes {
		return nil, c.errf(n, fmt.Sprintf("the blueprint expands to more than %d values (check for aliases that refer to aliases)", maxNodes))
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return c.convert(n.Content[0], aliasDepth)
	case yaml.AliasNode:
		if aliasDepth > 1000 || n.Alias == nil {
			return nil, c.errf(n, "alias refers to itself")
		}
		return c.convert(n.Alias, aliasDepth+1)
	}
	if isCustomTag(n.Tag) {
		return c.tag(n, aliasDepth)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return c.scalar(n)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, item := range n.Content {
			v, err := c.convert(item, aliasDepth)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		o := newOmap(len(n.Content) / 2)
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Tag == "!!merge" {
				merges = append(merges, v)
				continue
			}
			if k.Kind != yaml.ScalarNode || isCustomTag(k.Tag) {
				return nil, c.errf(k, "mapping keys must be plain strings or numbers")
			}
			val, err := c.convert(v, aliasDepth)
			if err != nil {
				return nil, err
			}
			o.set(k.Value, val)
		}
		// "<<: *anchor" adds the anchor's keys that are not set explicitly.
		for _, m := range merges {
			if err := c.merge(o, m, aliasDepth); err != nil {
				return nil, err
			}
		}
		return o, nil
	}
	return nil, c.errf(n, "unsupported YAML node")
}

func (c *converter) merge(o *omap, m *yaml.Node, aliasDepth int) error {
	v, err := c.convert(m, aliasDepth)
	if err != nil {
		return err
	}
	srcs := []any{v}
	if l, ok := v.([]any); ok {
		srcs = l
	}
	for _, s := range srcs {
		so, ok := s.(*omap)
		if !ok {
			return c.errf(m, "a merge key (<<) needs a mapping or a list of mappings")
		}
		for _, k := range so.keys {
			if _, exists := o.m[k]; !exists {
				o.set(k, so.m[k])
			}
		}
	}
	return nil
}

func isCustomTag(t string) bool { return strings.HasPrefix(t, "!") && !strings.HasPrefix(t, "!!") }

func (c *converter) scalar(n *yaml.Node) (any, error) {
	switch n.Tag {
	case "!!null":
		return nil, nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err != nil {
			return nil, c.errf(n, "invalid boolean "+strconv.Quote(n.Value))
		}
		return b, nil
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, nil
		}
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, c.errf(n, "invalid number "+strconv.Quote(n.Value))
		}
		return f, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil {
			return nil, c.errf(n, "invalid number "+strconv.Quote(n.Value))
		}
		return f, nil
	case "!!str", "!!timestamp", "!!binary", "":
		// Timestamps stay text: the API parses them like any date string.
		return n.Value, nil
	}
	return nil, c.errf(n, "unsupported YAML tag "+n.Tag)
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlSyntaxError turns a yaml.v3 error into a SyntaxError with line and
// column. yaml.v3 reports only the line, so the column is located from the
// message (the offending character), and JSON files get the exact position
// from encoding/json.
func yamlSyntaxError(data []byte, name string, err error) error {
	if trimmed := bytes.TrimSpace(data); len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		var v any
		if jerr := json.Unmarshal(data, &v); jerr != nil {
			var se *json.SyntaxError
			if errors.As(jerr, &se) {
				line, col := offsetToLineCol(data, int(se.Offset)-1) // Offset is after the bad byte
				return &SyntaxError{Name: name, Line: line, Column: col, Msg: se.Error()}
			}
		}
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	m := yamlLineRe.FindStringSubmatch(err.Error())
	if m == nil {
		return &SyntaxError{Name: name, Msg: msg}
	}
	line, _ := strconv.Atoi(m[1])
	msg = m[2]
	return &SyntaxError{Name: name, Line: line, Column: guessColumn(data, line, msg), Msg: msg}
}

func offsetToLineCol(data []byte, off int) (int, int) {
	if off > len(data) {
		off = len(data)
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return line, col
}

// guessColumn finds the column of the problem yaml.v3 reports on a line:
// the character it names, a stray ": ", a tab, else the line's first
// non-blank character.
func guessColumn(data []byte, line int, msg string) int {
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return 1
	}
	l := string(lines[line-1])
	if i := strings.Index(msg, "found character that cannot start any token"); i >= 0 {
		for j, r := range l {
			if strings.ContainsRune("@`\t%", r) && strings.TrimSpace(l[:j]) != "" || r == '@' || r == '`' {
				return j + 1
			}
		}
	}
	if strings.Contains(msg, "tab") {
		if j := strings.IndexByte(l, '\t'); j >= 0 {
			return j + 1
		}
	}
	if strings.Contains(msg, "mapping values are not allowed") {
		first := strings.Index(l, ": ")
		if first >= 0 {
			if second := strings.Index(l[first+2:], ":"); second >= 0 {
				return first + 2 + second + 1
			}
			return first + 1
		}
	}
	for j, r := range l {
		if r != ' ' && r != '\t' {
			return j + 1
		}
	}
	return 1
}
