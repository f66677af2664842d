package sqlstore

import "fmt"

// eventJSONCol reads an event's JSON column without ever failing: a value
// that cannot be decoded (nested deeper than the decoder accepts, written
// before the recorder bounded contexts, or by hand) becomes a placeholder
// naming the problem, so one bad row cannot break the audit log's pages.
type eventJSONCol struct{ Dst *map[string]any }

func (c eventJSONCol) Scan(src any) error {
	if err := (jsonCol{c.Dst}).Scan(src); err != nil {
		*c.Dst = map[string]any{"error": fmt.Sprintf("stored value could not be read: %v", err)}
	}
	return nil
}
