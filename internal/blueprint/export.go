package blueprint

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// Model names the exporter writes besides the stage kinds'.
const (
	modelFlow          = store.ModelFlow
	modelBinding       = store.ModelFlowStageBinding
	modelPrompt        = store.ModelPrompt
	modelPolicyBinding = store.ModelPolicyBinding
	modelGroup         = store.ModelGroup
	modelUser          = store.ModelUser
)

// policyModels maps store.Policy.Kind to its model.
var policyModels = map[string]string{store.PolicyExpression: store.ModelExpressionPolicy, store.PolicyPassword: store.ModelPasswordPolicy}

// exportReadOnly are serializer fields an export leaves out: computed or
// read-only on the API, so a blueprint could not set them anyway.
var exportReadOnly = map[string]bool{
	"pk": true, "policybindingmodel_ptr_id": true, "background_url": true, "background_themed_urls": true,
	"stages": true, "policies": true, "cache_count": true, "export_url": true, "component": true,
	"verbose_name": true, "verbose_name_plural": true, "meta_model_name": true, "flow_set": true,
	"bound_to": true, "expires": true, "expiring": true,
}

// refModels are the fields holding references, with the model a reference
// to an object outside the export is looked up in ("stage" means the
// referenced stage's own model).
var refModels = map[string]string{
	"fields": modelPrompt, "validation_policies": "policy", "policy": "policy", "password_stage": "stage",
	"stage": "stage", "create_users_group": modelGroup, "group": modelGroup, "user": modelUser,
	"enrollment_flow": modelFlow, "recovery_flow": modelFlow, "passwordless_flow": modelFlow,
	"configure_flow": modelFlow, "target": modelFlow, // a policy binding's target is always exported
}

// ExportFlow renders the flow with slug as an authentik-format blueprint:
// the flow, its prompts, policies, stages, stage bindings and policy
// bindings (authentik's blueprints/api.py import_). Every entry is identified by its pk plus its natural
// key, and references are !KeyOf to earlier entries (or !Find for objects
// outside the flow, such as a user write stage's group), so the file
// re-imports to the same rows here and recreates them with the same UUIDs
// elsewhere. An unknown slug returns an error wrapping store.ErrNotFound.
func ExportFlow(ctx context.Context, q store.Queries, slug string) ([]byte, error) {
	flow, err := q.GetFlowBySlug(ctx, slug)
	if err != nil {
		return nil, fmt.Errorf("flow %q: %w", slug, err)
	}
	x := &exporter{ctx: ctx, q: q, rc: &resource.Ctx{Context: ctx, Q: q}, ids: map[string]string{},
		used: map[string]bool{}, stages: map[string]store.Stage{}}
	if err := x.collect(flow); err != nil {
		return nil, fmt.Errorf("export flow %q: %w", slug, err)
	}
	if err := x.render(flow); err != nil {
		return nil, fmt.Errorf("export flow %q: %w", slug, err)
	}
	doc := yamlMap(
		"version", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: "1"},
		"metadata", yamlMap(
			"name", yamlStr("usher export - "+flow.Name),
			"labels", yamlMap(LabelGenerated, yamlStr("true")),
		),
		"entries", &yaml.Node{Kind: yaml.SequenceNode, Content: x.entries},
	)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("export flow %q: %w", slug, err)
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// exporter gathers one flow's objects, then renders them in dependency
// order: flow, prompts, policies, stages, bindings, policy bindings. The
// flow comes first, as in authentik's export, because it depends on nothing
// and a stage may refer to it (an identification stage's recovery flow).
type exporter struct {
	ctx context.Context
	q   store.Queries
	rc  *resource.Ctx

	bindings       []store.FlowStageBinding
	stageOrder     []string // stage UUIDs, each after the stages it references
	stages         map[string]store.Stage
	prompts        []store.Prompt
	policies       []store.Policy
	policyBindings []store.PolicyBinding

	ids     map[string]string // exported UUID -> entry id
	used    map[string]bool   // entry ids taken
	entries []*yaml.Node
}

func (x *exporter) collect(flow store.Flow) error {
	var err error
	if x.bindings, err = x.q.ListBindings(x.ctx, flow.UUID); err != nil {
		return err
	}
	for _, b := range x.bindings {
		if err := x.addStage(b.Stage, map[string]bool{}); err != nil {
			return err
		}
	}
	// Policy bindings on the flow and on each of its stage bindings.
	targets := []string{flow.UUID}
	for _, b := range x.bindings {
		targets = append(targets, b.UUID)
	}
	policySeen := map[string]bool{}
	addPolicy := func(id string) error {
		if policySeen[id] {
			return nil
		}
		policySeen[id] = true
		p, err := x.q.GetPolicy(x.ctx, id)
		if err != nil {
			return fmt.Errorf("policy %s: %w", id, err)
		}
		x.policies = append(x.policies, p)
		return nil
	}
	promptSeen := map[string]bool{}
	for _, id := range x.stageOrder {
		s := x.stages[id]
		if s.Kind != store.StagePrompt || s.Prompt == nil {
			continue
		}
		for _, pid := range s.Prompt.Fields {
			if promptSeen[pid] {
				continue
			}
			promptSeen[pid] = true
			p, err := x.q.GetPrompt(x.ctx, pid)
			if err != nil {
				return fmt.Errorf("prompt %s: %w", pid, err)
			}
			x.prompts = append(x.prompts, p)
		}
		for _, pid := range s.Prompt.ValidationPolicies {
			if err := addPolicy(pid); err != nil {
				return err
			}
		}
	}
	for _, t := range targets {
		pbs, err := x.q.ListPolicyBindings(x.ctx, t)
		if err != nil {
			return err
		}
		for _, pb := range pbs {
			if pb.Policy != nil {
				if err := addPolicy(*pb.Policy); err != nil {
					return err
				}
			}
			x.policyBindings = append(x.policyBindings, pb)
		}
	}
	return nil
}

// addStage adds a stage after the stages it references (an identification
// stage's password stage), so its !KeyOf finds them already saved.
func (x *exporter) addStage(id string, visiting map[string]bool) error {
	if _, ok := x.stages[id]; ok || visiting[id] {
		return nil
	}
	visiting[id] = true
	s, err := x.q.GetStage(x.ctx, id)
	if err != nil {
		return fmt.Errorf("stage %s: %w", id, err)
	}
	if s.Kind == store.StageIdentification && s.Identification != nil && s.Identification.PasswordStage != nil {
		if err := x.addStage(*s.Identification.PasswordStage, visiting); err != nil {
			return err
		}
	}
	x.stages[id] = s
	x.stageOrder = append(x.stageOrder, id)
	return nil
}

func (x *exporter) render(flow store.Flow) error {
	if err := x.entry(modelFlow, "flow-"+flow.Slug, flow, flow.UUID, "slug"); err != nil {
		return err
	}
	for _, p := range x.prompts {
		if err := x.entry(modelPrompt, "prompt-"+p.Name, p, p.UUID, "name"); err != nil {
			return err
		}
	}
	for _, p := range x.policies {
		model, ok := policyModels[p.Kind]
		if !ok {
			return fmt.Errorf("policy %q is of kind %q, which cannot be exported", p.Name, p.Kind)
		}
		if err := x.entry(model, "policy-"+p.Name, p, p.UUID, "name"); err != nil {
			return err
		}
	}
	for _, id := range x.stageOrder {
		s := x.stages[id]
		m, ok := resource.StageModel(s.Kind)
		if !ok {
			return fmt.Errorf("stage %q is of kind %q, which cannot be exported", s.Name, s.Kind)
		}
		if err := x.entry(m.Name, "stage-"+s.Name, s, s.UUID, "name"); err != nil {
			return err
		}
	}
	for _, b := range x.bindings {
		name := x.stages[b.Stage].Name
		if err := x.entry(modelBinding, fmt.Sprintf("binding-%d-%s", b.Order, name), b, b.UUID, "target", "stage", "order"); err != nil {
			return err
		}
	}
	for _, pb := range x.policyBindings {
		if err := x.entry(modelPolicyBinding, "", pb, pb.UUID, "policy", "target", "order"); err != nil {
			return err
		}
	}
	return nil
}

// entry renders one object: identifiers pk plus natural, attrs the rest of
// its writable serializer fields in the serializer's order. An empty id
// means nothing refers to the entry.
func (x *exporter) entry(model, id string, obj resource.Object, pk string, natural ...string) error {
	kind, ok := resource.Lookup(model)
	if !ok {
		return fmt.Errorf("model %s is not registered", model)
	}
	data, err := kind.Serialize(x.rc, obj)
	if err != nil {
		return fmt.Errorf("%s %s: %w", model, pk, err)
	}
	ids := yamlMap("pk", yamlStr(pk))
	for _, k := range natural {
		v, err := x.value(k, data[k])
		if err != nil {
			return err
		}
		ids.Content = append(ids.Content, yamlStr(k), v)
	}
	attrs := yamlMap()
	for _, k := range kind.Fields {
		v, ok := data[k]
		if !ok || exportReadOnly[k] || strings.HasSuffix(k, "_obj") || slices.Contains(natural, k) {
			continue
		}
		n, err := x.value(k, v)
		if err != nil {
			return err
		}
		attrs.Content = append(attrs.Content, yamlStr(k), n)
	}
	e := yamlMap("model", yamlStr(model))
	if id != "" {
		id = x.uniqueID(id)
		x.ids[pk] = id
		e.Content = append(e.Content, yamlStr("id"), yamlStr(id))
	}
	e.Content = append(e.Content, yamlStr("identifiers"), ids)
	if len(attrs.Content) > 0 {
		e.Content = append(e.Content, yamlStr("attrs"), attrs)
	}
	x.entries = append(x.entries, e)
	return nil
}

// value renders a field's value; references become tags.
func (x *exporter) value(field string, v any) (*yaml.Node, error) {
	if _, isRef := refModels[field]; !isRef || v == nil {
		return yamlValue(v)
	}
	if list, ok := v.([]string); ok {
		seq := &yaml.Node{Kind: yaml.SequenceNode}
		for _, item := range list {
			n, err := x.ref(field, item)
			if err != nil {
				return nil, err
			}
			seq.Content = append(seq.Content, n)
		}
		return seq, nil
	}
	return x.ref(field, v)
}

// ref is !KeyOf for an object in the export, else !Find by the object's
// natural key; a reference to a missing row is written as it is.
func (x *exporter) ref(field string, v any) (*yaml.Node, error) {
	if s, ok := v.(string); ok {
		if id, ok := x.ids[s]; ok {
			return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!KeyOf", Value: id}, nil
		}
	}
	model, key, val, err := x.naturalKey(refModels[field], v)
	if errors.Is(err, store.ErrNotFound) {
		return yamlValue(v)
	}
	if err != nil {
		return nil, fmt.Errorf("field %s: %w", field, err)
	}
	find := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!Find", Style: yaml.FlowStyle}
	pair := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Content: []*yaml.Node{yamlStr(key), yamlStr(val)}}
	find.Content = []*yaml.Node{yamlStr(model), pair}
	return find, nil
}

// naturalKey returns the model, unique field and value that find the
// object a reference points at.
func (x *exporter) naturalKey(model string, v any) (string, string, string, error) {
	if model == modelUser {
		pk, ok := v.(int64)
		if !ok {
			return "", "", "", store.ErrNotFound
		}
		u, err := x.q.GetUser(x.ctx, pk)
		return model, "username", u.Username, err
	}
	id, ok := v.(string)
	if !ok {
		return "", "", "", store.ErrNotFound
	}
	switch model {
	case modelGroup:
		g, err := x.q.GetGroup(x.ctx, id)
		return model, "name", g.Name, err
	case modelFlow:
		f, err := x.q.GetFlow(x.ctx, id)
		return model, "slug", f.Slug, err
	case modelPrompt:
		p, err := x.q.GetPrompt(x.ctx, id)
		return model, "name", p.Name, err
	case "policy":
		p, err := x.q.GetPolicy(x.ctx, id)
		return policyModels[p.Kind], "name", p.Name, err
	case "stage":
		s, err := x.q.GetStage(x.ctx, id)
		if err != nil {
			return "", "", "", err
		}
		m, ok := resource.StageModel(s.Kind)
		if !ok {
			return "", "", "", store.ErrNotFound
		}
		return m.Name, "name", s.Name, nil
	}
	return "", "", "", store.ErrNotFound
}

// uniqueID turns a name into an entry id (lower case, letters, digits and
// dashes), numbered when two names collapse to the same id.
func (x *exporter) uniqueID(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	id := strings.TrimSuffix(b.String(), "-")
	if id == "" {
		id = "entry"
	}
	out := id
	for n := 2; x.used[out]; n++ {
		out = fmt.Sprintf("%s-%d", id, n)
	}
	x.used[out] = true
	return out
}

// yamlMap builds a mapping node from keys and value nodes.
func yamlMap(kv ...any) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Content = append(m.Content, yamlStr(kv[i].(string)), kv[i+1].(*yaml.Node))
	}
	return m
}

// yamlStr is a string node, quoted when YAML would read it as another type.
func yamlStr(s string) *yaml.Node {
	var n yaml.Node
	_ = n.Encode(s) // a string always encodes
	return &n
}

// yamlValue encodes a serializer value (JSON-like: scalars, lists, maps).
func yamlValue(v any) (*yaml.Node, error) {
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		return nil, fmt.Errorf("cannot write %T as YAML: %w", v, err)
	}
	return &n, nil
}
