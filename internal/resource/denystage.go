package resource

import "github.com/usher-id/usher/internal/store"

// DenyStages is authentik's stages.deny.DenyStage.
var DenyStages = stageModel(stageSpec{
	kind: store.StageDeny, model: store.ModelDenyStage,
	component: "ak-stage-deny-form", verbose: "Deny Stage", plural: "Deny Stages",
	fields: []string{"deny_message"},
	read: func(in *input, s *store.Stage) {
		in.str("deny_message", &s.Deny.DenyMessage, strOpt{blank: true})
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) { m["deny_message"] = s.Deny.DenyMessage },
})
