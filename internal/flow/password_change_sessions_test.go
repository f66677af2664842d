package flow_test

import (
	"testing"

	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// A password changed through a flow's user write stage ends the user's
// other sessions, as the console and the CLI do; the session that changed
// it stays signed in.
func TestPasswordChangeFlowEndsOtherSessions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		fx := e.Fixture
		fx.Flow("pw-change", "Change password", "Change password", store.DesignationStageConfiguration, "require_authenticated")
		fx.Prompt("pw-change-password", "password", "Password", "password", 0, nil)
		fx.Prompt("pw-change-password-repeat", "password_repeat", "Password (repeat)", "password", 1, nil)
		fx.PromptStage("pw-change-prompt", "pw-change-password", "pw-change-password-repeat")
		fx.Stage(store.StageUserWrite, "pw-change-write", func(s *store.Stage) { s.UserWrite.UserCreationMode = "never_create" })
		fx.Bind("pw-change", "pw-change-prompt", 10, false)
		fx.Bind("pw-change", "pw-change-write", 20, false)

		login := func() *testapp.Client {
			c := e.Client()
			last := testapp.Last(c.FollowJSON("default-authentication-flow", "", map[string]any{"uid_field": "akadmin",
				"password": testapp.AdminPassword}))
			if last.Component != flow.ComponentRedirect || e.LoggedIn(c) != fx.Admin.PK {
				t.Fatalf("login ended at %q", last.Component)
			}
			return c
		}
		changer, other := login(), login()
		last := testapp.Last(changer.FollowJSON("pw-change", "", map[string]any{"password": "n3w-Passw0rd", "password_repeat": "n3w-Passw0rd"}))
		if last.Component != flow.ComponentRedirect {
			t.Fatalf("password change ended at %q", last.Component)
		}
		if len(e.events("password_set")) != 1 {
			t.Fatal("want one password_set event")
		}
		if e.LoggedIn(changer) != fx.Admin.PK {
			t.Error("the session that changed the password was signed out")
		}
		if e.LoggedIn(other) != 0 {
			t.Error("another session of the user survived the password change")
		}
	})
}
