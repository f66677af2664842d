package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// TestAddInvitationStage: the warning on an enrollment flow without an
// invitation stage offers a one-click fix that creates a stage refusing
// visitors without an invitation and binds it before the other stages,
// with an audit event for each; a second click changes nothing.
func TestAddInvitationStage(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			f := fixtureOn(t, be.Open(t), server.Options{MaxBodyBytes: 4 << 20})
			ctx := context.Background()
			admin := f.user(t, "admin", store.UserTypeInternal, true)
			b := f.browser(t, &admin)
			fl := invitableFlow(t, f, "open-enrollment", false)
			page := "/if/admin/flows/open-enrollment/bindings/"
			b.get(t, page).expect(t, 200, "", "has no invitation stage",
				`action="/if/admin/flows/open-enrollment/add-invitation-stage/"`, "Add an invitation stage to this flow</button>")
			before := len(f.events(t, "model_created"))

			b.post(t, "/if/admin/flows/open-enrollment/add-invitation-stage/", nil).expect(t, 303, page)
			b.get(t, page).expect(t, 200, "", "Invitation stage open-enrollment-invitation added first")
			bindings, err := f.st.ListBindings(ctx, fl.UUID)
			if err != nil || len(bindings) != 2 {
				t.Fatalf("bindings: %+v %v", bindings, err)
			}
			first := bindings[0]
			for _, bd := range bindings[1:] {
				if bd.Order <= first.Order {
					first = bd
				}
			}
			s, err := f.st.GetStage(ctx, first.Stage)
			if err != nil || s.Kind != store.StageInvitation || s.Invitation.ContinueFlowWithoutInvitation || s.Name != "open-enrollment-invitation" {
				t.Fatalf("first stage: %+v %v", s, err)
			}
			if n := len(f.events(t, "model_created")) - before; n != 2 {
				t.Errorf("%d model_created events, want 2 (stage and binding)", n)
			}
			if r := b.get(t, page); r.status != 200 || strings.Contains(r.body, "has no invitation stage") {
				t.Errorf("warning still shown: %d", r.status)
			}
			b.post(t, "/if/admin/flows/open-enrollment/add-invitation-stage/", nil).expect(t, 303, page)
			if bs, _ := f.st.ListBindings(ctx, fl.UUID); len(bs) != 2 {
				t.Errorf("second click bound again: %d bindings", len(bs))
			}
		})
	}
}
