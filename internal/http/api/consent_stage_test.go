package api_test

import (
	"context"
	"testing"

	ak "goauthentik.io/api/v3"
)

// The consent stage through authentik's Go client: create with
// authentik's default mode, update, filter, validation of the duration.
func TestClientConsentStages(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		created, _, err := e.client.StagesAPI.StagesConsentCreate(ctx).ConsentStageRequest(*ak.NewConsentStageRequest("consent")).Execute()
		if err != nil || created.GetMode() != ak.CONSENTMODEENUM_EXPIRING || created.GetConsentExpireIn() != "weeks=4" ||
			created.Component != "ak-stage-consent-form" || created.MetaModelName != "authentik_stages_consent.consentstage" {
			t.Fatalf("create = %+v, %v", created, err)
		}
		req := ak.NewPatchedConsentStageRequest()
		req.SetMode(ak.CONSENTMODEENUM_PERMANENT)
		req.SetConsentExpireIn("days=1")
		got, _, err := e.client.StagesAPI.StagesConsentPartialUpdate(ctx, created.Pk).PatchedConsentStageRequest(*req).Execute()
		if err != nil || got.GetMode() != ak.CONSENTMODEENUM_PERMANENT || got.GetConsentExpireIn() != "days=1" {
			t.Fatalf("update = %+v, %v", got, err)
		}
		list, _, err := e.client.StagesAPI.StagesConsentList(ctx).Mode(ak.CONSENTMODEENUM_PERMANENT).Execute()
		if err != nil || list.Pagination.Count != 1 || list.Results[0].Name != "consent" {
			t.Fatalf("list permanent = %+v, %v", list, err)
		}
		list, _, _ = e.client.StagesAPI.StagesConsentList(ctx).Mode(ak.CONSENTMODEENUM_ALWAYS_REQUIRE).Execute()
		if list.Pagination.Count != 0 {
			t.Errorf("always_require stages = %d", int(list.Pagination.Count))
		}

		bad := ak.NewConsentStageRequest("consent-2")
		bad.SetConsentExpireIn("soon")
		_, res, err := e.client.StagesAPI.StagesConsentCreate(ctx).ConsentStageRequest(*bad).Execute()
		status, body := apiErr(t, res, err)
		if status != 400 || firstMsg(body, "consent_expire_in") == "" {
			t.Errorf("bad duration: %d %v", status, body)
		}
		types, _, err := e.client.StagesAPI.StagesAllTypesList(ctx).Execute()
		found := false
		for _, ty := range types {
			found = found || ty.ModelName == "consentstage" && ty.Component == "ak-stage-consent-form"
		}
		if err != nil || !found {
			t.Errorf("stage types lack the consent stage: %+v, %v", types, err)
		}
	})
}
