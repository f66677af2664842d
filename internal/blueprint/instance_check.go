package blueprint

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/usher-id/usher/internal/resource"
)

// Messages of authentik's blueprint instance serializer.
const (
	msgFileMissing    = "Blueprint file does not exist"
	msgFailedValidate = "Failed to validate blueprint"
	ociPrefix         = "oci://"
)

// The blueprint instance API (and blueprint entries for instances) check
// path and content here before saving.
func init() { resource.BlueprintCheck = CheckInstance }

// CheckInstance validates a blueprint instance's path and content as
// authentik's serializer does: the path must name a file in the blueprints
// directory (or be oci://), and content must be a valid blueprint, else
// {"content": ["Failed to validate blueprint", "- <problem>", ...]}.
//
// The content check is static: syntax, version, entry shape, and each
// entry's literal model and state. authentik also dry-runs the import;
// usher cannot here because the API saves inside a transaction and a dry
// run needs its own, so problems that depend on the database (a bad field
// value, a missing !KeyOf target) are reported when the instance is applied
// (status "error" with the log).
func CheckInstance(c *resource.Ctx, path, content string) *resource.ValidationError {
	v := &resource.ValidationError{}
	if path != "" && !strings.HasPrefix(path, ociPrefix) {
		checkPath(v, c.BlueprintsDir, path)
	}
	if content != "" {
		problems := checkContent([]byte(content))
		// Content is stored through the API and applied untrusted.
		if bp, err := Parse([]byte(content), ""); err == nil {
			if err := bp.CheckTrust(false); err != nil {
				problems = append(problems, err.Error())
			}
		}
		if len(problems) > 0 {
			v.Add("content", msgFailedValidate)
			for _, p := range problems {
				v.Add("content", "- "+p)
			}
		}
	}
	return v
}

func checkPath(v *resource.ValidationError, dir, path string) {
	if dir == "" {
		v.Add("path", msgFileMissing) // no blueprints directory: no file exists
		return
	}
	data, err := readFileIn(dir, path, DefaultMaxBytes)
	var tooLarge *TooLargeError
	switch {
	case errors.Is(err, ErrInvalidPath):
		v.Add("path", ErrInvalidPath.Error())
		return
	case errors.Is(err, fs.ErrNotExist):
		v.Add("path", msgFileMissing)
		return
	case errors.As(err, &tooLarge):
		return // the apply enforces the configured limit, which may be higher
	case err != nil:
		v.Add("path", msgFileMissing+": "+err.Error())
		return
	}
	// authentik only accepts files its discovery lists, which skips invalid
	// ones; say why instead of claiming the file is missing.
	if problems := checkContent(data); len(problems) > 0 {
		v.Add("path", msgFailedValidate)
		for _, p := range problems {
			v.Add("path", "- "+p)
		}
	}
}

// checkContent returns the problems found in a blueprint without touching
// the database, worded like the importer's log events.
func checkContent(data []byte) []string {
	bp, err := Parse(data, "")
	if errors.Is(err, ErrInvalidVersion) {
		return []string{ErrInvalidVersion.Error()}
	}
	if err != nil {
		return []string{err.Error()}
	}
	var problems []string
	for _, e := range bp.Entries {
		if len(e.conditions) > 0 {
			continue // a false condition skips the entry: only the apply knows
		}
		if err := checkEntry(e); err != nil {
			problems = append(problems, (&EntryError{Index: e.Index, ID: e.ID, Model: e.Model(), Err: err}).Error())
		}
	}
	return problems
}

// checkEntry checks what is written literally (tags resolve at apply time).
func checkEntry(e *Entry) error {
	if m, ok := e.model.(string); ok {
		model := strings.ToLower(m)
		if !strings.Contains(model, ".") {
			return fmt.Errorf("model %s must be \"app_label.model\", e.g. authentik_flows.flow", pyRepr(m))
		}
		if _, known := resource.Lookup(model); !known && model != MetaApplyModel {
			return fmt.Errorf("model %q is not supported: usher does not have this model", model)
		}
		if model != MetaApplyModel {
			switch ids := e.identifiers.(type) {
			case tag:
			case *omap:
				if ids.len() == 0 {
					return errors.New("No or invalid identifiers")
				}
			case nil:
				return errors.New("No or invalid identifiers")
			default:
				return errors.New("identifiers must be a mapping of field names to values")
			}
		}
	}
	if s, ok := e.state.(string); ok {
		switch s {
		case StatePresent, StateCreated, StateMustCreated, StateAbsent:
		default:
			return fmt.Errorf("state %s is not valid: use present, created, must_created or absent", pyRepr(s))
		}
	}
	return nil
}
