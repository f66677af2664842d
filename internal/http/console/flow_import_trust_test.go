package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/http/console"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// TestFlowImportRefusesHostTags: the console's Import page is an upload,
// so a blueprint using !Env or !File is refused with the reason and the
// line, and nothing of it is written.
func TestFlowImportRefusesHostTags(t *testing.T) {
	t.Setenv("USHER_BOOTSTRAP_TOKEN", "bootstrap-token-s3cret")
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			f := fixtureOn(t, be.Open(t), server.Options{MaxBodyBytes: 4 << 20})
			admin := f.user(t, "admin", store.UserTypeInternal, true)
			b := f.browser(t, &admin)
			for _, tc := range []struct{ tag, arg string }{
				{"!Env", "USHER_BOOTSTRAP_TOKEN"},
				{"!Env", "USHER_BOOTSTRAP_PASSWORD"},
				{"!File", "/proc/self/environ"},
				{"!File", "/var/lib/usher/usher.db"},
			} {
				doc := "version: 1\nentries:\n- model: authentik_core.group\n  identifiers: {name: leak}\n" +
					"  attrs:\n    attributes:\n      secret: " + tc.tag + " " + tc.arg + "\n"
				b.upload(t, console.ImportPath, "leak.yaml", []byte(doc)).expect(t, 422, "",
					"leak.yaml: line 7, column 15: "+tc.tag+" is only allowed in blueprints read from the blueprints directory or applied with the usher CLI")
				if _, err := f.st.GetGroupByName(context.Background(), "leak"); err == nil {
					t.Fatalf("%s: group written", tc.tag)
				}
			}
			groups := b.get(t, "/if/admin/groups/")
			if strings.Contains(groups.body, "bootstrap-token-s3cret") {
				t.Fatal("secret shown")
			}
		})
	}
}
