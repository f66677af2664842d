package resource

import "github.com/usher-id/usher/internal/store"

// InvitationStages is authentik's stages.invitation.InvitationStage.
var InvitationStages = stageModel(stageSpec{
	kind: store.StageInvitation, model: store.ModelInvitationStage,
	component: "ak-stage-invitation-form", verbose: "Invitation Stage", plural: "Invitation Stages",
	fields: []string{"continue_flow_without_invitation"},
	read: func(in *input, s *store.Stage) {
		in.boolean("continue_flow_without_invitation", &s.Invitation.ContinueFlowWithoutInvitation)
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		m["continue_flow_without_invitation"] = s.Invitation.ContinueFlowWithoutInvitation
	},
})
