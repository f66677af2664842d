package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// TestFlowImportErrorOnce: an entry that fails shows its error once, in
// the log beside the entry; the banner says nothing was imported. With
// several bad entries every one is in the log, and nothing is written.
func TestFlowImportErrorOnce(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	b := f.browser(t, &admin)
	bp := "version: 1\nentries:\n- model: authentik_flows.flow\n  identifiers: {slug: broken}\n  attrs: {name: Broken, title: Broken, designation: nonsense}\n"
	r := b.upload(t, "/if/admin/flows/import/", "broken.yaml", []byte(bp))
	r.expect(t, 422, "", "Nothing was imported: one entry has an error, shown in the log below.")
	i := strings.Index(r.body, "<h2>Log</h2>")
	if i < 0 {
		t.Fatalf("no log:\n%s", r.body)
	}
	if !strings.Contains(r.body[i:], "designation") || strings.Contains(r.body[:i], "designation") {
		t.Errorf("the error is not shown exactly once, in the log:\n%s", r.body)
	}

	two := "version: 1\nentries:\n" +
		"- model: authentik_flows.flow\n  identifiers: {slug: fine}\n  attrs: {name: Fine, title: Fine, designation: enrollment}\n" +
		"- model: authentik_stages_prompt.prompt\n  identifiers: {name: bad-prompt}\n  attrs: {field_key: email, label: Email, type: emial}\n" +
		"- model: authentik_flows.flow\n  identifiers: {slug: broken}\n  attrs: {name: Broken, title: Broken, designation: nonsense}\n"
	r = b.upload(t, "/if/admin/flows/import/", "two.yaml", []byte(two))
	r.expect(t, 422, "", "Nothing was imported: 2 entries have errors, shown in the log below.")
	i = strings.Index(r.body, "<h2>Log</h2>")
	if i < 0 {
		t.Fatalf("no log:\n%s", r.body)
	}
	for _, msg := range []string{`entry 2 (model authentik_stages_prompt.prompt): field &#34;type&#34;`, `entry 3 (model authentik_flows.flow): field &#34;designation&#34;`} {
		if n := strings.Count(r.body, msg); n != 1 || !strings.Contains(r.body[i:], msg) {
			t.Errorf("%s shown %d times, want once in the log:\n%s", msg, n, r.body[i:])
		}
	}
	if flows, _ := f.st.ListFlows(context.Background()); len(flows) != 0 {
		t.Errorf("the failed import wrote %d flows", len(flows))
	}
}
