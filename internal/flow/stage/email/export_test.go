package email_test

import (
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testapp"
)

// TestRecoveryFlowExportsAndReimports: the recovery flow with its email
// stage exports as a blueprint that applies to a fresh database, with the
// stage's settings.
func TestRecoveryFlowExportsAndReimports(t *testing.T) {
	e := newEnv(t, testapp.Backends(t)[0])
	out, err := blueprint.ExportFlow(ctx, e.st, recoveryFlow)
	if err != nil {
		t.Fatal(err)
	}
	y := string(out)
	for _, want := range []string{"authentik_stages_email.emailstage", "template: email/password_reset.html",
		"recovery_max_attempts: 5", "token_expiry: minutes=30"} {
		if !strings.Contains(y, want) {
			t.Fatalf("export lacks %q:\n%s", want, y)
		}
	}
	fresh := storetest.OpenSQLite(t)
	a := testapp.NewApp(t, fresh)
	bp, err := blueprint.Parse(out, "export.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if res, err := blueprint.Apply(ctx, a, bp, blueprint.Options{}); err != nil || !res.Success {
		t.Fatalf("reimport: %v %+v", err, res.Logs)
	}
	st, err := fresh.GetStageByName(ctx, "default-recovery-email")
	if err != nil || st.Email == nil || !st.Email.ActivateUserOnSuccess || st.Email.Template != "email/password_reset.html" {
		t.Fatalf("reimported stage: %v %+v", err, st.Email)
	}
}
