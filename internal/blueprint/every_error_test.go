package blueprint

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// everyErrorBlueprint has three bad entries (2, 5, 6) among good ones, an
// entry that uses the first bad one through !KeyOf (3), and a flow whose
// slug another flow has (6). (That the transaction goes on after a
// statement PostgreSQL refused is the store's Savepoint conformance test.)
const everyErrorBlueprint = `version: 1
metadata: {name: every error}
entries:
- model: authentik_flows.flow
  id: flow
  identifiers: {slug: every-error}
  attrs: {name: Every error, title: Every error, designation: enrollment}
- model: authentik_stages_prompt.prompt
  id: prompt-email
  identifiers: {name: every-error-email}
  attrs: {field_key: email, label: Email, type: emial}
- model: authentik_stages_prompt.promptstage
  id: prompt-stage
  identifiers: {name: every-error-prompt}
  attrs: {fields: [!KeyOf prompt-email]}
- model: authentik_core.group
  identifiers: {name: every-error-group}
- model: authentik_flows.flow
  identifiers: {slug: every-error-two}
  attrs: {name: Second, title: Second, designation: nonsense}
- model: authentik_flows.flow
  identifiers: {name: Taken slug}
  attrs: {slug: taken, title: Taken, designation: authentication}
- model: authentik_core.group
  identifiers: {name: every-error-last}
`

// TestApplyReportsEveryBadEntry: one apply (and one validate) reports every entry that fails,
// each by index, id, model and field, logs each error once, says that an
// entry depending on a failed one was not applied (not a second error),
// and writes nothing, on both databases.
func TestApplyReportsEveryBadEntry(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			a := appOn(b.Open(t))
			ctx := context.Background()
			taken := store.Flow{Name: "Existing", Slug: "taken", Title: "Existing", Designation: "authentication"}
			if err := a.Store.CreateFlow(ctx, &taken); err != nil {
				t.Fatal(err)
			}
			bp, err := Parse([]byte(everyErrorBlueprint), "every-error.yaml")
			if err != nil {
				t.Fatal(err)
			}
			for _, run := range []struct {
				name string
				fn   func(context.Context, *Blueprint) (Result, error)
			}{
				{"validate", func(ctx context.Context, bp *Blueprint) (Result, error) { return Validate(ctx, a, bp, Options{}) }},
				{"apply", func(ctx context.Context, bp *Blueprint) (Result, error) { return Apply(ctx, a, bp, Options{}) }},
			} {
				res, err := run.fn(ctx, bp)
				var ees EntryErrors
				if !errors.As(err, &ees) || len(ees) != 3 {
					t.Fatalf("%s: error = %v, want the three bad entries", run.name, err)
				}
				want := []struct {
					index      int
					where      string
					field, msg string
				}{
					{2, "entry 2 (id: prompt-email, model authentik_stages_prompt.prompt)", "type", `"emial" is not a valid choice.`},
					{5, "entry 5 (model authentik_flows.flow)", "designation", `"nonsense" is not a valid choice.`},
					{6, "entry 6 (model authentik_flows.flow)", "slug", "already exists"},
				}
				for i, w := range want {
					e := ees[i]
					if e.Index != w.index || e.Where() != w.where || !strings.Contains(strings.Join(e.Fields[w.field], " "), w.msg) {
						t.Errorf("%s: error %d = %q (fields %v), want %s on field %q: %s", run.name, i, e.Error(), e.Fields, w.where, w.field, w.msg)
					}
					if !strings.Contains(err.Error(), e.Error()) {
						t.Errorf("%s: the error does not name %s:\n%s", run.name, w.where, err)
					}
				}
				if res.Success {
					t.Errorf("%s: Success is true", run.name)
				}
				var errLines, depLines []LogEntry
				for _, l := range res.Logs {
					switch {
					case l.LogLevel == "error":
						errLines = append(errLines, l)
					case l.LogLevel == "warning" && strings.Contains(l.Event, "entry 2"):
						depLines = append(depLines, l)
					}
				}
				if len(errLines) != 3 || errLines[0].Event != ees[0].Error() || errLines[2].Attributes["entry"] != 6 {
					t.Errorf("%s: error lines %+v, want one per bad entry", run.name, errLines)
				}
				if len(depLines) != 1 || depLines[0].Attributes["entry"] != 3 || depLines[0].Event != "not applied: it uses entry 2 (id `prompt-email`), which failed" {
					t.Errorf("%s: dependent entry lines %+v", run.name, depLines)
				}
				s := takeSnapshot(t, a.Store)
				if len(s.flows) != 1 || len(s.stages)+len(s.prompts)+len(s.groups) != 0 {
					t.Fatalf("%s: the failed apply left rows: flows %v, %d stages, %d prompts, groups %v", run.name, s.flows, len(s.stages), len(s.prompts), s.groups)
				}
			}
		})
	}
}
