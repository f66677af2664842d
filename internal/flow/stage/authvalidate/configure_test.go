package authvalidate_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/flow/stage/authvalidate"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/testkit"
)

// setValidate changes the default flow's validation stage.
func (e *env) setValidate(t *testing.T, set func(v *store.AuthenticatorValidateStageSettings)) {
	t.Helper()
	st, err := e.app.Store.GetStageByName(ctx, "default-authentication-mfa-validation")
	if err != nil {
		t.Fatal(err)
	}
	set(st.AuthenticatorValidate)
	if err := e.app.Store.UpdateStage(ctx, &st); err != nil {
		t.Fatal(err)
	}
}

func (e *env) stageUUID(t *testing.T, name string) string {
	t.Helper()
	st, err := e.app.Store.GetStageByName(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return st.UUID
}

// TestNotConfiguredAction: a user without a device is let through (skip),
// refused (deny), sent through the one setup stage, or asked to choose
// among several (configure) and then set up what they chose inside the
// sign-in; recovery codes set up this way work once each.
func TestNotConfiguredAction(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			testapp.ApplyFile(t, e.app, testkit.AuthentikBlueprint(t, "flow-default-authenticator-static-setup.yaml"))
			totpStage, staticStage := e.stageUUID(t, "default-authenticator-totp-setup"), e.stageUUID(t, "default-authenticator-static-setup")

			e.setValidate(t, func(v *store.AuthenticatorValidateStageSettings) { v.NotConfiguredAction = "deny" })
			if s := password(t, e.client(t)); s.Component != flow.ComponentAccessDenied || s.Challenge["error_message"] != authvalidate.MsgNotConfigured {
				t.Fatalf("deny: %v", s.Challenge)
			}

			e.setValidate(t, func(v *store.AuthenticatorValidateStageSettings) {
				v.NotConfiguredAction, v.ConfigurationStages = "configure", []string{totpStage}
			})
			if s := password(t, e.client(t)); s.Component != "ak-stage-authenticator-totp" {
				t.Fatalf("configure with one stage: %v", s.Challenge)
			}

			e.setValidate(t, func(v *store.AuthenticatorValidateStageSettings) {
				v.ConfigurationStages = []string{totpStage, staticStage}
			})
			c := e.client(t)
			s := password(t, c)
			stages, _ := s.Challenge["configuration_stages"].([]any)
			if s.Component != authvalidate.Component || len(stages) != 2 ||
				stages[1].(map[string]any)["meta_model_name"] != store.ModelAuthenticatorStaticStage {
				t.Fatalf("configure with two stages: %v", s.Challenge)
			}
			if s = answer(t, c, map[string]any{"component": authvalidate.Component, "selected_stage": e.Admin.UUID}); s.Challenge["response_errors"] == nil {
				t.Fatalf("a stage not offered was accepted: %v", s.Challenge)
			}
			s = answer(t, c, map[string]any{"component": authvalidate.Component, "selected_stage": staticStage})
			codes, _ := s.Challenge["codes"].([]any)
			if s.Component != "ak-stage-authenticator-static" || len(codes) != 6 || len(codes[0].(string)) != 12 {
				t.Fatalf("after choosing static tokens: %v", s.Challenge)
			}
			if s = answer(t, c, map[string]any{"component": "ak-stage-authenticator-static"}); s.Component != flow.ComponentRedirect {
				t.Fatalf("confirming the codes: %v", s.Challenge)
			}
			if e.loggedIn(c) != e.Admin.PK {
				t.Fatal("not signed in after setting up a second factor")
			}

			// Now the user has a device: the stage asks for it.
			code := codes[0].(string)
			for i, want := range []string{flow.ComponentRedirect, authvalidate.Component} {
				c := e.client(t)
				if s := password(t, c); s.Component != authvalidate.Component {
					t.Fatalf("sign-in %d after setup: %v", i, s.Challenge)
				}
				if s := answer(t, c, map[string]any{"component": authvalidate.Component, "code": code}); s.Component != want {
					t.Fatalf("recovery code, use %d: %v (want %s)", i+1, s.Challenge, want)
				}
			}
			devs, _ := e.app.Store.ListDevices(ctx, e.Admin.PK, store.DeviceStatic)
			if n, _ := e.app.Store.CountStaticTokens(ctx, devs[0].PK); len(devs) != 1 || n != 5 {
				t.Errorf("static devices %+v with %d codes left, want one with 5", devs, n)
			}
		})
	}
}

// TestConfigureWithoutStagesDenies: configure with no setup stage left is
// a configuration error, not a way around the second factor.
func TestConfigureWithoutStagesDenies(t *testing.T) {
	e := newEnv(t, testapp.Backends(t)[0])
	totpStage := e.stageUUID(t, "default-authenticator-totp-setup")
	e.setValidate(t, func(v *store.AuthenticatorValidateStageSettings) {
		v.NotConfiguredAction, v.ConfigurationStages = "configure", []string{totpStage}
	})
	if err := e.app.Store.DeleteStage(ctx, totpStage); err != nil {
		t.Fatal(err)
	}
	c := e.client(t)
	if s := password(t, c); s.Component != flow.ComponentAccessDenied {
		t.Fatalf("configure without stages: %v", s.Challenge)
	}
	resp, _, _ := c.Do(http.MethodGet, e.url+"/api/v3/core/users/me/", nil)
	if resp.StatusCode == http.StatusOK {
		t.Error("signed in without a second factor")
	}
}

// TestLastAuthThreshold: after a second factor passed, the same browser
// skips the stage within last_auth_threshold; another browser is asked.
func TestLastAuthThreshold(t *testing.T) {
	e := newEnv(t, testapp.Backends(t)[0])
	first := e.client(t)
	password(t, first)
	secret := setupTOTP(t, first)
	e.setValidate(t, func(v *store.AuthenticatorValidateStageSettings) { v.LastAuthThreshold = "hours=1" })

	browser := e.client(t)
	if s := password(t, browser); s.Component != authvalidate.Component {
		t.Fatalf("first sign-in: %v", s.Challenge)
	}
	if s := answer(t, browser, map[string]any{"component": authvalidate.Component, "code": codeAt(t, secret, time.Now().Add(30*time.Second))}); s.Component != flow.ComponentRedirect {
		t.Fatalf("code: %v", s.Challenge)
	}
	// Signed out, the same browser signs in again: no code asked.
	browser.Get(browser.PageURL("default-invalidation-flow", ""))
	if e.loggedIn(browser) != 0 {
		t.Fatal("still signed in after the logout flow")
	}
	if s := password(t, browser); s.Component != flow.ComponentRedirect {
		t.Errorf("within the threshold the same browser was asked again: %v", s.Challenge)
	}
	if s := password(t, e.client(t)); s.Component != authvalidate.Component {
		t.Errorf("another browser skipped the second factor: %v", s.Challenge)
	}
	// A shorter threshold than the cookie was made for no longer counts.
	e.setValidate(t, func(v *store.AuthenticatorValidateStageSettings) { v.LastAuthThreshold = "minutes=5" })
	browser.Get(browser.PageURL("default-invalidation-flow", ""))
	if s := password(t, browser); s.Component != authvalidate.Component {
		t.Errorf("a cookie longer than the new threshold was accepted: %v", s.Challenge)
	}
}
