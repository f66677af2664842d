package blueprint

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/usher-id/usher/internal/resource"
)

// resolveSnippet parses one YAML value and resolves its tags as an entry of
// model test.thing would, with the given context and saved ids.
func resolveSnippet(t *testing.T, rc *resource.Ctx, ctxVals map[string]any, saved map[string]any, dir, src string) (any, error) {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(src), &n); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	c := &converter{name: "snippet"}
	v, err := c.convert(&n, 0)
	if err != nil {
		return nil, err
	}
	r := &resolver{ctx: context.Background(), rc: rc, dir: dir, saved: saved, model: "test.thing", trusted: true,
		context: mergedContext(&Blueprint{}, ctxVals)}
	out, err := r.value(v)
	if err != nil {
		return nil, err
	}
	return toPlain(out), nil
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestTags(t *testing.T) {
	t.Setenv("USHER_BP_SET", "from-env")
	t.Setenv("USHER_BP_EMPTY", "")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("  s3cret\n\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctxVals := map[string]any{"domain": "example.com", "n": 3, "list": []any{"a", "b"},
		"obj": map[string]any{"k": "v"}}
	saved := map[string]any{"flow": "f-uuid", "user": int64(7)}

	cases := []struct {
		tag, src, want, err string
	}{
		// !KeyOf
		{"KeyOf", `!KeyOf flow`, `"f-uuid"`, ""},
		{"KeyOf", `!KeyOf user`, `7`, ""},
		{"KeyOf", `!KeyOf missing`, "", "KeyOf: failed to find entry with `id` of `missing` and a model instance"},
		// !Env: empty counts as unset
		{"Env", `!Env USHER_BP_SET`, `"from-env"`, ""},
		{"Env", `!Env USHER_BP_UNSET`, `null`, ""},
		{"Env", `!Env [USHER_BP_UNSET, fallback]`, `"fallback"`, ""},
		{"Env", `!Env [USHER_BP_EMPTY, fallback]`, `"fallback"`, ""},
		{"Env", `!Env [USHER_BP_SET, fallback]`, `"from-env"`, ""},
		// !File: stripped; a read error gives the default
		{"File", `!File secret.txt`, `"s3cret"`, ""},
		{"File", `!File [nope.txt, dflt]`, `"dflt"`, ""},
		{"File", `!File nope.txt`, `null`, ""},
		// !Context
		{"Context", `!Context domain`, `"example.com"`, ""},
		{"Context", `!Context [missing, d]`, `"d"`, ""},
		{"Context", `!Context missing`, `null`, ""},
		{"Context", `!Context goauthentik.io/enterprise/licensed`, `false`, ""},
		{"Context", `!Context obj`, `{"k":"v"}`, ""},
		// !ParseJSON
		{"ParseJSON", `!ParseJSON '{"a": [1, 2.5, true, null], "b": "x"}'`, `{"a":[1,2.5,true,null],"b":"x"}`, ""},
		{"ParseJSON", `!ParseJSON '{"a": '`, "", "ParseJSON:"},
		// !Format: Python % formatting
		{"Format", `!Format ["%s-%d-%%", abc, 42]`, `"abc-42-%"`, ""},
		{"Format", `!Format ["%s/%s", !Context domain, !Context n]`, `"example.com/3"`, ""},
		{"Format", `!Format ["%s", true]`, `"True"`, ""},
		{"Format", `!Format ["%s", null]`, `"None"`, ""},
		{"Format", `!Format ["%05.1f|%x|%r", 3.14159, 255, a]`, `"003.1|ff|'a'"`, ""},
		{"Format", `!Format ["%s %s", one]`, "", "not enough arguments for format string"},
		{"Format", `!Format ["%s", one, two]`, "", "not all arguments converted during string formatting"},
		{"Format", `!Format ["%d", abc]`, "", "%d format: a real number is required, not str"},
		// !Find without a match is null; an unknown model is an error
		{"Find", `!Find [test.thing, [name, nothing-here]]`, `null`, ""},
		{"Find", `!Find [test.thing, [name, existing]]`, `"thing-existing"`, ""},
		{"Find", `!Find [authentik_nope.nope, [name, x]]`, "", `Find: unknown model "authentik_nope.nope"`},
		{"FindObject", `!FindObject [test.thing, [name, existing]]`, `{"count":2,"name":"existing","pk":"thing-existing","ref":"","value":"v"}`, ""},
		{"FindObject", `!FindObject [test.thing, [name, nothing-here]]`, `null`, ""},
		// !Condition
		{"Condition", `!Condition [AND, true, 1, "x"]`, `true`, ""},
		{"Condition", `!Condition [and, true, 0]`, `false`, ""},
		{"Condition", `!Condition [NAND, true, 0]`, `true`, ""},
		{"Condition", `!Condition [OR, false, "", []]`, `false`, ""},
		{"Condition", `!Condition [NOR, false, {}]`, `true`, ""},
		{"Condition", `!Condition [XOR, true, true, true]`, `true`, ""},
		{"Condition", `!Condition [XOR, true, true]`, `false`, ""},
		{"Condition", `!Condition [XOR, yes]`, `true`, ""},
		{"Condition", `!Condition [XNOR, true]`, `false`, ""},
		{"Condition", `!Condition [AND]`, "", "At least one value is required after mode selection."},
		{"Condition", `!Condition [MAYBE, true]`, "", `Condition: invalid mode "MAYBE"`},
		// !If
		{"If", `!If [!Context domain]`, `true`, ""},
		{"If", `!If [!Context missing]`, `false`, ""},
		{"If", `!If [{}, yes-branch, no-branch]`, `"no-branch"`, ""},
		{"If", `!If [[1], !Format ["%s!", !Context domain], no]`, `"example.com!"`, ""},
		// !Enumerate, !Index, !Value
		{"Enumerate", `!Enumerate [[a, b], SEQ, !Format ["%s=%s", !Index 0, !Value 0]]`, `["0=a","1=b"]`, ""},
		{"Enumerate", `!Enumerate [{x: 1, y: 2}, MAP, [!Value 0, !Index 0]]`, `{"1":"x","2":"y"}`, ""},
		{"Enumerate", `!Enumerate [{x: 1, y: 2}, SEQ, !Index 0]`, `["x","y"]`, ""},
		{"Enumerate", `!Enumerate [ab, SEQ, !Value 0]`, `["a","b"]`, ""},
		{"Enumerate", `!Enumerate [[a], MAP, {k: [!Value 0]}]`, `{"k":["a"]}`, ""},
		{"Enumerate", `!Enumerate [[a, b], MAP, {k: [!Value 0]}]`, `{"k":["a","b"]}`, ""},
		{"Enumerate", `!Enumerate [[1, 2], SEQ, !Enumerate [[x, y], SEQ, !Format ["%s%s", !Value 1, !Value 0]]]`, `[["1x","1y"],["2x","2y"]]`, ""},
		{"Enumerate", `!Enumerate [!Context list, SEQ, !Value 0]`, `["a","b"]`, ""},
		{"Enumerate", `!Enumerate [[], SEQ, x]`, `[]`, ""},
		{"Enumerate", `!Enumerate [5, SEQ, x]`, "", "Enumerate's iterable must be an iterable such as a sequence or a mapping"},
		{"Enumerate", `!Enumerate [!Index 0, SEQ, x]`, "", "Enumerate tag's iterable references this tag's context"},
		{"Enumerate", `!Enumerate [[a], MAP, just-a-string]`, "", "Invalid Enumerate item found: just-a-string"},
		{"Index", `!Index 0`, "", "Index tags are only usable inside an Enumerate tag"},
		{"Value", `!Value 0`, "", "Value tags are only usable inside an Enumerate tag"},
		{"Index", `!Enumerate [[a], SEQ, !Index 3]`, "", "Index tag: invalid depth: 3. Max depth: 0"},
		// !AtIndex
		{"AtIndex", `!AtIndex [[a, b, c], 1]`, `"b"`, ""},
		{"AtIndex", `!AtIndex [[a, b, c], -1]`, `"c"`, ""},
		{"AtIndex", `!AtIndex [{k: v}, k]`, `"v"`, ""},
		{"AtIndex", `!AtIndex [[a], 5, dflt]`, `"dflt"`, ""},
		{"AtIndex", `!AtIndex [{k: v}, x, dflt]`, `"dflt"`, ""},
		{"AtIndex", `!AtIndex [[a], 5]`, "", "Index out of range: 5"},
		{"AtIndex", `!AtIndex [{k: v}, x]`, "", "Key does not exist: x"},
		{"AtIndex", `!AtIndex [[a], x]`, "", "Invalid index for list: x"},
	}
	a := newTestApp(t)
	rc := &resource.Ctx{Q: a.Store, Blueprint: true}
	if _, err := resource.Lookup("test.thing"); !err {
		t.Fatal("test.thing not registered")
	}
	kind, _ := resource.Lookup("test.thing")
	if _, err := kind.Save(rc, nil, map[string]any{"name": "existing", "value": "v", "count": float64(2)}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.tag+"/"+tc.src, func(t *testing.T) {
			got, err := resolveSnippet(t, rc, ctxVals, saved, dir, tc.src)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error = %v, want it to contain %q (value %s)", err, tc.err, asJSON(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if s := asJSON(got); s != tc.want {
				t.Fatalf("got %s, want %s", s, tc.want)
			}
		})
	}
}

// Recursion through !Context and runaway expansion end with a message.
func TestTagLimits(t *testing.T) {
	cases := []struct {
		name, ctxYAML, src, err string
	}{
		{"context refers to itself", "self: !Context self", `!Context self`, "tags are nested more than 64 deep"},
		{"enumerate inside itself via context", "e: !Enumerate [[1, 2], SEQ, !Context e]", `!Context e`, "nested more than"},
		{"exponential enumerate", "", strings.Repeat("!Enumerate [[1,2,3,4,5,6,7,8,9,10], SEQ, ", 8) + "x" + strings.Repeat("]", 8),
			"too many values while resolving tags"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := "version: 1\n"
			if tc.ctxYAML != "" {
				src += "context:\n  " + tc.ctxYAML + "\n"
			}
			src += "entries:\n- model: test.thing\n  identifiers: {name: x}\n  attrs:\n    value: " + tc.src + "\n"
			bp := mustParse(t, src)
			a := newTestApp(t)
			res, err := Apply(context.Background(), a, bp, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("error = %v, want %q", err, tc.err)
			}
			if !strings.HasPrefix(err.Error(), "entry 1 (model test.thing): ") {
				t.Fatalf("error does not name the entry: %v", err)
			}
			if res.Success || len(things(t, a, "x")) != 0 {
				t.Fatal("a failed blueprint left a row behind")
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"version 2", "version: 2\nentries: []\n", "Invalid blueprint version"},
		{"version string", "version: \"1\"\nentries: []\n", "Invalid blueprint version"},
		{"syntax", "version: 1\nentries:\n  - model: a.b\n    identifiers: {name: x\n", "test.yaml: line 3, column 3: did not find expected ',' or '}'"},
		{"mapping values", "version: 1\nentries:\n  - model: a.b: c\n", "test.yaml: line 3, column 15: mapping values are not allowed in this context"},
		{"bad indent", "version: 1\nentries:\n- model: a.b\n identifiers: {}\n", "test.yaml: line 3, column 1: did not find expected key"},
		{"json syntax", `{"version": 1, "entries": [}`, "test.yaml: line 1, column 28"},
		{"unknown tag", "version: 1\nentries:\n- model: a.b\n  attrs: {x: !Nope y}\n", "line 4, column 14: unknown tag !Nope"},
		{"keyof sequence", "version: 1\nentries:\n- model: a.b\n  attrs: {x: !KeyOf [a]}\n", "!KeyOf takes the id of an earlier entry"},
		{"format scalar", "version: 1\nentries:\n- model: a.b\n  attrs: {x: !Format abc}\n", "!Format takes a list [format, args...]"},
		{"if two", "version: 1\nentries:\n- model: a.b\n  attrs: {x: !If [a, b]}\n", "!If takes [condition] or [condition, then, else]"},
		{"enumerate mode", "version: 1\nentries:\n- model: a.b\n  attrs: {x: !Enumerate [[], LIST, a]}\n", "!Enumerate output must be SEQ or MAP"},
		{"find pair", "version: 1\nentries:\n- model: a.b\n  attrs: {x: !Find [a.b, slug]}\n", "!Find conditions are [key, value] pairs"},
		{"index negative", "version: 1\nentries:\n- model: a.b\n  attrs: {x: !Index -1}\n", "!Index takes a depth"},
		{"deep enumerate", "version: 1\nentries:\n- model: a.b\n  attrs: {x: " + strings.Repeat("!Enumerate [[1], SEQ, ", 17) + "x" + strings.Repeat("]", 17) + "}\n",
			"!Enumerate is nested more than 16 deep"},
		{"no model", "version: 1\nentries:\n- identifiers: {name: x}\n", "entry 1: \"model\" is required"},
		{"unknown entry key", "version: 1\nentries:\n- model: a.b\n  atrs: {}\n", `entry 1: unknown key "atrs"`},
		{"metadata without name", "version: 1\nmetadata:\n  labels: {}\nentries: []\n", "metadata \"name\" is required"},
		{"alias bomb", "version: 1\ncontext:\n a: &a [x,x,x,x,x,x,x,x,x,x]\n b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n", "expands to more than"},
		{"empty", "", "the file is empty"},
		{"not a mapping", "- a\n- b\n", "a blueprint must be a mapping"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src), "test.yaml")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseShapes(t *testing.T) {
	// Sections are flattened in order; JSON parses too; a missing version is 1.
	bp := mustParse(t, `
metadata:
  name: sections
  labels: {blueprints.goauthentik.io/instantiate: "false"}
entries:
  first:
    - {model: test.thing, id: a, identifiers: {name: a}}
    - {model: test.thing, id: b, identifiers: {name: b}}
  second:
    - {model: Test.Thing, id: c, identifiers: {name: c}}
`)
	var ids []string
	for _, e := range bp.Entries {
		ids = append(ids, e.ID+":"+e.Model())
	}
	if got := strings.Join(ids, ","); got != "a:test.thing,b:test.thing,c:test.thing" {
		t.Fatalf("entries = %s", got)
	}
	if bp.Instantiate() || bp.Metadata.Name != "sections" {
		t.Fatalf("metadata = %+v", bp.Metadata)
	}
	js := mustParse(t, `{"version": 1, "metadata": {"name": "j"}, "entries": [{"model": "test.thing", "identifiers": {"name": "x"}, "attrs": {"count": 3}}]}`)
	if len(js.Entries) != 1 || js.Metadata.Name != "j" || !js.Instantiate() {
		t.Fatalf("json blueprint = %+v", js)
	}
}
