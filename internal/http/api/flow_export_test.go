package api_test

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/http/api"
	"github.com/usher-id/usher/internal/store"
)

func TestFlowExport(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		flow := store.Flow{Name: "Enroll", Slug: "enroll", Title: "Welcome", Designation: "enrollment", Authentication: "none",
			Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
		must(t, e.store.CreateFlow(ctx, &flow))
		stage, err := store.NewStage(store.StageInvitation, "enroll-invitation")
		must(t, err)
		must(t, e.store.CreateStage(ctx, &stage))
		binding := store.FlowStageBinding{Target: flow.UUID, Stage: stage.UUID, Order: 10, ReEvaluatePolicies: true,
			InvalidResponseAction: "retry", PolicyEngineMode: "any"}
		must(t, e.store.CreateBinding(ctx, &binding))

		// authentik's client downloads the export as a file.
		f, res, err := e.client.FlowsAPI.FlowsInstancesExportRetrieve(ctx, "enroll").Execute()
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		defer os.Remove(f.Name())
		data, err := io.ReadAll(f)
		must(t, err)
		f.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/yaml" ||
			res.Header.Get("Content-Disposition") != `attachment; filename="enroll.yaml"` {
			t.Fatalf("export answered %d %v", res.StatusCode, res.Header)
		}
		bp, err := blueprint.Parse(data, "enroll.yaml")
		if err != nil {
			t.Fatalf("export does not parse: %v\n%s", err, data)
		}
		if len(bp.Entries) != 3 || bp.Metadata == nil || bp.Metadata.Labels[blueprint.LabelGenerated] != "true" {
			t.Fatalf("export = %d entries, metadata %+v:\n%s", len(bp.Entries), bp.Metadata, data)
		}
		for _, want := range []string{"pk: " + flow.UUID, "pk: " + stage.UUID, "pk: " + binding.UUID, "stage: !KeyOf stage-enroll-invitation"} {
			if !strings.Contains(string(data), want) {
				t.Fatalf("export lacks %q:\n%s", want, data)
			}
		}

		for _, tc := range []struct {
			name, path, key string
			status          int
			detail          string
		}{
			{"unknown slug", "/api/v3/flows/instances/no-such-flow/export/", e.adminKey, 404, "Not found."},
			{"regular user", "/api/v3/flows/instances/enroll/export/", e.userKey, 403, api.MsgForbidden},
			{"no credentials", "/api/v3/flows/instances/enroll/export/", "", 403, api.MsgNoCredentials},
		} {
			t.Run(tc.name, func(t *testing.T) {
				status, m, raw := e.do("GET", tc.path, nil, tc.key)
				if status != tc.status || m["detail"] != tc.detail {
					t.Fatalf("status %d body %s, want %d {\"detail\": %q}", status, raw, tc.status, tc.detail)
				}
			})
		}
	})
}
