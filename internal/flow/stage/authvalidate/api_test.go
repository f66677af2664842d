package authvalidate_test

import (
	"net/http"
	"testing"

	api "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// apiClient is authentik's Go client with a token of the user.
func (e *env) apiClient(t *testing.T, userPK int64, key string) *api.APIClient {
	t.Helper()
	if err := e.app.Store.CreateToken(ctx, &store.Token{Identifier: key, KeyHash: auth.HashToken(key), UserPK: userPK, Intent: "api"}); err != nil {
		t.Fatal(err)
	}
	cfg := api.NewConfiguration()
	cfg.Servers = api.ServerConfigurations{{URL: e.url + "/api/v3"}}
	cfg.AddDefaultHeader("Authorization", "Bearer "+key)
	return api.NewAPIClient(cfg)
}

// TestDevicesThroughAuthentikClient: authentik's Go client lists, renames
// and deletes a user's own devices; another user's are invisible to them;
// a superuser lists and deletes anyone's; the stage endpoints decode.
func TestDevicesThroughAuthentikClient(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			c := e.client(t)
			password(t, c)
			setupTOTP(t, c)
			bob := store.User{Username: "bob", Name: "Bob", IsActive: true, Type: store.UserTypeInternal, Path: "users"}
			if err := e.app.Store.CreateUser(ctx, &bob); err != nil {
				t.Fatal(err)
			}
			bobTOTP := store.Device{Kind: store.DeviceTOTP, UserPK: bob.PK, Name: "bob's phone", Secret: "JBSWY3DPEHPK3PXP"}
			if err := e.app.Store.CreateDevice(ctx, &bobTOTP); err != nil {
				t.Fatal(err)
			}
			admin := e.apiClient(t, e.Admin.PK, "admin-token-0123456789abcdef")
			bobAPI := e.apiClient(t, bob.PK, "bob-token-0123456789abcdef")

			all, _, err := admin.AuthenticatorsAPI.AuthenticatorsAllList(ctx).Execute()
			if err != nil || len(all) != 1 || all[0].Type != "authentik_stages_authenticator_totp.TOTPDevice" || all[0].Name != "TOTP Device" {
				t.Fatalf("all: %+v %v", all, err)
			}
			page, _, err := admin.AuthenticatorsAPI.AuthenticatorsTotpList(ctx).Execute()
			if err != nil || len(page.Results) != 1 || page.Results[0].User.Username != "akadmin" {
				t.Fatalf("totp list: %+v %v", page, err)
			}
			own := page.Results[0].Pk
			patch := api.NewPatchedTOTPDeviceRequest()
			patch.SetName("Work phone")
			dev, _, err := admin.AuthenticatorsAPI.AuthenticatorsTotpPartialUpdate(ctx, own).PatchedTOTPDeviceRequest(*patch).Execute()
			if err != nil || dev.Name != "Work phone" {
				t.Fatalf("rename: %+v %v", dev, err)
			}
			patch.SetName("")
			if _, resp, _ := admin.AuthenticatorsAPI.AuthenticatorsTotpPartialUpdate(ctx, own).PatchedTOTPDeviceRequest(*patch).Execute(); resp == nil || resp.StatusCode != http.StatusBadRequest {
				t.Errorf("blank name: %v", resp)
			}

			// Bob sees only his own; akadmin's device is not found for him.
			if _, resp, _ := bobAPI.AuthenticatorsAPI.AuthenticatorsTotpRetrieve(ctx, own).Execute(); resp == nil || resp.StatusCode != http.StatusNotFound {
				t.Errorf("bob reading akadmin's device: %v", resp)
			}
			if resp, _ := bobAPI.AuthenticatorsAPI.AuthenticatorsTotpDestroy(ctx, own).Execute(); resp == nil || resp.StatusCode != http.StatusNotFound {
				t.Errorf("bob deleting akadmin's device: %v", resp)
			}
			if _, resp, _ := bobAPI.AuthenticatorsAPI.AuthenticatorsAdminAllList(ctx).User(int32(e.Admin.PK)).Execute(); resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Errorf("bob using the admin list: %v", resp)
			}

			// The superuser sees and removes bob's.
			bobs, _, err := admin.AuthenticatorsAPI.AuthenticatorsAdminAllList(ctx).User(int32(bob.PK)).Execute()
			if err != nil || len(bobs) != 1 || bobs[0].Name != "bob's phone" {
				t.Fatalf("admin list of bob: %+v %v", bobs, err)
			}
			if _, err := admin.AuthenticatorsAPI.AuthenticatorsAdminTotpDestroy(ctx, int32(bobTOTP.PK)).Execute(); err != nil {
				t.Fatal(err)
			}
			if list, _ := e.app.Store.ListDevices(ctx, bob.PK, ""); len(list) != 0 {
				t.Errorf("bob's devices after the admin deleted them: %+v", list)
			}

			// akadmin removes their own: the next sign-in needs no code.
			if _, err := admin.AuthenticatorsAPI.AuthenticatorsTotpDestroy(ctx, own).Execute(); err != nil {
				t.Fatal(err)
			}
			if s := password(t, e.client(t)); s.Component != flow.ComponentRedirect {
				t.Errorf("sign-in after removing the device: %v", s.Challenge)
			}

			stages, _, err := admin.StagesAPI.StagesAuthenticatorValidateList(ctx).Execute()
			if err != nil || len(stages.Results) != 1 || stages.Results[0].GetNotConfiguredAction() != api.NOTCONFIGUREDACTIONENUM_SKIP {
				t.Fatalf("validate stages: %+v %v", stages, err)
			}
			totpStages, _, err := admin.StagesAPI.StagesAuthenticatorTotpList(ctx).Execute()
			if err != nil || len(totpStages.Results) != 1 || totpStages.Results[0].Digits != api.DIGITSENUM__6 {
				t.Fatalf("totp stages: %+v %v", totpStages, err)
			}
		})
	}
}
