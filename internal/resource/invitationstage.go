package resource

import "github.com/usher-id/usher/internal/store"

// InvitationStages is authentik's stages.invitation.InvitationStage, with
// usher's trust_invitation_email (authentik's client ignores it): an
// invitation bound to an email address proves that address, so the email
// stages of the flow do not ask to verify it again.
var InvitationStages = stageModel(stageSpec{
	kind: store.StageInvitation, model: store.ModelInvitationStage,
	component: "ak-stage-invitation-form", verbose: "Invitation Stage", plural: "Invitation Stages",
	fields: []string{"continue_flow_without_invitation", "trust_invitation_email"},
	read: func(in *input, s *store.Stage) {
		in.boolean("continue_flow_without_invitation", &s.Invitation.ContinueFlowWithoutInvitation)
		in.boolean("trust_invitation_email", &s.Invitation.TrustInvitationEmail)
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		m["continue_flow_without_invitation"] = s.Invitation.ContinueFlowWithoutInvitation
		m["trust_invitation_email"] = s.Invitation.TrustInvitationEmail
	},
})
