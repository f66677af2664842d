package blueprint

import (
	"context"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

func actions(res Result) string {
	var out []string
	for _, c := range res.Changes {
		out = append(out, c.Action)
	}
	return strings.Join(out, ",")
}

// One database, blueprints applied in sequence: states, conditions and
// idempotency.
func TestApplyStates(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	steps := []struct {
		name, src   string
		wantActions string
		wantValue   map[string]string // name -> value after the step ("" = absent)
	}{
		{"create", `
- {model: test.thing, id: a, identifiers: {name: a}, attrs: {value: one, count: 1}}
- {model: test.thing, identifiers: {name: b}, attrs: {value: !KeyOf a}}`,
			"created,created", map[string]string{"a": "one", "b": "thing-a"}},
		{"re-apply is unchanged", `
- {model: test.thing, id: a, identifiers: {name: a}, attrs: {value: one, count: 1}}
- {model: test.thing, identifiers: {name: b}, attrs: {value: !KeyOf a}}`,
			"unchanged,unchanged", map[string]string{"a": "one", "b": "thing-a"}},
		{"update changes only given keys", `
- {model: test.thing, identifiers: {name: a}, attrs: {value: two}}`,
			"updated", map[string]string{"a": "two"}},
		{"created leaves an existing object as is", `
- {model: test.thing, state: created, identifiers: {name: a}, attrs: {value: three}}
- {model: test.thing, state: created, identifiers: {name: c}, attrs: {value: new}}`,
			"unchanged,created", map[string]string{"a": "two", "c": "new"}},
		{"false condition skips", `
- {model: test.thing, conditions: [!Condition [AND, true, false]], identifiers: {name: d}, attrs: {value: x}}
- {model: test.thing, conditions: [!Context goauthentik.io/enterprise/licensed], identifiers: {name: d}, attrs: {value: x}}`,
			"skipped,skipped", map[string]string{"d": ""}},
		{"absent deletes", `
- {model: test.thing, state: absent, identifiers: {name: c}}
- {model: test.thing, state: absent, identifiers: {name: never-existed}}`,
			"deleted,unchanged", map[string]string{"c": ""}},
		{"must_created on a new object", `
- {model: test.thing, state: must_created, identifiers: {name: e}, attrs: {value: x}}`,
			"created", map[string]string{"e": "x"}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			res, err := Apply(ctx, a, mustParse(t, "version: 1\nentries:"+s.src), Options{})
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			if got := actions(res); got != s.wantActions {
				t.Fatalf("actions = %s, want %s", got, s.wantActions)
			}
			for name, want := range s.wantValue {
				got, ok := things(t, a, name)[name]
				if want == "" && ok {
					t.Fatalf("%s exists: %+v", name, got)
				}
				if want != "" && got.Value != want {
					t.Fatalf("%s value = %q, want %q", name, got.Value, want)
				}
			}
		})
	}
}

// Every bad input fails with one message naming the entry, the model and
// the field, and leaves the database as it was.
func TestApplyBadInput(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name, src, want string
	}{
		{"fails at last entry", `
- {model: test.thing, id: first, identifiers: {name: n1}, attrs: {value: ok}}
- {model: test.thing, id: second, identifiers: {name: n2}, attrs: {value: ok}}
- {model: test.thing, id: third, identifiers: {name: n3}, attrs: {value: bad}}`,
			`entry 3 (id: third, model test.thing): field "value": "bad" is not a valid choice.`},
		{"unknown model", `
- {model: test.thing, identifiers: {name: n1}}
- {model: authentik_sources_ldap.ldapsource, id: ldap, identifiers: {slug: x}}`,
			`entry 2 (id: ldap, model authentik_sources_ldap.ldapsource): model "authentik_sources_ldap.ldapsource" is not supported: usher does not have this model`},
		{"not app_label.model", `
- {model: flow, identifiers: {slug: x}}`,
			`entry 1: model 'flow' must be "app_label.model"`},
		{"unknown field", `
- {model: test.thing, identifiers: {name: n1}, attrs: {vaule: x}}`,
			`entry 1 (model test.thing): field "vaule": Unknown field.`},
		{"KeyOf a later id", `
- {model: test.thing, identifiers: {name: n1}, attrs: {value: !KeyOf later}}
- {model: test.thing, id: later, identifiers: {name: n2}}`,
			"entry 1 (model test.thing): KeyOf: failed to find entry with `id` of `later` and a model instance (line 3, column 63)"},
		{"KeyOf a missing id", `
- {model: test.thing, identifiers: {name: n1}}
- {model: test.thing, id: x, identifiers: {name: n2}, attrs: {value: !KeyOf nowhere}}`,
			"entry 2 (id: x, model test.thing): KeyOf: failed to find entry with `id` of `nowhere` and a model instance"},
		{"KeyOf a skipped entry", `
- {model: test.thing, id: skipped, conditions: [false], identifiers: {name: n1}}
- {model: test.thing, identifiers: {name: n2}, attrs: {value: !KeyOf skipped}}`,
			"entry 2 (model test.thing): KeyOf: failed to find entry with `id` of `skipped`"},
		{"bad reference", `
- {model: test.thing, identifiers: {name: n1}, attrs: {ref: thing-ghost}}`,
			`entry 1 (model test.thing): field "ref": Invalid pk "thing-ghost" - object does not exist.`},
		{"wrong type", `
- {model: test.thing, identifiers: {name: n1}, attrs: {count: many}}`,
			`entry 1 (model test.thing): field "count": A valid integer is required.`},
		{"no identifiers", `
- {model: test.thing, attrs: {value: x}}`,
			`entry 1 (model test.thing): No or invalid identifiers`},
		{"invalid identifier field", `
- {model: test.thing, identifiers: {colour: x}}`,
			`entry 1 (model test.thing): Invalid identifier field: field "colour": no such field`},
		{"bad state", `
- {model: test.thing, state: gone, identifiers: {name: n1}}`,
			`entry 1 (model test.thing): state 'gone' is not valid: use present, created, must_created or absent`},
		{"must_created exists", `
- {model: test.thing, identifiers: {name: n1}}
- {model: test.thing, state: must_created, identifiers: {name: keep}}`,
			`entry 2 (model test.thing): field "name": State is set to must_created and object exists already`},
		{"tag error in a condition", `
- {model: test.thing, conditions: [!Condition [AND]], identifiers: {name: n1}}`,
			`entry 1 (model test.thing): At least one value is required after mode selection.`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newTestApp(t)
			// One existing row, which must survive unchanged.
			if _, err := Apply(ctx, a, mustParse(t, "version: 1\nentries:\n- {model: test.thing, identifiers: {name: keep}, attrs: {value: kept}}"), Options{}); err != nil {
				t.Fatal(err)
			}
			res, err := Apply(ctx, a, mustParse(t, "version: 1\nentries:"+tc.src), Options{})
			if err == nil {
				t.Fatalf("no error; changes %s", actions(res))
			}
			if err.Error() != tc.want && !strings.HasPrefix(err.Error(), tc.want) {
				t.Fatalf("error = %q\nwant    %q", err.Error(), tc.want)
			}
			if res.Success {
				t.Fatal("Success is true")
			}
			// The entry's error is logged once; later entries are still
			// tried (and rolled back with it).
			var errLines []LogEntry
			for _, l := range res.Logs {
				if l.LogLevel == "error" {
					errLines = append(errLines, l)
				}
			}
			if len(errLines) != 1 || errLines[0].Event != err.Error() || errLines[0].Logger != loggerName {
				t.Fatalf("error log lines = %+v", errLines)
			}
			got := things(t, a, "n1", "n2", "n3", "keep")
			if len(got) != 1 || got["keep"].Value != "kept" {
				t.Fatalf("database changed: %+v", got)
			}
		})
	}
}

func TestValidateChangesNothing(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	if _, err := Apply(ctx, a, mustParse(t, "version: 1\nentries:\n- {model: test.thing, identifiers: {name: old}, attrs: {value: v}}\n- {model: test.thing, identifiers: {name: same}, attrs: {value: v}}"), Options{}); err != nil {
		t.Fatal(err)
	}
	bp := mustParse(t, `version: 1
entries:
- {model: test.thing, identifiers: {name: new}, attrs: {value: v}}
- {model: test.thing, identifiers: {name: old}, attrs: {value: changed}}
- {model: test.thing, identifiers: {name: same}, attrs: {value: v}}
- {model: test.thing, state: absent, identifiers: {name: same}}
`)
	res, err := Validate(ctx, a, bp, Options{})
	if err != nil || !res.Success {
		t.Fatalf("validate: %v", err)
	}
	if got := actions(res); got != "created,updated,unchanged,deleted" {
		t.Fatalf("actions = %s", got)
	}
	got := things(t, a, "new", "old", "same")
	if len(got) != 2 || got["old"].Value != "v" {
		t.Fatalf("validate changed the database: %+v", got)
	}
	// Invalid content: the report says why.
	res, err = Validate(ctx, a, mustParse(t, "version: 1\nentries:\n- {model: test.thing, identifiers: {name: x}, attrs: {value: bad}}"), Options{})
	if err == nil || res.Success || !strings.Contains(res.Logs[len(res.Logs)-1].Event, `field "value"`) {
		t.Fatalf("validate of a bad blueprint: %v %+v", err, res)
	}
}

// A pk identifier from an export is replaced by the pk the object got, in
// later entries too.
func TestPKIdentifiers(t *testing.T) {
	a := newTestApp(t)
	bp := mustParse(t, `version: 1
entries:
- {model: test.thing, identifiers: {pk: exported-pk-1, name: a}, attrs: {value: x}}
- {model: test.thing, identifiers: {name: b}, attrs: {ref: exported-pk-1}}
- {model: test.thing, identifiers: {name: c}, attrs: {ref: {pk: thing-a}}}
`)
	if _, err := Apply(context.Background(), a, bp, Options{}); err == nil {
		// {pk: ...} in attrs is the model's business; test.thing wants a string.
		t.Log("ok")
	}
	bp.Entries = bp.Entries[:2]
	if _, err := Apply(context.Background(), a, bp, Options{}); err != nil {
		t.Fatal(err)
	}
	if got := things(t, a, "b")["b"].Ref; got != "thing-a" {
		t.Fatalf("ref = %q, want thing-a", got)
	}
}

func TestMetaApplyBlueprint(t *testing.T) {
	a := newTestApp(t)
	ctx := context.Background()
	inst := store.BlueprintInstance{Name: "inner", Enabled: true, Status: StatusUnknown, Context: map[string]any{"v": "from-instance"},
		Content: "version: 1\nentries:\n- {model: test.thing, identifiers: {name: inner}, attrs: {value: !Context v}}\n"}
	if err := a.Store.CreateBlueprintInstance(ctx, &inst); err != nil {
		t.Fatal(err)
	}
	loop := store.BlueprintInstance{Name: "loop", Enabled: true, Status: StatusUnknown,
		Content: "version: 1\nentries:\n- {model: authentik_blueprints.metaapplyblueprint, attrs: {identifiers: {name: loop}}}\n"}
	if err := a.Store.CreateBlueprintInstance(ctx, &loop); err != nil {
		t.Fatal(err)
	}
	broken := store.BlueprintInstance{Name: "broken-inner", Enabled: true, Status: StatusUnknown,
		Content: "version: 1\nentries:\n- {model: test.thing, identifiers: {name: inner}}\n- {model: test.thing, identifiers: {name: n2}, attrs: {value: bad}}\n" +
			"- {model: test.thing, identifiers: {name: n3}, attrs: {count: many}}\n"}
	if err := a.Store.CreateBlueprintInstance(ctx, &broken); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, src, wantErr string
		wantInner          bool
	}{
		// The message names the chain: the entry that applies the other
		// blueprint, that blueprint, and each of its bad entries.
		{"inner fails", "- {model: test.thing, identifiers: {name: n1}}\n- {model: authentik_blueprints.metaapplyblueprint, attrs: {identifiers: {name: broken-inner}}}",
			`entry 2 (model authentik_blueprints.metaapplyblueprint): blueprint "broken-inner": 2 entries have errors:` + "\n" +
				`  entry 2 (model test.thing): field "value": "bad" is not a valid choice.` + "\n" +
				`  entry 3 (model test.thing): field "count": A valid integer is required.`, false},
		{"required missing", "- {model: authentik_blueprints.metaapplyblueprint, attrs: {identifiers: {name: nope}}}",
			`entry 1 (model authentik_blueprints.metaapplyblueprint): field "identifiers": Required blueprint does not exist`, false},
		{"optional missing", "- {model: authentik_blueprints.metaapplyblueprint, attrs: {identifiers: {name: nope}, required: false}}", "", false},
		{"cycle", "- {model: authentik_blueprints.metaapplyblueprint, attrs: {identifiers: {name: loop}}}", "applies itself", false},
		{"applies inline", "- {model: authentik_blueprints.metaapplyblueprint, attrs: {identifiers: {name: inner}}}", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Apply(ctx, a, mustParse(t, "version: 1\nentries:\n"+tc.src), Options{})
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
			got, ok := things(t, a, "inner")["inner"]
			if ok != tc.wantInner || ok && got.Value != "from-instance" {
				t.Fatalf("inner = %+v (exists %v)", got, ok)
			}
		})
	}
}

// An expression policy that parses only once re-indented is applied with a
// warning in the import log naming the entry and the lines, so the change
// is never silent.
func TestApplyWarnsAboutReindentedExpression(t *testing.T) {
	a := newTestApp(t)
	src := "version: 1\nentries:\n  - model: authentik_policies_expression.expressionpolicy\n    identifiers:\n      name: flat\n" +
		"    attrs:\n      expression: |\n        if request.user.username == 'jane':\n        return True\n"
	res, err := Apply(context.Background(), a, mustParse(t, src), Options{})
	if err != nil || !res.Success {
		t.Fatalf("apply: %v", err)
	}
	var warned bool
	for _, l := range res.Logs {
		if l.LogLevel == "warning" && strings.Contains(l.Event, "line 2 indented") && l.Attributes["field"] == "expression" {
			warned = true
		}
	}
	if !warned {
		t.Fatalf("no warning in the import log: %+v", res.Logs)
	}
}
