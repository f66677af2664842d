package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// The create form offers every group in a plain multiple select; the
// chosen groups are stored with the invitation, shown selected on edit,
// and cleared when none is chosen. An unknown group re-renders the form
// with the error and stores nothing.
func TestInvitationGroupPicker(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	flow := invitableFlow(t, f, "invite-flow", true)
	staff, vpn := store.Group{Name: "staff"}, store.Group{Name: "vpn"}
	for _, g := range []*store.Group{&staff, &vpn} {
		if err := f.st.CreateGroup(ctx, g); err != nil {
			t.Fatal(err)
		}
	}
	b := f.browser(t, &admin)
	b.get(t, "/if/admin/invitations/new/").expect(t, 200, "", `<select name="groups" id="f-groups" multiple`,
		`<option value="`+staff.UUID+`"`, `<option value="`+vpn.UUID+`"`)

	form := url.Values{"name": {"team"}, "flow": {flow.UUID}, "single_use": {"on"},
		"groups": {staff.UUID, "00000000-0000-4000-8000-000000000000"}}
	b.post(t, "/if/admin/invitations/new/", form).expect(t, 422, "", "object does not exist")
	if _, n, _ := f.st.ListInvitations(ctx, store.InvitationFilter{}); n != 0 {
		t.Fatalf("%d invitations stored after a refused form", n)
	}

	form["groups"] = []string{staff.UUID, vpn.UUID}
	b.post(t, "/if/admin/invitations/new/", form).expect(t, 303, "")
	invs, _, err := f.st.ListInvitations(ctx, store.InvitationFilter{Name: "team"})
	if err != nil || len(invs) != 1 {
		t.Fatalf("invitations = %v, %v", invs, err)
	}
	inv := invs[0]
	names := func() string {
		m, err := f.st.InvitationGroups(ctx, []string{inv.UUID})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, g := range m[inv.UUID] {
			out = append(out, g.Name)
		}
		return strings.Join(out, ",")
	}
	if got := names(); got != "staff,vpn" {
		t.Errorf("stored groups %q", got)
	}
	edit := "/if/admin/invitations/" + inv.UUID + "/edit/"
	b.get(t, edit).expect(t, 200, "", `<option value="`+staff.UUID+`" selected`, `<option value="`+vpn.UUID+`" selected`)
	delete(form, "groups")
	b.post(t, edit, form).expect(t, 303, "")
	if got := names(); got != "" {
		t.Errorf("groups after clearing the picker: %q", got)
	}
}
