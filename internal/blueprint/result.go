package blueprint

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/usher-id/usher/internal/resource"
)

// LogEntry is one line of an import's log, in the shape authentik's import
// endpoint returns: {timestamp, log_level, logger, event, attributes}.
type LogEntry struct {
	Timestamp  string         `json:"timestamp"`
	LogLevel   string         `json:"log_level"`
	Logger     string         `json:"logger"`
	Event      string         `json:"event"`
	Attributes map[string]any `json:"attributes"`
}

// Change actions, one per entry.
const (
	ActionCreated   = "created"
	ActionUpdated   = "updated"
	ActionUnchanged = "unchanged"
	ActionDeleted   = "deleted"
	ActionSkipped   = "skipped"
)

// Change is what applying (or, for Validate, what would apply) one entry did.
type Change struct {
	Entry  int    `json:"entry"` // 1-based index
	ID     string `json:"id,omitempty"`
	Model  string `json:"model"`
	Action string `json:"action"`
	PK     any    `json:"pk,omitempty"`
	// Reason says why an entry was skipped or left unchanged.
	Reason string `json:"reason,omitempty"`
}

// Result is the outcome of Apply or Validate. It is filled even when the
// blueprint fails: Logs then end with the error.
type Result struct {
	Success bool       `json:"success"`
	Logs    []LogEntry `json:"logs"`
	Changes []Change   `json:"changes"`
}

// Counts tallies the changes by action.
func (r Result) Counts() map[string]int {
	m := map[string]int{}
	for _, c := range r.Changes {
		m[c.Action]++
	}
	return m
}

// EntryError is a blueprint entry that could not be applied. Its message
// names the entry (index and id), the model and the field, e.g.
// `entry 7 (id: prompt-field-email, model authentik_stages_prompt.prompt): field "type": "emial" is not a valid choice.`
type EntryError struct {
	Index int
	ID    string
	Model string
	// Fields holds per-field messages when the model's validation failed.
	Fields map[string][]string
	Err    error
	// Note adds context, e.g. keys that were ignored in the same entry.
	Note string
}

func (e *EntryError) Error() string {
	return e.Where() + ": " + e.Detail()
}

func (e *EntryError) Unwrap() error { return e.Err }

// Where is "entry N (id: X, model M)".
func (e *EntryError) Where() string {
	var parts []string
	if e.ID != "" {
		parts = append(parts, "id: "+e.ID)
	}
	if e.Model != "" {
		parts = append(parts, "model "+e.Model)
	}
	s := fmt.Sprintf("entry %d", e.Index)
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	return s
}

// Detail is the message without the entry.
func (e *EntryError) Detail() string {
	s := "invalid entry"
	switch {
	case len(e.Fields) > 0:
		s = fieldMessages(e.Fields)
	case e.Err != nil:
		s = e.Err.Error()
	}
	if e.Note != "" {
		s += " (" + e.Note + ")"
	}
	return s
}

func fieldMessages(fields map[string][]string) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		msg := strings.Join(fields[k], " ")
		if k == "non_field_errors" {
			parts = append(parts, msg)
			continue
		}
		parts = append(parts, fmt.Sprintf("field %q: %s", k, msg))
	}
	return strings.Join(parts, "; ")
}

// EntryErrors are the entries of one blueprint that failed, in file order
// (two or more; a single failure is its *EntryError).
type EntryErrors []*EntryError

func (es EntryErrors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d entries have errors:", len(es))
	for _, e := range es {
		b.WriteString("\n  ")
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap lets errors.Is and errors.As see each entry's error.
func (es EntryErrors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func (imp *importer) entryErr(e *Entry, model string, err error) *EntryError {
	var ee *EntryError
	if errors.As(err, &ee) {
		return ee
	}
	out := &EntryError{Index: e.Index, ID: e.ID, Model: model, Err: err}
	var ve *resource.ValidationError
	if errors.As(err, &ve) && !ve.Empty() {
		out.Fields = ve.Fields
	}
	return out
}
