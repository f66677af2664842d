package invite

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzParseFixedData: fixed data typed on the command line or in a form is
// a JSON or YAML object or a clear error, never a panic, and what it
// returns can be stored as JSON. Seeds live in testdata/fuzz/FuzzParseFixedData.
func FuzzParseFixedData(f *testing.F) {
	f.Add(`{"email": "jane@example.com", "attributes": {"department": "Engineering"}}`)
	f.Add("name: Jane\nattributes:\n  team: [a, b]\n")
	f.Add("a: &x [1, 2]\nb: *x\n")
	f.Add("when: 2026-01-01\nn: 1e400\n")
	f.Add("- 1\n- 2\n")
	f.Add(`{"a": 1, "a": 2}`)
	f.Fuzz(func(t *testing.T, s string) {
		if strings.HasPrefix(s, "@") {
			return // reads a file
		}
		m, err := ParseFixedData(s)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		if m == nil {
			t.Fatal("nil map without an error")
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("result is not JSON: %v", err)
		}
	})
}
