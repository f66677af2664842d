package resource

import "github.com/usher-id/usher/internal/store"

// ConsentModes are the consent stage's modes (authentik's
// stages/consent/models.py ConsentMode).
var ConsentModes = []string{store.ConsentAlwaysRequire, store.ConsentPermanent, store.ConsentExpiring}

// ConsentStages is authentik's stages.consent.ConsentStage.
var ConsentStages = stageModel(stageSpec{
	kind: store.StageConsent, model: store.ModelConsentStage,
	component: "ak-stage-consent-form", verbose: "Consent Stage", plural: "Consent Stages",
	fields: []string{"mode", "consent_expire_in"},
	read: func(in *input, s *store.Stage) {
		in.choice("mode", &s.Consent.Mode, false, ConsentModes...)
		in.duration("consent_expire_in", &s.Consent.ConsentExpireIn)
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		m["mode"] = s.Consent.Mode
		m["consent_expire_in"] = s.Consent.ConsentExpireIn
	},
})
