package flow

import (
	"encoding/json"
	"fmt"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/store"
)

// Session keys the executor keeps its state under.
const (
	sessionPlan  = "flow_plan"
	sessionQuery = "flow_get"
)

// Plan-context keys stages share.
const (
	CtxPromptData         = "prompt_data"
	CtxPendingUser        = "pending_user" // user pk (JSON number)
	CtxInvitation         = "invitation"   // invitation UUID
	CtxInvitationInEffect = "invitation_in_effect"
	CtxRedirect           = "redirect"
	CtxUserBackend        = "user_backend"
	CtxAuthMethod         = "auth_method"
	CtxUserPath           = "user_path"
	CtxUserType           = "user_type"
	// CtxApplication is the application a flow authorizes, as
	// {"pk": UUID, "name": ..., "slug": ...} (authentik's
	// PLAN_CONTEXT_APPLICATION); the flow title's %(app)s is its name.
	CtxApplication = "application"
	// CtxConsentPermissions lists what the application asks for, as
	// [{"id": scope, "name": description}] (authentik's
	// stages/consent/stage.py PLAN_CONTEXT_CONSENT_PERMISSIONS).
	CtxConsentPermissions = "consent_permissions"
	// CtxConsentHeader is the consent stage's optional header_text.
	CtxConsentHeader = "consent_header"
	// CtxInvitationEmailVerified holds the address of an invitation bound
	// to it, when the invitation stage trusts it (trust_invitation_email):
	// the email stage then verifies it without mailing a link.
	CtxInvitationEmailVerified = "invitation_email_verified"
)

// Markers attached to each planned binding.
const (
	markerDefault    = "default"
	markerReevaluate = "reevaluate"
)

// PlanBinding is the part of a stage binding the executor needs while the
// flow runs; the stage itself is loaded fresh on each request.
type PlanBinding struct {
	UUID                  string `json:"uuid"`
	Stage                 string `json:"stage"`
	Order                 int    `json:"order"`
	PolicyEngineMode      string `json:"policy_engine_mode"`
	InvalidResponseAction string `json:"invalid_response_action"`
}

// Plan is a flow in progress. Context holds JSON values only, so it
// survives the session round trip unchanged.
type Plan struct {
	FlowPK   string         `json:"flow_pk"`
	Bindings []PlanBinding  `json:"bindings"`
	Markers  []string       `json:"markers"`
	Context  map[string]any `json:"context"`
	// Consumed records that the invitation in effect was consumed, so the
	// finish step does not consume it a second time.
	Consumed bool `json:"invitation_consumed,omitempty"`
	// TokenConsumed records that the flow token this plan was resumed
	// from (flowtoken.go) was consumed.
	TokenConsumed bool `json:"flow_token_consumed,omitempty"`
	// Invite is the invitation in effect as the invitation stage found it:
	// like authentik, which keeps the Invitation object itself in the plan
	// context (stages/invitation/stage.py), later requests read it from
	// the plan instead of the database. Consuming it reads the row again
	// under the transaction, so a use, revocation or expiry since then
	// still refuses.
	Invite *store.Invitation `json:"invitation_row,omitempty"`
}

// PlanContext exposes the live context to policies (policy.PlanContexter):
// a policy writing flow_plan.context[...] changes the flow.
func (p *Plan) PlanContext() map[string]any { return p.Context }

func (p *Plan) pop() {
	if len(p.Bindings) > 0 {
		p.Bindings = p.Bindings[1:]
		p.Markers = p.Markers[1:]
	}
}

// loadPlan returns the session's plan and its raw JSON (to skip needless
// writes), or nil.
func loadPlan(s *auth.Session) (*Plan, string) {
	raw, ok := s.Values[sessionPlan]
	if !ok {
		return nil, ""
	}
	var p Plan
	if err := json.Unmarshal(raw, &p); err != nil || p.FlowPK == "" || len(p.Bindings) != len(p.Markers) {
		return nil, ""
	}
	if p.Context == nil {
		p.Context = map[string]any{}
	}
	return &p, string(raw)
}

// savePlan stores p unless it is unchanged since it was loaded. A context
// value that is not JSON (a policy may write anything) is an error.
func savePlan(s *auth.Session, p *Plan, loaded string) error {
	raw, err := json.Marshal(p)
	if err != nil {
		return fmt.Errorf("flow plan is not JSON-encodable: %w", err)
	}
	if string(raw) != loaded {
		s.Set(sessionPlan, json.RawMessage(raw))
	}
	return nil
}

// unstoredPlan is the "loaded" form of a plan just built for a session
// with no row, so savePlan writes it only once it differs: a stage passed
// or the context changed. Until then nothing is stored and the next
// request, on any instance, plans again from the same flow, query and
// client and gets the same plan; a visit that answers nothing (a crawler,
// a link scanner, a bad itoken) costs no row.
func unstoredPlan(p *Plan) (string, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("flow plan is not JSON-encodable: %w", err)
	}
	return string(raw), nil
}

// clearFlow removes the plan and the saved query (finish, deny, cancel).
func clearFlow(s *auth.Session) {
	s.Delete(sessionPlan)
	s.Delete(sessionQuery)
}
