package authvalidate_test

import (
	"net/http"
	"testing"

	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/flow/stage/authvalidate"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/testkit"
	"github.com/usher-id/usher/internal/worker/mail"
)

// lastCode is the code in the newest email queued in the outbox.
func (e *env) lastCode(t *testing.T) (string, string) {
	t.Helper()
	msgs, err := e.app.Store.ListOutbox(ctx, 1)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("no email queued: %v", err)
	}
	m, err := mail.Decode(msgs[0].Payload)
	if err != nil {
		t.Fatal(err)
	}
	code, _ := m.Context["code"].(string)
	return code, m.To[0]
}

// TestEmailCodes: authentik's email setup flow sends a code through the
// outbox and saves the device when it is typed; the next sign-in emails a
// new code that works once.
func TestEmailCodes(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			testapp.ApplyFile(t, e.app, testkit.AuthentikBlueprint(t, "flows-authenticator-email-setup.yaml"))
			c := e.client(t)
			password(t, c)
			s := firstChallenge(t, c, "default-authenticator-email-setup")
			if s.Component != "ak-stage-authenticator-email" || s.Challenge["email"] != "a***@example.com" {
				t.Fatalf("email setup shows %v", s.Challenge)
			}
			code, to := e.lastCode(t)
			if to != e.Admin.Email || len(code) != 6 {
				t.Fatalf("setup email to %q with code %q", to, code)
			}
			u := c.ExecutorURL("default-authenticator-email-setup", "")
			_, ch, _ := c.Do(http.MethodPost, u, map[string]any{"component": "ak-stage-authenticator-email", "code": "000000"})
			if ch["response_errors"] == nil {
				t.Fatalf("wrong code accepted: %v", ch)
			}
			if _, ch, _ = c.Do(http.MethodPost, u, map[string]any{"component": "ak-stage-authenticator-email", "code": code}); ch["component"] != flow.ComponentRedirect {
				t.Fatalf("right code: %v", ch)
			}
			if devs, _ := e.app.Store.ListDevices(ctx, e.Admin.PK, store.DeviceEmail); len(devs) != 1 || devs[0].Email != e.Admin.Email {
				t.Fatalf("email devices %+v", devs)
			}

			signin := e.client(t)
			if s := password(t, signin); s.Component != authvalidate.Component {
				t.Fatalf("after the password: %v", s.Challenge)
			}
			code, _ = e.lastCode(t)
			if s := answer(t, signin, map[string]any{"component": authvalidate.Component, "code": code}); s.Component != flow.ComponentRedirect {
				t.Fatalf("emailed code: %v", s.Challenge)
			}
			again := e.client(t)
			password(t, again)
			fresh, _ := e.lastCode(t)
			if fresh == code {
				t.Fatal("the same code was sent twice")
			}
			if s := answer(t, again, map[string]any{"component": authvalidate.Component, "code": code}); s.Component == flow.ComponentRedirect {
				t.Fatal("a used emailed code signed in again")
			}
		})
	}
}
