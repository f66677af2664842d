package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/testkit"
)

func TestBlueprintCommands(t *testing.T) {
	example := testkit.ExampleBlueprint(t, "flows-enrollment-2-stage.yaml")
	broken := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(broken, []byte(`version: 1
entries:
- {model: authentik_flows.flow, id: f, identifiers: {slug: broken-flow}, attrs: {name: B, title: B, designation: enrollment}}
- {model: authentik_stages_prompt.prompt, id: p, identifiers: {name: broken-field}, attrs: {field_key: email, label: Email, type: emial}}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := testEnv(t)
	steps := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"validate changes nothing", []string{"blueprint", "validate", example}, 0,
			[]string{"entry 1 authentik_flows.flow (id: flow): would create", "valid, would apply: 14 created, 0 updated"}, ""},
		{"apply", []string{"blueprint", "apply", example}, 0,
			[]string{"entry 14 authentik_flows.flowstagebinding: created pk=", ": applied: 14 created, 0 updated, 0 unchanged"}, ""},
		{"re-apply is unchanged", []string{"blueprint", "apply", example}, 0,
			[]string{": applied: 0 created, 0 updated, 14 unchanged"}, ""},
		{"a bad entry fails the file", []string{"blueprint", "apply", broken}, 1, nil,
			`entry 2 (id: p, model authentik_stages_prompt.prompt): field "type": "emial" is not a valid choice. (nothing was changed)`},
		{"a failed apply tells its entries as what they would do", []string{"blueprint", "apply", broken}, 1,
			[]string{"entry 1 authentik_flows.flow (id: f): would create"}, ""},
		{"nothing of the bad file was applied", []string{"blueprint", "validate", broken}, 1,
			[]string{"entry 1 authentik_flows.flow (id: f): would create"}, ""},
		{"every bad entry is reported", []string{"blueprint", "validate", writeTemp(t, `version: 1
entries:
- {model: authentik_stages_prompt.prompt, id: p, identifiers: {name: bad-type}, attrs: {field_key: email, label: Email, type: emial}}
- {model: authentik_core.group, identifiers: {name: fine}}
- {model: authentik_flows.flow, identifiers: {slug: bad-designation}, attrs: {name: B, title: B, designation: nonsense}}
`)}, 1, nil, "bp.yaml: nothing was changed: 2 entries have errors:\n" +
			`  entry 1 (id: p, model authentik_stages_prompt.prompt): field "type": "emial" is not a valid choice.` + "\n" +
			`  entry 3 (model authentik_flows.flow): field "designation": "nonsense" is not a valid choice.` + "\n"},
		{"missing file argument", []string{"blueprint", "apply"}, 2, nil, "missing FILE"},
		{"bad version", []string{"blueprint", "validate", writeTemp(t, "version: 2\nentries: []\n")}, 1, nil, "Invalid blueprint version"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			r := run(t, env, "", s.args...)
			if r.code != s.code {
				t.Fatalf("code %d, want %d\nstdout: %s\nstderr: %s", r.code, s.code, r.stdout, r.stderr)
			}
			for _, want := range s.stdout {
				if !strings.Contains(r.stdout, want) {
					t.Fatalf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
			if s.stderr != "" && !strings.Contains(r.stderr, s.stderr) {
				t.Fatalf("stderr lacks %q:\n%s", s.stderr, r.stderr)
			}
		})
	}
}

func writeTemp(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bp.yaml")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A file over USHER_BLUEPRINT_MAX_BYTES is refused before it is parsed.
func TestBlueprintApplyTooLarge(t *testing.T) {
	big := writeTemp(t, "version: 1\nentries: []\n#"+strings.Repeat("x", 2000)+"\n")
	r := run(t, append(testEnv(t), "USHER_BLUEPRINT_MAX_BYTES=1024"), "", "blueprint", "apply", big)
	if r.code != 1 || !strings.Contains(r.stderr, "bp.yaml is too large (1025 bytes; the limit is 1024 bytes") {
		t.Errorf("code %d, stderr %q", r.code, r.stderr)
	}
}
