package bench

import (
	"bytes"
	"net/url"
	"os"
	"testing"

	"github.com/usher-id/usher/internal/testkit"
)

func TestBenchForm(t *testing.T) {
	body := `<form method="post" action="/if/flow/f/?itoken=a&amp;b=1">
<input type="hidden" name="csrfmiddlewaretoken" value="tok">
<input type="text" id="field-username" name="username" placeholder="Username" required>
<input type="password" id="field-password" name="password" required>
<input type="password" id="field-password_repeat" name="password_repeat" required>
<input type="email" id="field-email" name="email" value="fixed@example.com" readonly>
<input type="text" id="field-name" name="name">
<div class="check"><input type="checkbox" id="field-c" name="c" value="true"><input type="hidden" name="c" value="false"></div>
</form>`
	action, inputs, ok := parseBenchForm(body)
	if !ok || action != "/if/flow/f/?itoken=a&b=1" {
		t.Fatalf("action %q, ok %v", action, ok)
	}
	got := fillBenchForm(inputs, "u1")
	want := url.Values{"csrfmiddlewaretoken": {"tok"}, "username": {"u1"}, "password": {"Bench-password-u1"},
		"password_repeat": {"Bench-password-u1"}, "email": {"fixed@example.com"}, "name": {"Bench u1"}, "c": {"false"}}
	if got.Encode() != want.Encode() {
		t.Errorf("filled form\n got %s\nwant %s", got.Encode(), want.Encode())
	}
	if _, _, ok := parseBenchForm("<p>Access denied</p>"); ok {
		t.Error("a page without a form parsed as one")
	}
}

// The bench embeds authentik's example blueprint so it runs anywhere; the
// copy must stay byte for byte the file shared/ holds.
func TestBenchBlueprintIsTheExample(t *testing.T) {
	want, err := os.ReadFile(testkit.ExampleBlueprint(t, "flows-invitation-enrollment.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(benchBlueprint, want) {
		t.Fatal("internal/bench/data/flows-invitation-enrollment.yaml differs from authentik's example; copy it again, unmodified")
	}
}
