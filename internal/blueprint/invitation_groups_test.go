package blueprint

import (
	"context"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// A blueprint gives an invitation's groups the way the API takes them (a
// list of group pks, here found by name); an unknown group fails the entry
// and leaves nothing behind.
func TestInvitationGroupsBlueprint(t *testing.T) {
	a := newTestApp(t)
	addSuperuser(t, a)
	ctx := context.Background()
	src := `version: 1
entries:
- {model: authentik_core.group, id: staff, identifiers: {name: staff}}
- model: authentik_stages_invitation.invitation
  identifiers: {name: team}
  attrs:
    groups: [!KeyOf staff, !Find [authentik_core.group, [name, "authentik Admins"]]]
`
	if _, err := Apply(ctx, a, mustParse(t, src), Options{}); err != nil {
		t.Fatalf("apply: %v", err)
	}
	invs, _, err := a.Store.ListInvitations(ctx, storeFilterName("team"))
	if err != nil || len(invs) != 1 {
		t.Fatalf("invitations %v, %v", invs, err)
	}
	m, err := a.Store.InvitationGroups(ctx, []string{invs[0].UUID})
	if err != nil || len(m[invs[0].UUID]) != 2 {
		t.Fatalf("groups %v, %v", m, err)
	}
	bad := `version: 1
entries:
- model: authentik_stages_invitation.invitation
  identifiers: {name: other}
  attrs:
    groups: ["00000000-0000-4000-8000-000000000000"]
`
	_, err = Apply(ctx, a, mustParse(t, bad), Options{})
	if err == nil || !strings.Contains(err.Error(), "groups") {
		t.Fatalf("unknown group: %v", err)
	}
	if invs, _, _ := a.Store.ListInvitations(ctx, storeFilterName("other")); len(invs) != 0 {
		t.Errorf("refused entry left %v", invs)
	}
}

func storeFilterName(name string) store.InvitationFilter { return store.InvitationFilter{Name: name} }
