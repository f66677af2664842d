package resource

import "github.com/usher-id/usher/internal/store"

// UserLogoutStages is authentik's stages.user_logout.UserLogoutStage.
var UserLogoutStages = stageModel(stageSpec{
	kind: store.StageUserLogout, model: store.ModelUserLogoutStage,
	component: "ak-stage-user-logout-form", verbose: "User Logout Stage", plural: "User Logout Stages",
	read:   func(in *input, s *store.Stage) {},
	render: func(c *Ctx, s store.Stage, m map[string]any) {},
})
