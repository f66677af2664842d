package blueprint

import (
	"context"
	"testing"
	"time"
)

// FuzzParse runs the parser and the tag resolver (without a database) on
// arbitrary input: errors are fine, panics and hangs are not. Seeds live in
// testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add([]byte("version: 1\nentries:\n- model: authentik_flows.flow\n  identifiers: {slug: x}\n  attrs: {title: !Format ['%s', !Context a]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		bp, err := Parse(data, "fuzz")
		if err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		r := &resolver{ctx: ctx, context: mergedContext(bp, nil), saved: map[string]any{"a": "pk-a"}}
		for _, e := range bp.Entries {
			for _, v := range append(append([]any{e.model, e.state, e.identifiers, e.attrs}, e.conditions...), e.permissions...) {
				if out, err := r.value(v); err == nil {
					_ = toPlain(out)
				}
			}
		}
	})
}
