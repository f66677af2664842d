package prompt

import (
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// Date and date-time answers are stored as text; outside years 1-9999 in
// UTC they would no longer be RFC 3339, so they are refused with a reason.
func TestValidateFieldTimeRange(t *testing.T) {
	cases := []struct {
		typ, in string
		ok      bool
	}{
		{"date-time", "9999-12-31T23:59:59-23:59", false},
		{"date-time", "0000-01-01T00:00:00+14:00", false},
		{"date-time", "9999-12-31T23:59:59Z", true},
		{"date-time", "0001-01-01T00:00:00Z", true},
		{"date", "0000-01-01", false},
		{"date", "0001-01-01", true},
		{"date", "9999-12-31", true},
	}
	for _, c := range cases {
		fld := field{p: store.Prompt{Type: c.typ, FieldKey: "k"}}
		v, ok, msg, code := validateField(fld, c.in, true)
		if ok != c.ok {
			t.Errorf("%s %q: ok=%v %q, want ok=%v", c.typ, c.in, ok, msg, c.ok)
			continue
		}
		if !ok && (!strings.Contains(msg, "between the years 1 and 9999") || code != "invalid") {
			t.Errorf("%s %q: message %q code %q", c.typ, c.in, msg, code)
		}
		if s, isStr := v.(string); ok && c.typ == "date-time" {
			if _, err := time.Parse(time.RFC3339, s); !isStr || err != nil {
				t.Errorf("%s %q stored as %#v", c.typ, c.in, v)
			}
		}
	}
}
