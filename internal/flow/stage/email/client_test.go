package email_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	ak "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/worker/mail/mailtest"
)

// TestClientEmailStageAndRecovery drives the API with authentik's Go
// client: create and read an email stage with its own SMTP settings (the
// password is write-only), refuse a template that does not exist, make a
// recovery link for an administrator to hand over and use it, and mail one
// through the stage's own SMTP server.
func TestClientEmailStageAndRecovery(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			c := e.client()
			bg := context.Background()
			own := mailtest.Start(t, mailtest.Options{})

			req := ak.NewEmailStageRequest("own-smtp")
			req.SetUseGlobalSettings(false)
			req.SetHost(own.Host)
			req.SetPort(int32(own.Port))
			req.SetUsername("")
			req.SetPassword("smtp-secret")
			req.SetFromAddress("it@example.com")
			req.SetSubject("Reset your password")
			req.SetTemplate("email/password_reset.html")
			req.SetTokenExpiry("hours=2")
			req.SetActivateUserOnSuccess(false)
			st, _, err := c.StagesAPI.StagesEmailCreate(bg).EmailStageRequest(*req).Execute()
			if err != nil {
				t.Fatalf("create: %v", err)
			}
			got, _, err := c.StagesAPI.StagesEmailRetrieve(bg, st.Pk).Execute()
			if err != nil {
				t.Fatalf("retrieve: %v", err)
			}
			if got.GetHost() != own.Host || got.GetPort() != int32(own.Port) || got.GetUseGlobalSettings() ||
				got.GetTemplate() != "email/password_reset.html" || got.GetTokenExpiry() != "hours=2" ||
				got.GetRecoveryMaxAttempts() != 5 || got.Component != "ak-stage-email-form" {
				t.Fatalf("retrieved %+v", got)
			}
			if _, _, raw := e.raw(http.MethodGet, "/api/v3/stages/email/"+st.Pk+"/"); strings.Contains(raw, "smtp-secret") {
				t.Fatal("the SMTP password is readable")
			}
			list, _, err := c.StagesAPI.StagesEmailList(bg).Execute()
			if err != nil || len(list.Results) != 3 { // own-smtp and the two blueprints' stages
				t.Fatalf("list: %v %d", err, len(list.Results))
			}
			bad := ak.NewEmailStageRequest("bad-template")
			bad.SetTemplate("email/nosuch.html")
			_, res, err := c.StagesAPI.StagesEmailCreate(bg).EmailStageRequest(*bad).Execute()
			if err == nil || res.StatusCode != http.StatusBadRequest || !strings.Contains(body(err), "template") {
				t.Fatalf("unknown template: %v %s", err, body(err))
			}

			// A link to hand over: the recovery flow for jane, used once.
			lr := ak.NewUserRecoveryLinkRequest()
			lr.SetTokenDuration("minutes=10")
			l, _, err := c.CoreAPI.CoreUsersRecoveryCreate(bg, int32(e.jane.PK)).UserRecoveryLinkRequest(*lr).Execute()
			if err != nil || !strings.Contains(l.Link, "/if/flow/"+recoveryFlow+"/?flow_token=") {
				t.Fatalf("recovery link: %v %+v", err, l)
			}
			cl := testapp.NewClient(t, e.url)
			pages := cl.FollowHTML(recoveryFlow, strings.SplitN(l.Link, "?", 2)[1],
				map[string]any{"uid_field": "jane", "password": newPassword, "password_repeat": newPassword})
			if last := pages[len(pages)-1]; last.Location == "" {
				t.Fatalf("using the handed-over link: %s", last.Body)
			}
			if !e.canLogin("jane", newPassword) {
				t.Fatal("the handed-over link did not set the password")
			}

			// Mailed through the stage's own SMTP server, not the global one.
			if _, err := c.CoreAPI.CoreUsersRecoveryEmailCreate(bg, int32(e.jane.PK)).
				UserRecoveryEmailRequest(*ak.NewUserRecoveryEmailRequest(st.Pk)).Execute(); err != nil {
				t.Fatalf("recovery_email: %v %s", err, body(err))
			}
			e.deliver()
			msgs := own.Wait(t, 1, 10*time.Second)
			if msgs[0].To[0] != "jane@example.com" || msgs[0].Subject != "Reset your password" || !strings.Contains(msgs[0].Header.Get("From"), "it@example.com") {
				t.Fatalf("own SMTP got %v %q from %q", msgs[0].To, msgs[0].Subject, msgs[0].Header.Get("From"))
			}
			if len(e.smtp.Messages()) != 0 {
				t.Fatal("the global SMTP server got the stage's email")
			}
			link(t, msgs[0])

			// Refusals name the problem.
			r2 := ak.NewUserRecoveryEmailRequest("00000000-0000-4000-8000-000000000000")
			if _, err := c.CoreAPI.CoreUsersRecoveryEmailCreate(bg, int32(e.jane.PK)).UserRecoveryEmailRequest(*r2).Execute(); !strings.Contains(body(err), "Email stage not found.") {
				t.Fatalf("unknown stage: %v %s", err, body(err))
			}
			e.brand.FlowRecovery = nil
			if err := e.st.UpdateBrand(ctx, &e.brand); err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.CoreAPI.CoreUsersRecoveryCreate(bg, int32(e.jane.PK)).Execute(); !strings.Contains(body(err), "No recovery flow set.") {
				t.Fatalf("no recovery flow: %v %s", err, body(err))
			}
			noMail := store.User{Username: "nomail", IsActive: true, Type: store.UserTypeInternal, Path: "users", Attributes: map[string]any{}}
			if err := e.st.CreateUser(ctx, &noMail); err != nil {
				t.Fatal(err)
			}
			if _, err := c.CoreAPI.CoreUsersRecoveryEmailCreate(bg, int32(noMail.PK)).
				UserRecoveryEmailRequest(*ak.NewUserRecoveryEmailRequest(st.Pk)).Execute(); !strings.Contains(body(err), "User does not have an email address set.") {
				t.Fatalf("no address: %v %s", err, body(err))
			}
		})
	}
}

// body is the response body of a client error.
func body(err error) string {
	var ge *ak.GenericOpenAPIError
	if errors.As(err, &ge) {
		return string(ge.Body())
	}
	return ""
}
