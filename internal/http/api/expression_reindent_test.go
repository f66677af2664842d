package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// An expression that parses only after usher indents a block's body is
// saved, but never silently: the API answers a warning naming the line and
// showing the text that runs; a correctly indented one has none.
func TestExpressionReindentWarning(t *testing.T) {
	e, _ := newPolicyEnv(t)
	flat := "if request.user.username == 'jane':\nreturn True\nreturn False"
	status, body := e.adminJSON("POST", "/api/v3/policies/expression/", map[string]any{"name": "flat", "expression": flat})
	if status != 201 {
		t.Fatalf("create: %d %v", status, body)
	}
	w := fmt.Sprint(body["warnings"])
	// Both lines after the header are indented, which changes what the
	// expression means for everyone but jane: the warning shows it.
	if !strings.Contains(w, "lines 2, 3 indented") || !strings.Contains(w, "\n    return True\n    return False\n") || body["expression"] != flat {
		t.Errorf("warnings %s, expression %q", w, body["expression"])
	}
	status, body = e.adminJSON("POST", "/api/v3/policies/expression/", map[string]any{"name": "fine",
		"expression": "if request.user.username == 'jane':\n    return True\nreturn False"})
	if status != 201 || body["warnings"] != nil {
		t.Errorf("indented expression: %d %v", status, body)
	}
}
