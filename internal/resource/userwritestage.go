package resource

import "github.com/usher-id/usher/internal/store"

// Choices of the user write stage (authentik's stages/user_write/stage.py).
var (
	UserCreationModes = []string{"never_create", "create_when_required", "always_create"}
	UserTypes         = []string{store.UserTypeInternal, store.UserTypeExternal, store.UserTypeServiceAccount,
		store.UserTypeInternalServiceAccount}
)

// UserWriteStages is authentik's stages.user_write.UserWriteStage.
var UserWriteStages = stageModel(stageSpec{
	kind: store.StageUserWrite, model: store.ModelUserWriteStage,
	component: "ak-stage-user-write-form", verbose: "User Write Stage", plural: "User Write Stages",
	fields: []string{"user_creation_mode", "create_users_as_inactive", "create_users_group", "user_type",
		"user_path_template"},
	read: func(in *input, s *store.Stage) {
		w := s.UserWrite
		in.choice("user_creation_mode", &w.UserCreationMode, false, UserCreationModes...)
		in.boolean("create_users_as_inactive", &w.CreateUsersAsInactive)
		in.ref("create_users_group", &w.CreateUsersGroup, false, true, exists(in.c, getGroup))
		in.choice("user_type", &w.UserType, false, UserTypes...)
		// Used literally and not checked against the API's path rules (authentik's stages/user_write/stage.py).
		in.str("user_path_template", &w.UserPathTemplate, strOpt{blank: true})
	},
	render: func(c *Ctx, s store.Stage, m map[string]any) {
		w := s.UserWrite
		m["user_creation_mode"] = w.UserCreationMode
		m["create_users_as_inactive"] = w.CreateUsersAsInactive
		m["create_users_group"] = strPtr(w.CreateUsersGroup)
		m["user_type"] = w.UserType
		m["user_path_template"] = w.UserPathTemplate
	},
})
