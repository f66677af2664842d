package invite_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/cli/invite"

	"github.com/usher-id/usher/internal/event"

	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
)

func TestCreate(t *testing.T) {
	yamlFile := filepath.Join(t.TempDir(), "fixed.yaml")
	must(t, os.WriteFile(yamlFile, []byte("name: Jane Smith\nattributes:\n  department: Engineering\n"), 0o644))
	tests := []struct {
		name      string
		p         invite.Params
		check     func(t *testing.T, f *fixture, inv store.Invitation)
		wantField map[string]string // field -> message substring
	}{
		{name: "minimal", p: invite.Params{Name: "team-onboarding", FlowSlug: "enroll"},
			check: func(t *testing.T, f *fixture, inv store.Invitation) {
				if inv.Expires != nil || inv.MaxUses != nil || inv.CreatedBy != f.admin.PK || *inv.Flow != f.flow.UUID {
					t.Errorf("got %+v", inv)
				}
			}},
		{name: "everything", p: invite.Params{Name: "jane", FlowSlug: "enroll", Expires: "72h", SingleUse: true,
			FixedData: `{"email": "jane@example.com", "attributes": {"employee_type": "contractor"}}`, Email: "jane@example.com"},
			check: func(t *testing.T, f *fixture, inv store.Invitation) {
				if inv.Expires == nil || !inv.Expires.Equal(f.now.Add(72*time.Hour)) {
					t.Errorf("expires = %v", inv.Expires)
				}
				if !inv.SingleUse() || inv.Email != "jane@example.com" {
					t.Errorf("single use %v email %q", inv.SingleUse(), inv.Email)
				}
				if attrs, _ := inv.FixedData["attributes"].(map[string]any); attrs["employee_type"] != "contractor" {
					t.Errorf("fixed data = %v", inv.FixedData)
				}
			}},
		{name: "YAML file, date and max uses", p: invite.Params{Name: "q1", FlowSlug: "enroll", FixedData: "@" + yamlFile,
			Expires: "2099-01-31", MaxUses: 25},
			check: func(t *testing.T, f *fixture, inv store.Invitation) {
				if inv.FixedData["name"] != "Jane Smith" || *inv.MaxUses != 25 {
					t.Errorf("fixed data %v max uses %v", inv.FixedData, *inv.MaxUses)
				}
				if got := inv.Expires.Format(time.RFC3339); got != "2099-01-31T23:59:59Z" {
					t.Errorf("expires = %s", got)
				}
			}},
		{name: "every problem at once",
			p: invite.Params{Name: "Team Onboarding", FlowSlug: "enroll", Expires: "2001-01-01", FixedData: "- a\n- b",
				Email: "x@", SingleUse: true, MaxUses: 3},
			wantField: map[string]string{
				"name":       "Enter a valid “slug” consisting of letters, numbers, underscores or hyphens.",
				"expires":    `"2001-01-01" is in the past`,
				"fixed_data": "Value must be a dictionary, and not have any duplicate keys.",
				"email":      `"x@" is not a valid email address`,
				"single_use": "conflicts with max_uses 3",
			}},
		{name: "YAML error names the line", p: invite.Params{Name: "x", FlowSlug: "enroll", FixedData: "a: 1\nb: [\n"},
			wantField: map[string]string{"fixed_data": "line 2:"}},
		{name: "duplicate keys", p: invite.Params{Name: "x", FlowSlug: "enroll", FixedData: `{"a": 1, "a": 2}`},
			wantField: map[string]string{"fixed_data": `"a" already defined`}},
		{name: "unknown flow", p: invite.Params{Name: "x", FlowSlug: "nope"},
			wantField: map[string]string{"flow": `no flow with slug "nope"`}},
		{name: "bad expiry", p: invite.Params{Name: "x", Expires: "soon"},
			wantField: map[string]string{"expires": `"soon" is neither a duration`}},
		{name: "send needs an address", p: invite.Params{Name: "x", FlowSlug: "enroll", Send: true},
			wantField: map[string]string{"email": "is required to send"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			inv, err := invite.Create(context.Background(), f.app, f.app.Store, f.admin, tt.p)
			if tt.wantField != nil {
				var v *resource.ValidationError
				if !errors.As(err, &v) {
					t.Fatalf("error = %v, want a validation error", err)
				}
				for field, want := range tt.wantField {
					if got := strings.Join(v.Fields[field], " "); !strings.Contains(got, want) {
						t.Errorf("%s: %q, want %q", field, got, want)
					}
				}
				if n := len(f.invitations(t)); n != 0 {
					t.Errorf("%d invitations written", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			stored, err := f.app.Store.GetInvitation(context.Background(), inv.UUID)
			must(t, err)
			tt.check(t, f, stored)
			ev := f.events(t, "model_created")
			if len(ev) != 1 || ev[0].User["username"] != "akadmin" {
				t.Fatalf("model_created events = %+v", ev)
			}
			model, _ := ev[0].Context["model"].(map[string]any)
			if model["app"] != "authentik_stages_invitation" || model["pk"] != event.InvitationRef(inv.UUID) ||
				model["name"] != tt.p.Name {
				t.Errorf("event model = %v", model)
			}
		})
	}
}

func TestCreateAndSendEnqueuesInSameTransaction(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	p := invite.Params{Name: "jane", FlowSlug: "enroll", Expires: "2099-12-31T18:00", Email: "jane@example.com",
		Send: true, BaseURL: "https://id.example.com"}

	// A failure after the insert (here: the enqueue, because the store
	// refuses it) must leave neither invitation nor message behind.
	err := f.app.Store.Tx(ctx, func(q store.Queries) error {
		if _, err := invite.Create(ctx, f.app, failingOutbox{q}, f.admin, p); err == nil {
			t.Error("want the enqueue error")
		}
		return errors.New("roll back")
	})
	if err == nil || len(f.invitations(t)) != 0 {
		t.Fatalf("rolled back: err=%v invitations=%d", err, len(f.invitations(t)))
	}

	var inv store.Invitation
	must(t, f.app.Store.Tx(ctx, func(q store.Queries) error {
		var err error
		inv, err = invite.Create(ctx, f.app, q, f.admin, p)
		return err
	}))
	msgs, err := f.app.Store.ListOutbox(ctx, 10)
	must(t, err)
	if len(msgs) != 1 || msgs[0].Kind != mail.Kind {
		t.Fatalf("outbox = %+v", msgs)
	}
	var m mail.Message
	must(t, json.Unmarshal(msgs[0].Payload, &m))
	wantLink := "https://id.example.com/if/flow/enroll/?itoken=" + inv.UUID
	if m.To[0] != "jane@example.com" || m.Subject != "You have been invited to id.example.com" ||
		m.Context["url"] != wantLink || m.Context["expires"] != "2099-12-31 18:00 UTC" ||
		m.Context["inviter"] != "authentik Default Admin" || m.Context["name"] != "jane" || m.Context["brand"] != "usher" {
		t.Errorf("payload = %+v", m)
	}
	if ev := f.events(t, invitation.ActionSent); len(ev) != 1 {
		t.Errorf("%d invitation_sent events", len(ev))
	}
}

type failingOutbox struct{ store.Queries }

func (failingOutbox) EnqueueOutbox(context.Context, *store.OutboxMessage) error {
	return errors.New("outbox unavailable")
}

func TestSendErrors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	inv, err := invite.Create(ctx, f.app, f.app.Store, f.admin, invite.Params{Name: "anyflow"})
	must(t, err)
	if _, err := invitation.Send(ctx, f.app, f.app.Store, inv, invitation.SendOptions{}); !errors.Is(err, invitation.ErrNoAddresses) {
		t.Errorf("no addresses: %v", err)
	}
	_, err = invitation.Send(ctx, f.app, f.app.Store, inv, invitation.SendOptions{To: []string{"a@example.com"}})
	if !errors.Is(err, invitation.ErrNoFlow) || err.Error() != "Invitation has no associated flow" {
		t.Errorf("no flow: %v", err)
	}
}

func TestRevokeAndDelete(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	inv, err := invite.Create(ctx, f.app, f.app.Store, f.admin, invite.Params{Name: "x", FlowSlug: "enroll"})
	must(t, err)
	got, err := invitation.Revoke(ctx, f.app, f.app.Store, f.admin, inv.UUID)
	must(t, err)
	if got.Status(f.now) != store.InvitationRevoked {
		t.Errorf("status = %s", got.Status(f.now))
	}
	stored, err := f.app.Store.GetInvitation(ctx, inv.UUID)
	must(t, err)
	if stored.RevokedAt == nil {
		t.Error("revocation not stored")
	}
	if _, err := invitation.Revoke(ctx, f.app, f.app.Store, f.admin, inv.UUID); err != nil {
		t.Fatal(err)
	}
	if n := len(f.events(t, invitation.ActionRevoked)); n != 1 {
		t.Errorf("%d invitation_revoked events, want 1 (revoking twice is a no-op)", n)
	}
	_, err = invitation.Delete(ctx, f.app, f.app.Store, f.admin, inv.UUID)
	must(t, err)
	if _, err := f.app.Store.GetInvitation(ctx, inv.UUID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	if n := len(f.events(t, "model_deleted")); n != 1 {
		t.Errorf("%d model_deleted events", n)
	}
	if _, err := invitation.Revoke(ctx, f.app, f.app.Store, f.admin, inv.UUID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoke missing: %v", err)
	}
}

func TestProblems(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	noStage := store.Flow{Name: "Bare", Slug: "bare", Title: "Bare", Designation: store.DesignationEnrollment,
		Authentication: "none", Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
	must(t, f.app.Store.CreateFlow(ctx, &noStage))
	tests := []struct {
		name string
		p    invite.Params
		want []string
	}{
		{"fine", invite.Params{Name: "a", FlowSlug: "enroll", FixedData: `{"email": "a@example.com", "attributes": {"x": 1}, "path": "users/ext"}`}, nil},
		{"unknown key", invite.Params{Name: "b", FlowSlug: "enroll", FixedData: `{"departmnet": "x"}`},
			[]string{`fixed data key "departmnet" matches no prompt field of flow "enroll"`}},
		{"flow without invitation stage", invite.Params{Name: "c", FlowSlug: "bare"},
			[]string{`its flow "bare" has no invitation stage`}},
		{"no flow", invite.Params{Name: "d"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv, err := invite.Create(ctx, f.app, f.app.Store, f.admin, tt.p)
			must(t, err)
			got, err := invitation.Problems(ctx, f.app.Store, inv, f.now)
			must(t, err)
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("problems = %q, want %q", got, tt.want)
			}
		})
	}
	inv, err := invite.Create(ctx, f.app, f.app.Store, f.admin, invite.Params{Name: "e", FlowSlug: "enroll", Expires: "1h"})
	must(t, err)
	got, err := invitation.Problems(ctx, f.app.Store, inv, f.now.Add(2*time.Hour))
	must(t, err)
	if len(got) != 1 || got[0] != "it has expired" {
		t.Errorf("expired: %q", got)
	}
}
