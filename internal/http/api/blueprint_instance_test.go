package api_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	authentik "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

const validBlueprint = `version: 1
metadata:
  name: one flow
entries:
  - model: authentik_flows.flow
    id: flow
    identifiers:
      slug: bp-flow
    attrs:
      name: BP flow
      title: BP flow
      designation: enrollment
`

// TestBlueprintInstanceValidation: creating or changing a blueprint
// instance through /api/v3/managed/blueprints/ checks its path and content
// with authentik's messages, on both backends.
func TestBlueprintInstanceValidation(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "flows", "good.yaml"), validBlueprint)
			writeFile(t, filepath.Join(dir, "flows", "v2.yaml"), "version: 2\nentries: []\n")
			writeFile(t, filepath.Join(t.TempDir(), "outside.yaml"), validBlueprint)
			e := newEnv(t, st, func(a *app.App) { a.BlueprintsDir = dir })

			cases := []struct {
				name string
				body map[string]any
				want map[string][]string // nil: created
			}{
				{"existing file", map[string]any{"name": "good", "path": "flows/good.yaml"}, nil},
				{"oci path", map[string]any{"name": "oci", "path": "oci://ghcr.io/example/blueprint:1"}, nil},
				{"valid content", map[string]any{"name": "content", "content": validBlueprint}, nil},
				{"missing file", map[string]any{"name": "missing", "path": "flows/nope.yaml"},
					map[string][]string{"path": {"Blueprint file does not exist"}}},
				{"path outside the directory", map[string]any{"name": "escape", "path": "../outside.yaml"},
					map[string][]string{"path": {"Invalid blueprint path"}}},
				{"absolute path", map[string]any{"name": "abs", "path": "/etc/passwd"},
					map[string][]string{"path": {"Invalid blueprint path"}}},
				{"file with a bad version", map[string]any{"name": "v2file", "path": "flows/v2.yaml"},
					map[string][]string{"path": {"Failed to validate blueprint", "- Invalid blueprint version"}}},
				{"content with a bad version", map[string]any{"name": "v2", "content": "version: 2\nentries: []\n"},
					map[string][]string{"content": {"Failed to validate blueprint", "- Invalid blueprint version"}}},
				{"content that is not YAML", map[string]any{"name": "yaml", "content": "version: 1\nentries: [\n"},
					map[string][]string{"content": {"Failed to validate blueprint", "- line 2, column 1: did not find expected node content"}}},
				{"content with unknown models and a bad state", map[string]any{"name": "models", "content": "version: 1\nentries:\n" +
					"  - model: authentik_providers_saml.samlprovider\n    id: p\n    identifiers: {name: x}\n" +
					"  - model: authentik_flows.flow\n    state: gone\n    identifiers: {slug: x}\n" +
					"  - model: authentik_flows.flow\n    identifiers: {}\n"},
					map[string][]string{"content": {"Failed to validate blueprint",
						`- entry 1 (id: p, model authentik_providers_saml.samlprovider): model "authentik_providers_saml.samlprovider" is not supported: usher does not have this model`,
						`- entry 2 (model authentik_flows.flow): state 'gone' is not valid: use present, created, must_created or absent`,
						`- entry 3 (model authentik_flows.flow): No or invalid identifiers`}}},
				{"neither", map[string]any{"name": "empty"},
					map[string][]string{"non_field_errors": {"Either path or content must be set."}}},
			}
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					status, body := e.adminJSON("POST", "/api/v3/managed/blueprints/", c.body)
					if c.want == nil {
						if status != http.StatusCreated {
							t.Fatalf("status %d %v, want 201", status, body)
						}
						return
					}
					if status != http.StatusBadRequest || !reflect.DeepEqual(stringLists(body), c.want) {
						t.Errorf("got %d %v, want 400 %v", status, body, c.want)
					}
					if _, err := st.GetBlueprintInstanceByName(context.Background(), c.body["name"].(string)); !errors.Is(err, store.ErrNotFound) {
						t.Errorf("instance saved despite the error: %v", err)
					}
				})
			}

			// Through authentik's client, and on update.
			ctx := context.Background()
			req := authentik.NewBlueprintInstanceRequest("client")
			req.Content = authentik.PtrString(validBlueprint)
			inst, _, err := e.client.ManagedAPI.ManagedBlueprintsCreate(ctx).BlueprintInstanceRequest(*req).Execute()
			if err != nil {
				t.Fatalf("client create: %v", err)
			}
			bad := authentik.PatchedBlueprintInstanceRequest{Content: authentik.PtrString("version: 3\n")}
			_, resp, err := e.client.ManagedAPI.ManagedBlueprintsPartialUpdate(ctx, inst.Pk).PatchedBlueprintInstanceRequest(bad).Execute()
			if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("patch with a bad version: %v %v", resp, err)
			}
			if got, _ := st.GetBlueprintInstance(ctx, inst.Pk); got.Content != validBlueprint {
				t.Errorf("content changed by a rejected update: %q", got.Content)
			}
		})
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// stringLists turns a DRF error body into field -> messages.
func stringLists(body map[string]any) map[string][]string {
	out := map[string][]string{}
	for k, v := range body {
		l, _ := v.([]any)
		for _, m := range l {
			s, _ := m.(string)
			out[k] = append(out[k], s)
		}
	}
	return out
}
