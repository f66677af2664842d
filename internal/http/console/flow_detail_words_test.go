package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// TestFlowDetailWords: the flow page words its settings as the form does,
// Bind Stage proposes the next free order, and the success message names
// the binding once.
func TestFlowDetailWords(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	b := f.browser(t, &admin)
	fl := invitableFlow(t, f, "enroll", true) // stages at orders 10 and 20
	r := b.get(t, "/if/admin/flows/enroll/")
	r.expect(t, 200, "", "<dt>Authentication</dt><dd>Require unauthenticated</dd>", "<dt>Designation</dt><dd>Enrollment</dd>")
	if strings.Contains(r.body, "<dd>require_unauthenticated</dd>") {
		t.Error("raw value shown")
	}
	b.get(t, "/if/admin/flows/enroll/bindings/new/").expect(t, 200, "", `value="30"`)

	s, _ := store.NewStage(store.StageUserLogin, "login-now")
	if err := f.st.CreateStage(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
	b.post(t, "/if/admin/flows/enroll/bindings/new/", url.Values{"stage": {s.UUID}, "order": {"30"}, "re_evaluate_policies": {"on"},
		"invalid_response_action": {"retry"}, "policy_engine_mode": {"any"}}).expect(t, 303, "")
	r = b.get(t, "/if/admin/flows/enroll/bindings/")
	r.expect(t, 200, "", "Stage binding login-now in "+fl.Name+" created.")
	if strings.Contains(r.body, "Binding of") {
		t.Error("the message stutters")
	}
	b.get(t, "/if/admin/flows/enroll/bindings/new/").expect(t, 200, "", `value="40"`)

	// The flow list words the designation as the form does too.
	r = b.get(t, "/if/admin/flows/")
	r.expect(t, 200, "", "<td>Enrollment")
	if strings.Contains(r.body, "<td>enrollment") {
		t.Error("flow list shows the raw designation")
	}

	// A policy binding's message names what is bound once, too.
	pol := store.Policy{Name: "invited-only", Kind: "expression", Expression: "return True"}
	if err := f.st.CreatePolicy(context.Background(), &pol); err != nil {
		t.Fatal(err)
	}
	b.post(t, "/if/admin/flows/enroll/policies/new/", url.Values{"policy": {pol.UUID}, "order": {"0"}, "timeout": {"30"},
		"enabled": {"on"}}).expect(t, 303, "")
	r = b.get(t, "/if/admin/flows/enroll/policies/")
	r.expect(t, 200, "", "Policy binding invited-only on flow "+fl.Slug+" created.")
	if strings.Contains(r.body, "Binding of") {
		t.Error("the policy binding message stutters")
	}
}
