package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"testing"

	authentik "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// A disabled blueprint instance is not applied, neither by its apply/
// action nor by another blueprint's metaapplyblueprint entry, as
// authentik's apply_blueprint task returns at once for one; enabled, the
// same call applies it (authentik's Go client, both databases).
func TestDisabledBlueprintInstanceNotApplied(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b.Open(t))
			ctx := context.Background()
			req := authentik.NewBlueprintInstanceRequest("off")
			req.SetContent(validBlueprint)
			req.SetEnabled(false)
			inst, _, err := e.client.ManagedAPI.ManagedBlueprintsCreate(ctx).BlueprintInstanceRequest(*req).Execute()
			if err != nil {
				t.Fatal(err)
			}
			flowExists := func() bool {
				_, err := e.store.GetFlowBySlug(ctx, "bp-flow")
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Fatal(err)
				}
				return err == nil
			}

			got, _, err := e.client.ManagedAPI.ManagedBlueprintsApplyCreate(ctx, inst.Pk).Execute()
			if err != nil || flowExists() || got.Status != authentik.BLUEPRINTINSTANCESTATUSENUM_UNKNOWN {
				t.Fatalf("apply/ of a disabled instance: %v, flow exists %v, status %v", err, flowExists(), got.Status)
			}

			meta := "version: 1\nentries:\n- model: authentik_blueprints.metaapplyblueprint\n  attrs: {identifiers: {name: off}}\n"
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			fw, _ := mw.CreateFormFile("file", "meta.yaml")
			fw.Write([]byte(meta))
			mw.Close()
			hr, _ := http.NewRequest("POST", e.srv.URL+"/api/v3/managed/blueprints/import/", &buf)
			hr.Header.Set("Content-Type", mw.FormDataContentType())
			hr.Header.Set("Authorization", "Bearer "+e.adminKey)
			resp, err := e.srv.Client().Do(hr)
			must(t, err)
			var res struct {
				Success bool             `json:"success"`
				Logs    []map[string]any `json:"logs"`
			}
			must(t, json.NewDecoder(resp.Body).Decode(&res))
			resp.Body.Close()
			if !res.Success || flowExists() {
				t.Fatalf("metaapplyblueprint of a disabled instance: %+v, flow exists %v", res, flowExists())
			}

			on := true
			if _, _, err := e.client.ManagedAPI.ManagedBlueprintsPartialUpdate(ctx, inst.Pk).
				PatchedBlueprintInstanceRequest(authentik.PatchedBlueprintInstanceRequest{Enabled: &on}).Execute(); err != nil {
				t.Fatal(err)
			}
			got, _, err = e.client.ManagedAPI.ManagedBlueprintsApplyCreate(ctx, inst.Pk).Execute()
			if err != nil || !flowExists() || got.Status != authentik.BLUEPRINTINSTANCESTATUSENUM_SUCCESSFUL {
				t.Fatalf("apply/ once enabled: %v, flow exists %v, status %v", err, flowExists(), got.Status)
			}
		})
	}
}
