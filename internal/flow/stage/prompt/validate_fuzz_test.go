package prompt

import (
	"testing"

	"github.com/usher-id/usher/internal/store"
)

var fuzzTypes = []string{"text", "text_area", "text_read_only", "username", "email", "password", "number",
	"checkbox", "radio-button-group", "dropdown", "date", "date-time", "file", "separator", "hidden", "static", "ak-locale"}

// FuzzValidateField checks one answer against every prompt type: no
// panic, and a refused answer always says why. Seeds live in
// testdata/fuzz/FuzzValidateField.
func FuzzValidateField(f *testing.F) {
	f.Add(uint8(4), "jane@example.com", true, "")
	f.Add(uint8(6), "-9223372036854775809", false, "")
	f.Add(uint8(11), "2026-02-30T25:61", true, "")
	f.Add(uint8(12), "data:;base64", true, "")
	f.Add(uint8(9), "b", true, "a")
	f.Fuzz(func(t *testing.T, typ uint8, raw string, required bool, initial string) {
		fld := field{p: store.Prompt{Type: fuzzTypes[int(typ)%len(fuzzTypes)], Required: required, FieldKey: "k"},
			initial: initial, choices: []choice{{Label: "A", Value: "a"}, {Label: "B", Value: "b"}}}
		for _, in := range []any{raw, []any{raw}, map[string]any{"x": raw}, nil, 3.5, true} {
			for _, present := range []bool{true, false} {
				v, ok, msg, code := validateField(fld, in, present)
				if !ok && present && msg == "" && !(v == nil && !required) {
					t.Fatalf("type %s refused %#v without a message", fld.p.Type, in)
				}
				if msg != "" && code == "" {
					t.Fatalf("message %q without a code", msg)
				}
			}
		}
		_ = validEmail(raw)
	})
}
