package invitation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/store"
)

func TestRetention(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, in := range map[string]time.Duration{"old": time.Hour, "recent": 30 * time.Hour, "never": 0} {
		inv := store.Invitation{Name: name, Expiring: true, FixedData: map[string]any{}, CreatedBy: f.admin.PK}
		if in > 0 {
			exp := f.now.Add(in)
			inv.Expires = &exp
		}
		must(t, f.app.Store.CreateInvitation(ctx, &inv))
	}
	f.now = f.now.Add(48 * time.Hour) // "old" expired 47h ago, "recent" 18h ago

	off := &invitation.Retention{App: f.app}
	if n, err := off.RunOnce(ctx); err != nil || n != 0 {
		t.Fatalf("retention 0 keeps everything: %d, %v", n, err)
	}
	// Every 24h: the lease lasts 48h.
	r := &invitation.Retention{App: f.app, Keep: 24 * time.Hour, Every: 24 * time.Hour, Holder: "a"}
	other := &invitation.Retention{App: f.app, Keep: 24 * time.Hour, Every: 24 * time.Hour, Holder: "b"}
	n, err := r.RunOnce(ctx)
	if err != nil || n != 1 {
		t.Fatalf("removed %d, %v; want 1", n, err)
	}
	var names []string
	for _, inv := range f.invitations(t) {
		names = append(names, inv.Name)
	}
	if strings.Join(names, ",") != "never,recent" {
		t.Errorf("left %v", names)
	}
	ev := f.events(t, invitation.ActionExpired)
	if len(ev) != 1 || ev[0].Context["count"] != float64(1) {
		t.Errorf("invitation_expired events = %+v", ev)
	}
	// Another instance does nothing while "a" holds the lease.
	f.now = f.now.Add(24 * time.Hour)
	if n, err := other.RunOnce(ctx); err != nil || n != 0 {
		t.Errorf("second holder removed %d, %v", n, err)
	}
	if n, err := r.RunOnce(ctx); err != nil || n != 1 {
		t.Errorf("holder removed %d, %v; want 1 (recent)", n, err)
	}
}
