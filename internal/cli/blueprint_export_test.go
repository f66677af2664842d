package cli

import (
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/testkit"
)

func TestBlueprintExport(t *testing.T) {
	example := testkit.ExampleBlueprint(t, "flows-enrollment-2-stage.yaml")
	env := testEnv(t)
	if r := run(t, env, "", "blueprint", "apply", example); r.code != 0 {
		t.Fatalf("apply: %d %s", r.code, r.stderr)
	}
	r := run(t, env, "", "blueprint", "export", "default-enrollment-flow")
	if r.code != 0 {
		t.Fatalf("export: code %d\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"version: 1\n", "blueprints.goauthentik.io/generated: \"true\"",
		"slug: default-enrollment-flow\n", "model: authentik_flows.flowstagebinding"} {
		if !strings.Contains(r.stdout, want) {
			t.Fatalf("export lacks %q:\n%s", want, r.stdout)
		}
	}
	// The export re-applies with nothing to change: 1 flow, 5 prompts, 4 stages, 4 bindings.
	file := writeTemp(t, r.stdout)
	if r := run(t, env, "", "blueprint", "apply", file); r.code != 0 || !strings.Contains(r.stdout, ": applied: 0 created, 0 updated, 14 unchanged") {
		t.Fatalf("re-apply export: %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"unknown slug", []string{"blueprint", "export", "no-such-flow"}, 1, `usher: no flow with slug "no-such-flow"`},
		{"missing slug", []string{"blueprint", "export"}, 2, "missing SLUG"},
		{"two slugs", []string{"blueprint", "export", "a", "b"}, 2, `unexpected argument "b"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, env, "", tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) || r.stdout != "" {
				t.Fatalf("code %d, stdout %q, stderr %q; want %d and %q", r.code, r.stdout, r.stderr, tc.code, tc.stderr)
			}
		})
	}
}
