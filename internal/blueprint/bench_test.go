package blueprint

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// generated2000 is a blueprint of 2,000 entries over the real models:
// 200 flows, 200 invitation stages, 200 bindings and 1,400 prompts.
func generated2000() string {
	var b strings.Builder
	b.WriteString("version: 1\nmetadata: {name: bench}\nentries:\n")
	for i := range 200 {
		fmt.Fprintf(&b, "- {model: authentik_flows.flow, id: f%d, identifiers: {slug: bench-flow-%d}, attrs: {name: Flow %d, title: Flow %d, designation: enrollment}}\n", i, i, i, i)
		fmt.Fprintf(&b, "- {model: authentik_stages_invitation.invitationstage, id: s%d, identifiers: {name: bench-stage-%d}}\n", i, i)
		fmt.Fprintf(&b, "- {model: authentik_flows.flowstagebinding, identifiers: {target: !KeyOf f%d, stage: !KeyOf s%d, order: 10}}\n", i, i)
	}
	for i := range 1400 {
		fmt.Fprintf(&b, "- {model: authentik_stages_prompt.prompt, identifiers: {name: bench-field-%d}, attrs: {field_key: field_%d, label: Field %d, type: text, order: %d}}\n", i, i, i, i%10)
	}
	return b.String()
}

func BenchmarkApply2000(b *testing.B) {
	bp, err := Parse([]byte(generated2000()), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	if len(bp.Entries) != 2000 {
		b.Fatalf("%d entries", len(bp.Entries))
	}
	ctx := context.Background()
	b.Run("create", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			a := newTestApp(b)
			b.StartTimer()
			if _, err := Apply(ctx, a, bp, Options{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reapply", func(b *testing.B) {
		a := newTestApp(b)
		if _, err := Apply(ctx, a, bp, Options{}); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			res, err := Apply(ctx, a, bp, Options{})
			if err != nil {
				b.Fatal(err)
			}
			if res.Counts()[ActionUnchanged] != 2000 {
				b.Fatalf("re-apply: %v", res.Counts())
			}
		}
	})
}
