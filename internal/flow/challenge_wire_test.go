package flow_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	api "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// canonical re-encodes a decoded challenge with sorted keys, so two
// challenges compare equal when their field names and values are equal.
func canonical(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(m)
	return string(b)
}

// wantWire compares a challenge as sent with the JSON authentik's clients
// are known to accept (USHER_WIRE_PRINT=1 prints what is sent instead), and
// decodes it with authentik's generated client, which checks the
// component's required keys.
func wantWire(t *testing.T, name string, got any, want string) {
	t.Helper()
	g := canonical(t, got)
	var ct api.ChallengeTypes
	if err := json.Unmarshal([]byte(g), &ct); err != nil || ct.GetActualInstance() == nil {
		t.Errorf("%s: authentik's client cannot decode it: %v", name, err)
	}
	if os.Getenv("USHER_WIRE_PRINT") != "" {
		t.Logf("%s:\n%s", name, g)
		return
	}
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad want: %v", name, err)
	}
	if wc := canonical(t, w); g != wc {
		t.Errorf("%s:\n got %s\nwant %s", name, g, wc)
	}
}

// TestChallengeWireFormat pins every challenge component's JSON, field by
// field, as authentik's flows/challenge.py and its stage challenges define
// them: the executor API's output is what authentik's web client and
// generated clients decode.
func TestChallengeWireFormat(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		fx := e.Fixture
		// Prompt: every kind of field, choices from an expression, an
		// e-mail locked by the invitation.
		fx.Flow("wire-enroll", "Wire", "Wire %(app)s for %(user)s", store.DesignationEnrollment, "require_unauthenticated")
		fx.Stage(store.StageInvitation, "wire-invitation", func(s *store.Stage) { s.Invitation.ContinueFlowWithoutInvitation = true })
		fx.Prompt("wire-username", "username", "Username", "username", 0, nil)
		fx.Prompt("wire-email", "email", "Email", "email", 1, func(p *store.Prompt) { p.SubText = "Your address" })
		fx.Prompt("wire-team", "attributes.team", "Team", "dropdown", 2, func(p *store.Prompt) {
			p.PlaceholderExpression, p.Placeholder = true, "return [{'label': 'Backend', 'value': 'backend'}, 'frontend']"
			p.InitialValue = "frontend"
		})
		fx.Prompt("wire-empty-radio", "radio", "Radio", "radio-button-group", 3, func(p *store.Prompt) { p.Placeholder, p.Required = "", false })
		fx.Prompt("wire-agree", "agree", "Agree", "checkbox", 4, func(p *store.Prompt) { p.Required = false })
		fx.Prompt("wire-sep", "sep", "Section", "separator", 5, func(p *store.Prompt) { p.Required = false })
		fx.Prompt("wire-hidden", "attributes.code", "Code", "hidden", 6, func(p *store.Prompt) { p.InitialValue = "c1" })
		fx.PromptStage("wire-prompt", "wire-username", "wire-email", "wire-team", "wire-empty-radio", "wire-agree", "wire-sep", "wire-hidden")
		fx.Bind("wire-enroll", "wire-invitation", 5, true)
		fx.Bind("wire-enroll", "wire-prompt", 10, false)
		inv := fx.Invitation("wire-inv", "wire-enroll", false, nil, map[string]any{"email": "bound@example.org"})
		if err := e.Store.UpdateInvitation(bg, func() *store.Invitation { i := inv; i.Email = "bound@example.org"; return &i }()); err != nil {
			t.Fatal(err)
		}

		// Login: identification with links, password, remember me.
		fx.Flow("wire-login", "Wire login", "Sign in", store.DesignationAuthentication, "none")
		enroll, recovery := fx.Flows["default-enrollment-flow"].UUID, fx.Flows["invitation-enrollment-flow-external"].UUID
		fx.Stage(store.StageIdentification, "wire-id", func(s *store.Stage) {
			s.Identification.UserFields = []string{"username"}
			s.Identification.EnrollmentFlow, s.Identification.RecoveryFlow = &enroll, &recovery
			s.Identification.ShowSourceLabels = true
		})
		pw := fx.Stage(store.StagePassword, "wire-password", func(s *store.Stage) { s.Password.AllowShowPassword = true })
		fx.Stage(store.StageUserLogin, "wire-remember", func(s *store.Stage) { s.UserLogin.RememberMeOffset = "days=30" })
		fx.Bind("wire-login", "wire-id", 10, false)
		fx.Bind("wire-login", "wire-password", 20, false)
		fx.Bind("wire-login", "wire-remember", 30, false)
		// Identification with the password inline.
		fx.Flow("wire-inline", "Wire inline", "Inline", store.DesignationAuthentication, "none")
		fx.Stage(store.StageIdentification, "wire-id-inline", func(s *store.Stage) {
			s.Identification.PasswordStage = &pw.UUID
			s.Identification.EnableRememberMe = true
		})
		fx.Bind("wire-inline", "wire-id-inline", 10, false)

		flowInfo := func(title, cancel string) string {
			return `{"background":"/static/dist/assets/images/flow_background.jpg","background_themed_urls":null,` +
				`"cancel_url":"` + cancel + `","layout":"stacked","title":"` + title + `"}`
		}

		t.Run("prompt", func(t *testing.T) {
			cl := e.Client()
			u := cl.ExecutorURL("wire-enroll", "itoken="+inv.UUID+"&next=%2Fapp%2F")
			_, ch, _ := cl.Do(http.MethodGet, u, nil)
			fields := `[` +
				`{"choices":null,"field_key":"username","initial_value":"","label":"Username","order":0,"placeholder":"Username","required":true,"sub_text":"","type":"username"},` +
				`{"choices":null,"field_key":"email","initial_value":"bound@example.org","label":"Email","order":1,"placeholder":"Email","required":true,"sub_text":"Your address","type":"email"},` +
				`{"choices":[{"label":"Backend","value":"backend"},{"label":"frontend","value":"frontend"}],"field_key":"attributes.team","initial_value":"frontend","label":"Team","order":2,"placeholder":"","required":true,"sub_text":"","type":"dropdown"},` +
				`{"choices":[],"field_key":"radio","initial_value":"","label":"Radio","order":3,"placeholder":"","required":false,"sub_text":"","type":"radio-button-group"},` +
				`{"choices":null,"field_key":"agree","initial_value":"","label":"Agree","order":4,"placeholder":"Agree","required":false,"sub_text":"","type":"checkbox"},` +
				`{"choices":null,"field_key":"sep","initial_value":"","label":"Section","order":5,"placeholder":"Section","required":false,"sub_text":"","type":"separator"},` +
				`{"choices":null,"field_key":"attributes.code","initial_value":"c1","label":"Code","order":6,"placeholder":"Code","required":true,"sub_text":"","type":"hidden"}]`
			wantWire(t, "prompt", ch, `{"component":"ak-stage-prompt","fields":`+fields+
				`,"flow_info":`+flowInfo("Wire  for ", "/flows/-/cancel/?next=%2Fapp%2F")+`}`)
			_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"component": "ak-stage-prompt", "username": "akadmin",
				"email": "other@example.org", "attributes.team": "nope"})
			wantWire(t, "prompt errors", ch, `{"component":"ak-stage-prompt","fields":`+fields+
				`,"flow_info":`+flowInfo("Wire  for ", "/flows/-/cancel/?next=%2Fapp%2F")+`,"response_errors":{`+
				`"attributes.team":[{"code":"invalid_choice","string":"\"nope\" is not a valid choice."}],`+
				`"email":[{"code":"invalid","string":`+jsonString((&flow.InvitationError{Cause: flow.CauseEmail}).Message())+`}],`+
				`"username":[{"code":"invalid","string":"Username is already taken."}]}}`)
		})

		t.Run("login", func(t *testing.T) {
			cl := e.Client()
			u := cl.ExecutorURL("wire-login", "")
			_, ch, _ := cl.Do(http.MethodGet, u, nil)
			wantWire(t, "identification", ch, `{"allow_show_password":false,"captcha_stage":null,"component":"ak-stage-identification",`+
				`"enable_remember_me":false,"enroll_url":"/if/flow/default-enrollment-flow/","flow_designation":"authentication",`+
				`"flow_info":`+flowInfo("Sign in", "/flows/-/cancel/")+`,"password_fields":false,"pending_user_identifier":null,`+
				`"primary_action":"Log in","recovery_url":"/if/flow/invitation-enrollment-flow-external/","show_source_labels":true,`+
				`"sources":[],"user_fields":["username"]}`)
			_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"uid_field": " "})
			wantWire(t, "identification errors", ch, `{"allow_show_password":false,"captcha_stage":null,"component":"ak-stage-identification",`+
				`"enable_remember_me":false,"enroll_url":"/if/flow/default-enrollment-flow/","flow_designation":"authentication",`+
				`"flow_info":`+flowInfo("Sign in", "/flows/-/cancel/")+`,"password_fields":false,"pending_user_identifier":null,`+
				`"primary_action":"Log in","recovery_url":"/if/flow/invitation-enrollment-flow-external/",`+
				`"response_errors":{"uid_field":[{"code":"required","string":"This field is required."}]},"show_source_labels":true,`+
				`"sources":[],"user_fields":["username"]}`)
			_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"uid_field": "akadmin"})
			_, ch, _ = cl.Do(http.MethodGet, u, nil)
			wantWire(t, "password", ch, `{"allow_show_password":true,"component":"ak-stage-password",`+
				`"flow_info":`+flowInfo("Sign in", "/flows/-/cancel/")+`,"pending_user":"akadmin",`+
				`"pending_user_avatar":"/static/dist/assets/images/user_default.png"}`)
			_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"password": "wrong"})
			wantWire(t, "password errors", ch, `{"allow_show_password":true,"component":"ak-stage-password",`+
				`"flow_info":`+flowInfo("Sign in", "/flows/-/cancel/")+`,"pending_user":"akadmin",`+
				`"pending_user_avatar":"/static/dist/assets/images/user_default.png",`+
				`"response_errors":{"password":[{"code":"invalid","string":"Invalid password"}]}}`)
			_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"password": testapp.AdminPassword})
			_, ch, _ = cl.Do(http.MethodGet, u, nil)
			wantWire(t, "user login", ch, `{"component":"ak-stage-user-login","flow_info":`+flowInfo("Sign in", "/flows/-/cancel/")+
				`,"pending_user":"akadmin","pending_user_avatar":"/static/dist/assets/images/user_default.png"}`)
			_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{})
			wantWire(t, "user login errors", ch, `{"component":"ak-stage-user-login","flow_info":`+flowInfo("Sign in", "/flows/-/cancel/")+
				`,"pending_user":"akadmin","pending_user_avatar":"/static/dist/assets/images/user_default.png",`+
				`"response_errors":{"remember_me":[{"code":"required","string":"This field is required."}]}}`)
			_, ch, _ = cl.Do(http.MethodPost, u, map[string]any{"remember_me": true})
			wantWire(t, "redirect", ch, `{"component":"xak-flow-redirect","to":"/"}`)
		})

		t.Run("identification with password", func(t *testing.T) {
			cl := e.Client()
			_, ch, _ := cl.Do(http.MethodGet, cl.ExecutorURL("wire-inline", ""), nil)
			wantWire(t, "identification inline", ch, `{"allow_show_password":true,"captcha_stage":null,"component":"ak-stage-identification",`+
				`"enable_remember_me":true,"flow_designation":"authentication","flow_info":`+flowInfo("Inline", "/flows/-/cancel/")+
				`,"password_fields":true,"pending_user_identifier":null,"primary_action":"Log in","show_source_labels":false,`+
				`"sources":[],"user_fields":["email","username"]}`)
		})

		t.Run("access denied", func(t *testing.T) {
			cl := e.Client()
			_, ch, _ := cl.Do(http.MethodGet, cl.ExecutorURL("invitation-enrollment-flow-external", "itoken=bad"), nil)
			wantWire(t, "access denied", ch, `{"component":"ak-stage-access-denied","error_message":`+
				jsonString((&flow.InvitationError{Cause: flow.CauseMalformed}).Message())+`,`+
				`"flow_info":`+flowInfo("Welcome! Complete your enrollment", "/flows/-/cancel/")+
				`,"pending_user":"","pending_user_avatar":"/static/dist/assets/images/user_default.png"}`)
		})
	})

	t.Run("flow error", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r = r.WithContext(httpx.WithRequest(r.Context(), "req-1", "192.0.2.1", false))
		wantWire(t, "flow error", flow.NewFlowError(r), `{"component":"ak-stage-flow-error","request_id":"req-1"}`)
	})
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
