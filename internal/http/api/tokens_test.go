package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	ak "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/store"
)

// TestTokensThroughAuthentikClient: core/tokens and
// core/users/service_account/ as authentik's Go client calls them, on both
// databases. The key comes back once, in the creating response, and works
// as a bearer token; view_key explains why it cannot be shown again; a
// user sees and deletes only their own tokens.
func TestTokensThroughAuthentikClient(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		req := ak.NewTokenRequest("ci-deploy")
		req.SetDescription("deploys")
		req.SetIntent(ak.INTENTENUM_API)
		tok, resp, err := e.client.CoreAPI.CoreTokensCreate(ctx).TokenRequest(*req).Execute()
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("create: %v %v", resp, err)
		}
		if tok.Identifier != "ci-deploy" || tok.GetUser() != int32(e.admin.PK) || !tok.GetExpiring() || tok.Expires.Get() == nil {
			t.Fatalf("created %+v", tok)
		}
		if d := time.Until(*tok.Expires.Get()); d < 25*time.Minute || d > 35*time.Minute {
			t.Errorf("default expiry %v from now, want authentik's 30 minutes", d)
		}
		key, _ := tok.AdditionalProperties["key"].(string)
		if key == "" {
			t.Fatalf("no key in the creating response: %+v", tok.AdditionalProperties)
		}
		if me, _, err := e.newClient(key).CoreAPI.CoreUsersMeRetrieve(ctx).Execute(); err != nil || me.User.Username != e.admin.Username {
			t.Fatalf("the new key does not authenticate: %v", err)
		}

		list, _, err := e.client.CoreAPI.CoreTokensList(ctx).Identifier("ci-deploy").Execute()
		if err != nil || len(list.Results) != 1 || list.Results[0].Description == nil || *list.Results[0].Description != "deploys" {
			t.Fatalf("list: %+v %v", list, err)
		}
		got, _, err := e.client.CoreAPI.CoreTokensRetrieve(ctx, "ci-deploy").Execute()
		if err != nil || got.Pk != tok.Pk {
			t.Fatalf("retrieve: %+v %v", got, err)
		}
		_, resp, err = e.client.CoreAPI.CoreTokensViewKeyRetrieve(ctx, "ci-deploy").Execute()
		if err == nil || resp.StatusCode != http.StatusNotFound {
			t.Fatalf("view_key: %v %v", resp, err)
		}
		if body := string(err.(*ak.GenericOpenAPIError).Body()); !strings.Contains(body, "keeps only a hash") {
			t.Errorf("view_key body: %s", body)
		}

		// Bad input names the field; nothing is written.
		status, body := e.adminJSON("POST", "/api/v3/core/tokens/", map[string]any{"identifier": "has space", "intent": "recovery",
			"expires": "2001-01-01T00:00:00Z"})
		if status != 400 || body["identifier"] == nil || body["intent"] == nil || body["expires"] == nil {
			t.Errorf("bad token: %d %v", status, body)
		}
		if status, body := e.adminJSON("POST", "/api/v3/core/tokens/", map[string]any{"identifier": "ci-deploy"}); status != 400 || body["identifier"] == nil {
			t.Errorf("duplicate identifier: %d %v", status, body)
		}

		// The other user neither sees nor deletes it, and cannot make one for the admin.
		if l, _, err := e.userClient.CoreAPI.CoreTokensList(ctx).Execute(); err != nil || len(l.Results) != 1 || l.Results[0].GetUser() != int32(e.user.PK) {
			t.Errorf("user's list: %+v %v", l, err)
		}
		if resp, err := e.userClient.CoreAPI.CoreTokensDestroy(ctx, "ci-deploy").Execute(); err == nil || resp.StatusCode != http.StatusNotFound {
			t.Errorf("user deleting the admin's token: %v %v", resp, err)
		}
		other := ak.NewTokenRequest("sneaky")
		other.SetUser(int32(e.admin.PK))
		if _, resp, err := e.userClient.CoreAPI.CoreTokensCreate(ctx).TokenRequest(*other).Execute(); err == nil || resp.StatusCode != 400 {
			t.Errorf("user creating a token for the admin: %v %v", resp, err)
		}

		if resp, err := e.client.CoreAPI.CoreTokensDestroy(ctx, "ci-deploy").Execute(); err != nil || resp.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: %v %v", resp, err)
		}
		if _, _, err := e.newClient(key).CoreAPI.CoreUsersMeRetrieve(ctx).Execute(); err == nil {
			t.Error("a deleted token still authenticates")
		}

		sareq := ak.NewUserServiceAccountRequest("backup-bot")
		sareq.SetCreateGroup(true)
		sa, _, err := e.client.CoreAPI.CoreUsersServiceAccountCreate(ctx).UserServiceAccountRequest(*sareq).Execute()
		if err != nil || sa.Username != "backup-bot" || sa.Token == "" || sa.GroupPk == nil {
			t.Fatalf("service_account: %+v %v", sa, err)
		}
		u, err := e.store.GetUser(ctx, int64(sa.UserPk))
		if err != nil || u.Type != store.UserTypeServiceAccount || u.Path != "goauthentik.io/service-accounts" || u.Password != "" {
			t.Errorf("service account user %+v %v", u, err)
		}
		st, err := e.store.GetToken(ctx, "service-account-backup-bot-password")
		if err != nil || st.Intent != "app_password" || st.Expires == nil || time.Until(*st.Expires) < 359*24*time.Hour {
			t.Errorf("service account token %+v %v", st, err)
		}
		if gs, _ := e.store.UserGroups(ctx, u.PK); len(gs) != 1 || gs[0].Name != "backup-bot" {
			t.Errorf("service account groups %+v", gs)
		}
		if _, resp, err := e.client.CoreAPI.CoreUsersServiceAccountCreate(ctx).UserServiceAccountRequest(*sareq).Execute(); err == nil || resp.StatusCode != 400 {
			t.Errorf("second service account with the same name: %v %v", resp, err)
		}
	})
}
