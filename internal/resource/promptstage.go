package resource

import "github.com/usher-id/usher/internal/store"

// PromptStages is authentik's stages.prompt.PromptStage.
var PromptStages = stageModel(stageSpec{
	kind: store.StagePrompt, model: store.ModelPromptStage,
	component: "ak-stage-prompt-form", verbose: "Prompt Stage", plural: "Prompt Stages",
	fields: []string{"fields", "validation_policies"},
	read: func(in *input, s *store.Stage) {
		p := s.Prompt
		in.refs("fields", &p.Fields, true, false, exists(in.c, getPrompt))
		in.refs("validation_policies", &p.ValidationPolicies, false, true, exists(in.c, getPolicy))
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		m["fields"] = nonNil(s.Prompt.Fields)
		m["validation_policies"] = nonNil(s.Prompt.ValidationPolicies)
	},
})
