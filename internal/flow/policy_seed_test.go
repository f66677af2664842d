package flow_test

import (
	"context"
	"encoding/json"
	"html"
	"net/http"
	"strings"
	"testing"
	"time"

	authentik "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
	"github.com/usher-id/usher/internal/testkit"
)

const seedDenyMessage = "Enrollment is by invitation only."

// seedEnv is one backend with an enrollment flow that lets anyone in
// (continue_flow_without_invitation) but binds the seed snippet, negated,
// to a deny stage right after the invitation stage: the deny stage runs
// only for people without a valid invitation. The server has the executor
// API, the flow pages and the REST API.
type seedEnv struct {
	*env
	apiKey string
	ak     *authentik.APIClient
}

const seedSlug = "seed-policy-enrollment"

func newSeedEnv(t *testing.T, b testapp.Backend) *seedEnv {
	st := b.Open(t)
	a := testapp.NewApp(t, st)
	fx := testapp.NewFixture(t, st, a.Passwords.Hash)
	fx.InvitationEnrollment()

	fx.Flow(seedSlug, "Seed policy enrollment", "Welcome!", store.DesignationEnrollment, "require_unauthenticated")
	fx.Stage(store.StageInvitation, "seed-invitation", func(s *store.Stage) { s.Invitation.ContinueFlowWithoutInvitation = true })
	fx.Stage(store.StageDeny, "seed-deny", func(s *store.Stage) { s.Deny.DenyMessage = seedDenyMessage })
	fx.Bind(seedSlug, "seed-invitation", 5, true)
	deny := fx.Bind(seedSlug, "seed-deny", 7, false) // re_evaluate_policies: runs with the invitation's context
	fx.Bind(seedSlug, "invitation-enrollment-prompt-credentials", 10, false)
	fx.Bind(seedSlug, "invitation-enrollment-prompt-details", 15, false)
	fx.Bind(seedSlug, "invitation-enrollment-user-write-external", 20, false)
	fx.Bind(seedSlug, "invitation-enrollment-user-login", 100, false)
	// The seed snippet as the page prints it: its first statement decides,
	// invited users pass and everyone else fails.
	if err := policy.Compile(testkit.SeedAsPrinted); err != nil {
		t.Fatalf("the seed snippet as printed does not compile: %v", err)
	}
	p := store.Policy{Name: "seed-invited", Kind: "expression", Expression: testkit.SeedAsPrinted}
	if err := st.CreatePolicy(bg, &p); err != nil {
		t.Fatal(err)
	}
	if err := st.CreatePolicyBinding(bg, &store.PolicyBinding{Policy: &p.UUID, Target: deny.UUID, Negate: true,
		Enabled: true, Order: 0, Timeout: 30}); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	fx.Invitation("seed-invite", seedSlug, false, nil, map[string]any{"attributes": map[string]any{"department": "Engineering"}})
	fx.Invitation("seed-expired", seedSlug, false, &past, nil)

	key := "seed-key-" + auth.NewTokenKey()
	if err := st.CreateToken(bg, &store.Token{Identifier: "seed", KeyHash: auth.HashToken(key), UserPK: fx.Admin.PK, Intent: "api"}); err != nil {
		t.Fatal(err)
	}
	srv := testapp.NewServer(t, a)
	cfg := authentik.NewConfiguration()
	cfg.Servers = authentik.ServerConfigurations{{URL: srv.URL + "/api/v3"}}
	cfg.AddDefaultHeader("Authorization", "Bearer "+key)
	return &seedEnv{env: &env{&testapp.Env{T: t, Store: st, Fixture: fx, URL: srv.URL}}, apiKey: key, ak: authentik.NewAPIClient(cfg)}
}

// TestSeedPolicyInvitedOnly is issue 8's done-when: a flow with the seed
// snippet bound admits an invited user and denies a non-invited one,
// through the executor API and in the browser pages, on both backends;
// and the whole enrollment's events can be read back through the API.
func TestSeedPolicyInvitedOnly(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newSeedEnv(t, b)
			cases := []struct {
				name    string
				query   string
				invited bool
			}{
				{"invited", e.IToken("seed-invite"), true},
				{"no invitation", "", false},
				{"unknown token", "itoken=0b6f2e4a-3c0d-4d7e-9a51-123456789abc", false},
				{"expired invitation", e.IToken("seed-expired"), false},
				{"invitation for another flow", e.IToken("example-external-basic-invitation"), false},
			}
			for i, c := range cases {
				for _, via := range []string{"json", "html"} {
					t.Run(c.name+" "+via, func(t *testing.T) {
						username := "seed" + via + string(rune('a'+i))
						vals := enrollValues(username)
						users := e.userCount()
						if via == "json" {
							steps := e.Client().FollowJSON(seedSlug, c.query, vals)
							if c.invited {
								wantRedirect(t, steps, "/")
							} else {
								wantDenied(t, steps, seedDenyMessage)
							}
						} else {
							pages := e.Client().FollowHTML(seedSlug, c.query, vals)
							last := pages[len(pages)-1]
							if c.invited && last.Location != "/" {
								t.Fatalf("invited: the flow did not finish with a redirect to /: %d %q", last.Status, last.Location)
							}
							if !c.invited && (last.Status != http.StatusOK || last.HasForm() ||
								!strings.Contains(html.UnescapeString(last.Body), seedDenyMessage)) {
								t.Fatalf("not invited: want the denial page, got %d form=%v", last.Status, last.HasForm())
							}
						}
						u, created := e.user(username)
						if created != c.invited || e.userCount() != users+btoi(c.invited) {
							t.Fatalf("user created = %v, want %v", created, c.invited)
						}
						if c.invited && u.Attributes["department"] != "Engineering" {
							t.Errorf("invitation data not applied: %v", u.Attributes)
						}
					})
				}
			}
			t.Run("events through the API", func(t *testing.T) { e.checkEnrollmentEvents(t, "seedjsona") })
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// checkEnrollmentEvents reads the enrollment's events back through
// GET /api/v3/events/events/ (authentik's client): each action, filtered
// by action and user, and all at once with ?actions=; secrets masked.
func (e *seedEnv) checkEnrollmentEvents(t *testing.T, username string) {
	ctx := context.Background()
	want := []authentik.EventActions{authentik.EVENTACTIONS_INVITATION_USED, authentik.EVENTACTIONS_USER_WRITE,
		authentik.EVENTACTIONS_MODEL_CREATED, authentik.EVENTACTIONS_LOGIN}
	var all []authentik.Event
	for _, action := range want {
		list, _, err := e.ak.EventsAPI.EventsEventsList(ctx).Action(string(action)).Username(username).Execute()
		if err != nil {
			t.Fatalf("list %s: %v", action, err)
		}
		if len(list.Results) == 0 {
			t.Errorf("no %s event for %s", action, username)
			continue
		}
		for _, ev := range list.Results {
			if ev.User["username"] != username || ev.Action != action {
				t.Errorf("%s filter returned %s for %v", action, ev.Action, ev.User)
			}
		}
		all = append(all, list.Results...)
	}
	combined, _, err := e.ak.EventsAPI.EventsEventsList(ctx).Actions(want).Username(username).Execute()
	if err != nil {
		t.Fatalf("list with actions: %v", err)
	}
	if int(combined.Pagination.Count) != len(all) {
		t.Errorf("?actions= gave %v events, the single-action lists %d", combined.Pagination.Count, len(all))
	}
	for _, ev := range all {
		one, _, err := e.ak.EventsAPI.EventsEventsRetrieve(ctx, ev.Pk).Execute()
		if err != nil || one.Pk != ev.Pk || one.Action != ev.Action {
			t.Errorf("retrieve %s %s: %v %v", ev.Action, ev.Pk, one, err)
		}
		raw, _ := json.Marshal(ev)
		if strings.Contains(string(raw), "s3cret-Passw0rd") {
			t.Errorf("%s event leaks the password: %s", ev.Action, raw)
		}
		if strings.Contains(string(raw), e.Fixture.Invitations["seed-invite"].UUID) {
			t.Errorf("%s event shows the invitation token in clear: %s", ev.Action, raw)
		}
		hr, _ := ev.Context["http_request"].(map[string]any)
		if args, _ := hr["args"].(map[string]any); args["itoken"] != nil && args["itoken"] != event.Mask {
			t.Errorf("%s: itoken in http_request.args = %v, want masked", ev.Action, args["itoken"])
		}
		switch ev.Action {
		case authentik.EVENTACTIONS_USER_WRITE:
			for _, k := range []string{"password", "password_repeat"} {
				if ev.Context[k] != event.Mask {
					t.Errorf("user_write %s = %v, want masked", k, ev.Context[k])
				}
			}
			if ev.Context["username"] != username || ev.Context["created"] != true {
				t.Errorf("user_write context %v", ev.Context)
			}
		case authentik.EVENTACTIONS_INVITATION_USED:
			if ev.Context["invitation_uuid"] != event.InvitationRef(e.Fixture.Invitations["seed-invite"].UUID) {
				t.Errorf("invitation_used context %v", ev.Context)
			}
		case authentik.EVENTACTIONS_MODEL_CREATED:
			if m, _ := ev.Context["model"].(map[string]any); m["model_name"] != "user" || m["name"] != username {
				t.Errorf("model_created model %v", ev.Context["model"])
			}
		}
	}
}
