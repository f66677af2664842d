package api_test

import (
	"context"
	"testing"

	authentik "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/ratelimit"
)

// TestUsherActionsReadByAuthentikClient: every action usher records beyond
// authentik's enum is listed as authentik's closest action, with usher's
// in context.usher_action, so authentik's Go client can list the events
// (it refuses actions its enum lacks).
func TestUsherActionsReadByAuthentikClient(t *testing.T) {
	e, _ := newPolicyEnv(t)
	ctx := context.Background()
	rec := &event.Recorder{}
	want := map[string]authentik.EventActions{
		invitation.ActionSent:          authentik.EVENTACTIONS_EMAIL_SENT,
		invitation.ActionRevoked:       authentik.EVENTACTIONS_MODEL_UPDATED,
		invitation.ActionExpiryChanged: authentik.EVENTACTIONS_MODEL_UPDATED,
		invitation.ActionExpired:       authentik.EVENTACTIONS_MODEL_DELETED,
		flow.ActionInvitationFailed:    authentik.EVENTACTIONS_SUSPICIOUS_REQUEST,
		ratelimit.EventRateLimited:     authentik.EVENTACTIONS_SUSPICIOUS_REQUEST,
		"an_action_added_later":        authentik.EVENTACTIONS_CONFIGURATION_WARNING,
		event.Login:                    authentik.EVENTACTIONS_LOGIN,
	}
	for action := range want {
		if err := rec.Record(ctx, e.store, nil, nil, action, map[string]any{"note": action}); err != nil {
			t.Fatal(err)
		}
	}
	list, _, err := e.client.EventsAPI.EventsEventsList(ctx).PageSize(100).Execute()
	if err != nil {
		t.Fatalf("authentik's client cannot list usher's events: %v", err)
	}
	seen := map[string]bool{}
	for _, ev := range list.Results {
		note, _ := ev.Context["note"].(string)
		w, ok := want[note]
		if !ok {
			continue
		}
		seen[note] = true
		if ev.Action != w {
			t.Errorf("%s: listed as %s, want %s", note, ev.Action, w)
		}
		usher, _ := ev.Context["usher_action"].(string)
		if (note == event.Login) != (usher == "") || (usher != "" && usher != note) {
			t.Errorf("%s: context.usher_action = %q", note, usher)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("listed %d of the %d events", len(seen), len(want))
	}
}
