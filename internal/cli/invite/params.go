package invite

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/usher-id/usher/internal/fieldrule"

	"github.com/usher-id/usher/internal/store"
)

// Params describe an invitation to create (CLI, CSV import, other areas).
type Params struct {
	Name     string
	FlowSlug string // "" = no flow: usable with any flow that has an invitation stage
	// Expires is "" or "never" (no expiry), a duration from now ("72h", "7d", "2w") or a
	// date / date-time ("2026-12-31" = end of that day UTC,
	// "2026-12-31T18:00", RFC 3339).
	Expires   string
	MaxUses   int  // 0 = unlimited
	SingleUse bool // max uses 1
	// FixedData is a JSON or YAML object, or "@path" to read one from a file.
	FixedData string
	Email     string // binds the invitation to this address
	// Groups the invitee joins on enrollment, each a group name or pk.
	Groups []string
	// Redirect is where the invitee lands after enrolling (a path here).
	Redirect string
	// Send enqueues the invitation email to Email in the same transaction.
	Send    bool
	BaseURL string // for the link in the email, e.g. https://id.example.com
}

var slugRE = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)

// Messages shared with authentik's serializer.
const (
	msgSlug      = "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."
	msgFixedData = "Value must be a dictionary, and not have any duplicate keys."
	msgRequired  = "This field is required."
)

// ParseExpires reads an expiry relative to now; "" and "never" mean no
// expiry (nil).
func ParseExpires(s string, now time.Time) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "never") {
		return nil, nil
	}
	if d, ok, err := parseDays(s); ok {
		if err != nil {
			return nil, err
		}
		if d <= 0 {
			return nil, fmt.Errorf("%q is not a positive duration", s)
		}
		t := now.Add(d).UTC().Truncate(time.Second)
		return checkRange(s, t)
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		t = t.Add(24*time.Hour - time.Second) // valid through that whole day
		return checkFuture(s, t, now)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return checkFuture(s, t.UTC(), now)
		}
	}
	return nil, fmt.Errorf("%q is neither a duration (72h, 7d) nor a date (2026-12-31) or date-time (2026-12-31T18:00, RFC 3339, UTC unless a zone is given)", s)
}

func checkFuture(s string, t, now time.Time) (*time.Time, error) {
	if _, err := checkRange(s, t); err != nil {
		return nil, err
	}
	if !t.After(now) {
		return nil, fmt.Errorf("%q is in the past", s)
	}
	return &t, nil
}

// checkRange refuses a time that cannot be stored (fieldrule.Time).
func checkRange(s string, t time.Time) (*time.Time, error) {
	if msg := fieldrule.Time(t); msg != "" {
		return nil, fmt.Errorf("%q: %s", s, msg)
	}
	return &t, nil
}

// msgDurationRange words a duration too long for time.Duration (about 292
// years): such a value used to wrap around silently to a date in the past
// or near future.
const msgDurationRange = "%q is too long: give at most %d days, or a date (2026-12-31)"

// parseDays reads a Go duration or a whole number of days ("7d") or weeks
// ("2w"). ok says s has a duration's shape; err that it is out of range.
func parseDays(s string) (d time.Duration, ok bool, err error) {
	if d, err := time.ParseDuration(s); err == nil {
		return d, true, nil
	}
	maxDays := int64(math.MaxInt64 / int64(24*time.Hour))
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	if unit == 0 {
		// time.ParseDuration refuses an overflowing "3000000h" with the
		// same error as a malformed one: tell them apart by shape.
		if durationShape.MatchString(s) {
			return 0, true, fmt.Errorf(msgDurationRange, s, maxDays)
		}
		return 0, false, nil
	}
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil {
		if errors.Is(err, strconv.ErrRange) {
			return 0, true, fmt.Errorf(msgDurationRange, s, maxDays)
		}
		return 0, false, nil
	}
	if n > int64(math.MaxInt64/unit) || n < int64(math.MinInt64/unit) {
		return 0, true, fmt.Errorf(msgDurationRange, s, maxDays)
	}
	return time.Duration(n) * unit, true, nil
}

// durationShape matches what time.ParseDuration reads, so its errors on
// such input can only mean overflow.
var durationShape = regexp.MustCompile(`^[-+]?(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$`)

// ParseFixedData reads a JSON or YAML object ("@path" reads the file).
// Errors carry the parser's line number.
func ParseFixedData(s string) (map[string]any, error) {
	if path, ok := strings.CutPrefix(s, "@"); ok {
		// Reading the open database file would drop its SQLite locks.
		if err := store.CheckNotDatabaseFile(path); err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, errors.Unwrap(err))
		}
		s = string(b)
	}
	if strings.TrimSpace(s) == "" {
		return map[string]any{}, nil
	}
	// YAML 1.2 reads JSON too, and reports duplicate keys and line numbers.
	var v any
	dec := yaml.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON or YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errors.New(msgFixedData)
	}
	// Round-trip through JSON so values are what the API would store
	// (dates become strings, integers float64).
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("not representable as JSON: %w", err)
	}
	out := map[string]any{}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(&out); err != nil {
		return nil, err
	}
	return out, nil
}
