package invite_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/cli/invite"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func (f *fixture) group(t testing.TB, name string) store.Group {
	t.Helper()
	g := store.Group{Name: name}
	must(t, f.app.Store.CreateGroup(context.Background(), &g))
	return g
}

func (f *fixture) groupsOf(t *testing.T, inv store.Invitation) []string {
	t.Helper()
	m, err := f.app.Store.InvitationGroups(context.Background(), []string{inv.UUID})
	must(t, err)
	var out []string
	for _, g := range m[inv.UUID] {
		out = append(out, g.Name)
	}
	return out
}

// --group takes a name or a pk; an unknown one is an error on groups and
// nothing is written.
func TestCreateGroups(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.group(t, "staff")
	vpn := f.group(t, "vpn users")
	inv, err := invite.Create(ctx, f.app, f.app.Store, f.admin, invite.Params{Name: "jane", FlowSlug: "enroll",
		Groups: []string{"staff", vpn.UUID}})
	must(t, err)
	if got := strings.Join(f.groupsOf(t, inv), ","); got != "staff,vpn users" {
		t.Errorf("groups = %q", got)
	}
	_, err = invite.Create(ctx, f.app, f.app.Store, f.admin, invite.Params{Name: "bob", FlowSlug: "enroll",
		Groups: []string{"staff", "nobody"}})
	var v *resource.ValidationError
	if !errors.As(err, &v) || len(v.Fields["groups"]) != 1 || !strings.Contains(v.Fields["groups"][0], `no group named "nobody"`) {
		t.Fatalf("unknown group: %v", err)
	}
	if n := len(f.invitations(t)); n != 1 {
		t.Errorf("%d invitations stored, want only jane", n)
	}
}

// The CSV's groups column (";"-separated) and --group for every row; an
// unknown group refuses the file with the row number.
func TestImportCSVGroups(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.group(t, "staff")
	f.group(t, "vpn")
	f.group(t, "all")
	o := invite.ImportOptions{FlowSlug: "enroll", Creator: f.admin, MaxUses: 1, Groups: []string{"all"}}
	invs, err := invite.ImportCSV(ctx, f.app, strings.NewReader("email,groups\na@example.com,staff; vpn\nb@example.com,\n"), o)
	must(t, err)
	if got := strings.Join(f.groupsOf(t, invs[0]), ","); got != "all,staff,vpn" {
		t.Errorf("row 2 groups = %q", got)
	}
	if got := strings.Join(f.groupsOf(t, invs[1]), ","); got != "all" {
		t.Errorf("row 3 groups = %q", got)
	}
	if _, ok := invs[0].FixedData["groups"]; ok {
		t.Errorf("groups column leaked into fixed data: %v", invs[0].FixedData)
	}
	_, err = invite.ImportCSV(ctx, f.app, strings.NewReader("email,groups\nc@example.com,staff\nd@example.com,ghosts\n"), o)
	var ie *invite.ImportError
	if !errors.As(err, &ie) || len(ie.Rows) != 1 || ie.Rows[0].String() != `row 3: groups: no group named "ghosts" (or with that pk)` {
		t.Fatalf("unknown group: %v", err)
	}
	if n := len(f.invitations(t)); n != 2 {
		t.Errorf("%d invitations, want the first import's 2", n)
	}
}
