package api_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// authentik's OpenAPI schema, shipped in the client module, is the
// contract: responses are checked against it property by property, which
// catches what the generated client lets through (null in a non-nullable
// string, an unknown enum value inside a map, a wrong format).

var (
	openAPIOnce sync.Once
	openAPIDoc  map[string]any
	openAPIErr  error
)

// openAPI loads api/openapi.yaml from the goauthentik.io/api/v3 module.
func openAPI(t *testing.T) map[string]any {
	t.Helper()
	openAPIOnce.Do(func() {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "goauthentik.io/api/v3").Output()
		if err != nil {
			openAPIErr = fmt.Errorf("locate goauthentik.io/api/v3: %w", err)
			return
		}
		raw, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(out)), "api", "openapi.yaml"))
		if err != nil {
			openAPIErr = err
			return
		}
		openAPIErr = yaml.Unmarshal(raw, &openAPIDoc)
	})
	if openAPIErr != nil {
		t.Fatalf("openapi.yaml: %v", openAPIErr)
	}
	return openAPIDoc
}

// responseSchema returns the JSON schema of a path's response, e.g.
// ("/stages/invitation/invitations/{invite_uuid}/", "get", "200").
func responseSchema(t *testing.T, path, method, status string) map[string]any {
	t.Helper()
	doc := openAPI(t)
	s, ok := dig(doc, "paths", path, method, "responses", status, "content", "application/json", "schema").(map[string]any)
	if !ok {
		t.Fatalf("openapi: no %s %s %s response schema", method, path, status)
	}
	return s
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// schemaErrors validates a decoded JSON value against an OpenAPI 3.0
// schema and returns one line per violation, prefixed with the JSON path.
func schemaErrors(t *testing.T, v any, schema map[string]any) []string {
	t.Helper()
	return schemaErrorsNoting(t, v, schema, nil)
}

// schemaErrorsNoting is schemaErrors that also records notes (see
// schemaCheck.notes) into notes when it is not nil.
func schemaErrorsNoting(t *testing.T, v any, schema map[string]any, notes map[string]bool) []string {
	t.Helper()
	c := &schemaCheck{doc: openAPI(t), notes: notes}
	c.check("$", v, schema)
	sort.Strings(c.errs)
	return c.errs
}

type schemaCheck struct {
	doc  map[string]any
	errs []string
	// notes, when set, collects "<Schema> lacks <property>" for optional
	// properties a response leaves out and "<Schema> adds <property>" for
	// properties the schema does not have.
	notes map[string]bool
	ref   string // the last schema name resolved, for notes
}

func (c *schemaCheck) fail(path, format string, args ...any) {
	c.errs = append(c.errs, path+": "+fmt.Sprintf(format, args...))
}

func (c *schemaCheck) resolve(s map[string]any) map[string]any {
	for {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		c.ref = name
		next, ok := dig(c.doc, "components", "schemas", name).(map[string]any)
		if !ok {
			return map[string]any{}
		}
		s = next
	}
}

// check reports whether v satisfies s, recording violations.
func (c *schemaCheck) check(path string, v any, s map[string]any) {
	s = c.resolve(s)
	if v == nil {
		if s["nullable"] == true || enumHas(s, nil) {
			return
		}
		// allOf/oneOf wrappers carry nullable on the outside or inside.
		if !c.nullAllowed(s) {
			c.fail(path, "null is not allowed")
		}
		return
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			c.check(path, v, sub.(map[string]any))
		}
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		alts, ok := s[key].([]any)
		if !ok {
			continue
		}
		var first []string
		matched := false
		for i, sub := range alts {
			sc := &schemaCheck{doc: c.doc, ref: c.ref} // alternatives are tried, not noted
			sc.check(path, v, sub.(map[string]any))
			if len(sc.errs) == 0 {
				matched = true
				break
			}
			if i == 0 {
				first = sc.errs
			}
		}
		if !matched {
			c.fail(path, "matches none of %s (first: %s)", key, strings.Join(first, "; "))
		}
	}
	if enum, ok := s["enum"].([]any); ok && !enumHas(s, v) {
		c.fail(path, "%v is not one of %v", v, enum)
	}
	switch s["type"] {
	case "string":
		str, ok := v.(string)
		if !ok {
			c.fail(path, "want string, got %T", v)
			return
		}
		switch s["format"] {
		case "uuid":
			if _, err := parseUUIDStrict(str); err != nil {
				c.fail(path, "%q is not a UUID", str)
			}
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
				c.fail(path, "%q is not an RFC 3339 date-time", str)
			}
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			c.fail(path, "want integer, got %T %v", v, v)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			c.fail(path, "want number, got %T", v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			c.fail(path, "want boolean, got %T", v)
		}
	case "array":
		l, ok := v.([]any)
		if !ok {
			c.fail(path, "want array, got %T", v)
			return
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, it := range l {
				c.check(fmt.Sprintf("%s[%d]", path, i), it, items)
			}
		}
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			c.fail(path, "want object, got %T", v)
			return
		}
		c.object(path, m, s)
	default:
		if m, ok := v.(map[string]any); ok && s["properties"] != nil {
			c.object(path, m, s)
		}
	}
}

func (c *schemaCheck) object(path string, m map[string]any, s map[string]any) {
	for _, r := range asList(s["required"]) {
		if _, ok := m[r.(string)]; !ok {
			c.fail(path, "required property %q is missing", r)
		}
	}
	props, _ := s["properties"].(map[string]any)
	if c.notes != nil && props != nil {
		for k := range props {
			if _, ok := m[k]; !ok {
				c.notes[c.ref+" lacks "+k] = true
			}
		}
		for k := range m {
			if _, ok := props[k]; !ok {
				c.notes[c.ref+" adds "+k] = true
			}
		}
	}
	for k, val := range m {
		if p, ok := props[k].(map[string]any); ok {
			c.check(path+"."+k, val, p)
		} else if ap, ok := s["additionalProperties"].(map[string]any); ok && len(ap) > 0 {
			c.check(path+"."+k, val, ap)
		}
	}
}

// nullAllowed looks through allOf wrappers for nullable.
func (c *schemaCheck) nullAllowed(s map[string]any) bool {
	s = c.resolve(s)
	if s["nullable"] == true || enumHas(s, nil) {
		return true
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		for _, sub := range asList(s[key]) {
			if c.nullAllowed(sub.(map[string]any)) {
				return true
			}
		}
	}
	return false
}

func enumHas(s map[string]any, v any) bool {
	enum, ok := s["enum"].([]any)
	if !ok {
		return false
	}
	for _, e := range enum {
		if e == v {
			return true
		}
	}
	return false
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// parseUUIDStrict accepts only the canonical form with dashes, as
// authentik renders UUIDs.
func parseUUIDStrict(s string) (string, error) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return "", fmt.Errorf("not a UUID")
	}
	for i, r := range s {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			continue
		}
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return "", fmt.Errorf("not a UUID")
		}
	}
	return s, nil
}

// TestSchemaCheckCatches keeps the checker honest: each case must fail.
func TestSchemaCheckCatches(t *testing.T) {
	flow := map[string]any{"$ref": "#/components/schemas/Flow"}
	good := map[string]any{"pk": "046b6c7f-0b8a-43b9-b35d-6489e6daee91", "policybindingmodel_ptr_id": "046b6c7f-0b8a-43b9-b35d-6489e6daee91",
		"name": "n", "slug": "s", "title": "t", "designation": "enrollment", "background_url": "/x",
		"background_themed_urls": nil, "stages": []any{}, "policies": []any{}, "cache_count": float64(0), "export_url": "/e"}
	if errs := schemaErrors(t, good, flow); len(errs) != 0 {
		t.Fatalf("valid flow rejected: %v", errs)
	}
	for name, mutate := range map[string]func(m map[string]any){
		"missing required": func(m map[string]any) { delete(m, "export_url") },
		"null string":      func(m map[string]any) { m["title"] = nil },
		"bad enum":         func(m map[string]any) { m["designation"] = "nope" },
		"wrong type":       func(m map[string]any) { m["cache_count"] = "0" },
		"bad uuid item":    func(m map[string]any) { m["stages"] = []any{"x"} },
		"null enum":        func(m map[string]any) { m["layout"] = nil },
	} {
		m := map[string]any{}
		for k, v := range good {
			m[k] = v
		}
		mutate(m)
		if errs := schemaErrors(t, m, flow); len(errs) == 0 {
			t.Errorf("%s: not caught", name)
		}
	}
}
