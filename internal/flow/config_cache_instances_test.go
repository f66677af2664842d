package flow_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// flowReads counts the flow lookups that reach the database, to tell a
// request served from the configuration cache from one that was not.
type flowReads struct {
	store.Store
	n atomic.Int64
}

func (s *flowReads) GetFlowBySlug(ctx context.Context, slug string) (store.Flow, error) {
	s.n.Add(1)
	return s.Store.GetFlowBySlug(ctx, slug)
}

// instance is one usher process: its own app, executors and caches.
type instance struct {
	name  string
	st    *flowReads
	srv   string
	reads int64 // st.n after the last request
}

// firstChallenge opens the invitation link as a new client (JSON API) and
// returns the first challenge, and whether its configuration came from the
// cache (no flow lookup reached the database).
func (in *instance) firstChallenge(t *testing.T, query string) (map[string]any, bool) {
	t.Helper()
	c := testapp.NewClient(t, in.srv)
	resp, ch, err := c.Do(http.MethodGet, c.ExecutorURL(slugExt, query), nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: GET first challenge: %v, %v", in.name, resp.Status, err)
	}
	n := in.st.n.Load()
	cached := n == in.reads
	in.reads = n
	return ch, cached
}

// page opens the invitation link as a browser and returns the page.
func (in *instance) page(t *testing.T, query string) string {
	t.Helper()
	c := testapp.NewClient(t, in.srv)
	p := c.Get(c.PageURL(slugExt, query))
	in.reads = in.st.n.Load()
	return p.Body
}

const slugExt = "invitation-enrollment-flow-external"

// shown summarises a first challenge: component, title, and the prompt
// fields as key:label, or the error message of a denial.
func shown(ch map[string]any) string {
	title, _ := ch["flow_info"].(map[string]any)["title"].(string)
	out := fmt.Sprintf("%v | %s |", ch["component"], title)
	if msg, ok := ch["error_message"].(string); ok {
		return out + " " + msg
	}
	fields, _ := ch["fields"].([]any)
	for _, f := range fields {
		m := f.(map[string]any)
		out += fmt.Sprintf(" %v:%v", m["field_key"], m["label"])
	}
	return out
}

// Two instances on one database, each with its own configuration cache:
// an edit made through either one (or any other writer) shows on the very
// next request of the other, while requests between edits are served from
// the cache.
func TestConfigCacheTwoInstances(t *testing.T) {
	for _, b := range testapp.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			st := b.Open(t)
			var instances [2]*instance
			for i, name := range []string{"A", "B"} {
				reads := &flowReads{Store: st}
				a := testapp.NewApp(t, reads)
				instances[i] = &instance{name: name, st: reads, srv: testapp.NewServer(t, a).URL}
			}
			a, bInst := instances[0], instances[1]
			fx := testapp.NewFixture(t, st, testapp.NewApp(t, st).Passwords.Hash)
			fx.InvitationEnrollment()
			query := "itoken=" + fx.Invitations["example-external-basic-invitation"].UUID
			flowUUID := fx.Flows[slugExt].UUID
			credentials := fx.Stages["invitation-enrollment-prompt-credentials"]

			const start = "ak-stage-prompt | Welcome! Complete your enrollment | username:Username password:Password password_repeat:Password (repeat)"
			steps := []struct {
				name   string
				writer *instance // whose store the edit goes through
				edit   func(q store.Queries) error
				want   string
			}{
				{"nothing changed", nil, nil, start},
				{"flow title", bInst, func(q store.Queries) error {
					f, err := q.GetFlow(bg, flowUUID)
					if err != nil {
						return err
					}
					f.Title = "Join us"
					return q.UpdateFlow(bg, &f)
				}, "ak-stage-prompt | Join us | username:Username password:Password password_repeat:Password (repeat)"},
				{"prompt label", a, func(q store.Queries) error {
					p := fx.Prompts["invitation-enrollment-field-username"]
					p.Label = "Login name"
					return q.UpdatePrompt(bg, &p)
				}, "ak-stage-prompt | Join us | username:Login name password:Password password_repeat:Password (repeat)"},
				{"prompt stage fields", bInst, func(q store.Queries) error {
					s, err := q.GetStage(bg, credentials.UUID)
					if err != nil {
						return err
					}
					s.Prompt.Fields = slices.DeleteFunc(s.Prompt.Fields, func(id string) bool {
						return id == fx.Prompts["invitation-enrollment-field-password-repeat"].UUID
					})
					return q.UpdateStage(bg, &s)
				}, "ak-stage-prompt | Join us | username:Login name password:Password"},
				{"binding removed", a, func(q store.Queries) error {
					return q.DeleteBinding(bg, fx.Bindings[slugExt+"/invitation-enrollment-prompt-credentials"].UUID)
				}, "ak-stage-prompt | Join us | name:Name email:Email"},
				{"binding added", bInst, func(q store.Queries) error {
					// The credentials come back, between the invitation
					// stage and the details.
					return q.CreateBinding(bg, &store.FlowStageBinding{Target: flowUUID, Stage: credentials.UUID, Order: 12,
						ReEvaluatePolicies: true, InvalidResponseAction: "retry", PolicyEngineMode: "any"})
				}, "ak-stage-prompt | Join us | username:Login name password:Password"},
				{"policy on the flow", a, func(q store.Queries) error {
					p := store.Policy{Name: "closed", Kind: "expression", Expression: "ak_message(\"Enrollment is closed.\")\nreturn False"}
					if err := q.CreatePolicy(bg, &p); err != nil {
						return err
					}
					return q.CreatePolicyBinding(bg, &store.PolicyBinding{Target: flowUUID, Policy: &p.UUID, Enabled: true, Timeout: 30})
				}, "ak-stage-access-denied | Join us | Enrollment is closed."},
				{"policy edited", bInst, func(q store.Queries) error {
					p, err := q.GetPolicyByName(bg, "closed")
					if err != nil {
						return err
					}
					p.Expression = "return True"
					return q.UpdatePolicy(bg, &p)
				}, "ak-stage-prompt | Join us | username:Login name password:Password"},
				{"written in a transaction", a, func(q store.Queries) error {
					return st.Tx(bg, func(tx store.Queries) error {
						p := fx.Prompts["invitation-enrollment-field-password"]
						p.Label = "Secret"
						return tx.UpdatePrompt(bg, &p)
					})
				}, "ak-stage-prompt | Join us | username:Login name password:Secret"},
			}
			for _, step := range steps {
				if step.edit != nil {
					if err := step.edit(step.writer.st); err != nil {
						t.Fatalf("%s: edit: %v", step.name, err)
					}
				}
				// Each instance: the first request after the edit shows it;
				// the second is served from the cache and shows it too.
				for _, in := range instances {
					for i, wantCached := range []bool{false, true} {
						ch, cached := in.firstChallenge(t, query)
						if got := shown(ch); got != step.want {
							t.Errorf("%s: instance %s, request %d:\n got %s\nwant %s", step.name, in.name, i+1, got, step.want)
						}
						if step.edit != nil && cached != wantCached {
							t.Errorf("%s: instance %s, request %d: served from the cache = %v, want %v", step.name, in.name, i+1, cached, wantCached)
						}
					}
				}
			}

			// The brand the pages show comes from the same cache.
			for _, in := range instances {
				if body := in.page(t, query); !strings.Contains(body, "usher") {
					t.Errorf("instance %s: page without a brand row does not show usher's title", in.name)
				}
			}
			brand := store.Brand{Default: true, BrandingTitle: "Acme Identity"}
			if err := bInst.st.CreateBrand(bg, &brand); err != nil {
				t.Fatal(err)
			}
			for _, in := range instances {
				if body := in.page(t, query); !strings.Contains(body, "Acme Identity") {
					t.Errorf("instance %s: new brand title not shown on the next page", in.name)
				}
			}
			brand.BrandingTitle = "Acme Two"
			if err := a.st.UpdateBrand(bg, &brand); err != nil {
				t.Fatal(err)
			}
			for _, in := range instances {
				if body := in.page(t, query); !strings.Contains(body, "Acme Two") || strings.Contains(body, "Acme Identity") {
					t.Errorf("instance %s: edited brand title not shown on the next page", in.name)
				}
			}
		})
	}
}
