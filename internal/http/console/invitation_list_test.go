package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/store"
)

// The list loads the uses of the whole page at once; each row must still
// show only its own.
func TestInvitationListUsesPerRow(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	flow := invitableFlow(t, f, "enroll", true)
	used := map[string][]string{"alpha": {"ann", "bob"}, "beta": {"cat"}, "gamma": nil}
	ids := map[string]string{}
	for _, name := range []string{"alpha", "beta", "gamma"} {
		inv := store.Invitation{Name: name, Expiring: true, Flow: &flow.UUID, CreatedBy: admin.PK}
		if err := f.st.CreateInvitation(ctx, &inv); err != nil {
			t.Fatal(err)
		}
		ids[name] = inv.UUID
		for _, who := range used[name] {
			if err := f.st.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: inv.UUID, Username: who, ClientIP: "192.0.2.7"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	body := f.browser(t, &admin).get(t, "/if/admin/invitations/?ordering=name").body
	for name, who := range used {
		start := strings.Index(body, `id="inv-`+ids[name]+`"`)
		if start < 0 {
			t.Fatalf("row %s missing", name)
		}
		row := body[start:]
		if end := strings.Index(row[1:], `<details class="xitem"`); end >= 0 {
			row = row[:end+1]
		}
		for _, other := range []string{"ann", "bob", "cat"} {
			want := false
			for _, w := range who {
				want = want || w == other
			}
			if got := strings.Contains(row, "<strong>"+other+"</strong>"); got != want {
				t.Errorf("row %s: shows %s = %v, want %v", name, other, got, want)
			}
		}
		if len(who) == 0 && !strings.Contains(row, "Not used yet.") {
			t.Errorf("row %s should say it was not used", name)
		}
	}
}
