package store

import "time"

// BlueprintInstance is a blueprint usher applies and watches
// (authentik_blueprints.blueprintinstance).
type BlueprintInstance struct {
	UUID            string
	Name            string // unique
	Path            string // relative to the blueprints directory; "" when Content is set
	Context         map[string]any
	LastApplied     time.Time
	LastAppliedHash string
	Status          string // successful, warning, error, orphaned, unknown
	Enabled         bool
	ManagedModels   []string
	Metadata        map[string]any
	Content         string
}
