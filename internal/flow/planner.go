package flow

import (
	"errors"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

// MsgNotApplicable is the denial when a flow does not apply and policies
// gave no message.
const MsgNotApplicable = "Flow does not apply to current user."

// notApplicable is the planner's refusal, with policy messages.
type notApplicable struct{ messages []string }

func (e *notApplicable) Error() string {
	return "flow not applicable: " + strings.Join(e.messages, " ")
}

// plan builds a new plan for ex.Flow (authentik's flows/planner.py). It returns *notApplicable
// when the authentication requirement or flow policies refuse, and
// *InvitationError when the link carries an invitation the flow cannot take.
func (e *Executor) plan(ex *Execution, seed map[string]any) (*Plan, error) {
	ctx := ex.Ctx()
	f := ex.Flow
	p := &Plan{FlowPK: f.UUID, Bindings: []PlanBinding{}, Markers: []string{}, Context: map[string]any{}}
	for k, v := range seed {
		p.Context[k] = v
	}
	ex.Plan = p

	user, err := ex.RequestUser()
	if err != nil {
		return nil, err
	}
	switch f.Authentication {
	case "require_authenticated":
		if user == nil {
			return nil, &notApplicable{}
		}
	case "require_unauthenticated":
		if user != nil {
			return nil, &notApplicable{}
		}
	case "require_superuser":
		if user == nil {
			return nil, &notApplicable{}
		}
		ok, err := ex.App.Store.IsSuperuser(ctx, user.PK)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, &notApplicable{}
		}
	case "require_redirect":
		if _, ok := p.Context["is_redirected"]; !ok {
			return nil, &notApplicable{}
		}
	case "require_outpost":
		// usher has no outposts, so no request comes from one.
		return nil, &notApplicable{}
	}

	if e.Policies != nil {
		req, err := ex.PolicyRequest(f)
		if err != nil {
			return nil, err
		}
		res, err := e.Policies.EvaluateTarget(ctx, ex.App.Store, f.UUID, mode(f.PolicyEngineMode), req)
		if err != nil {
			return nil, err
		}
		if !res.Passing {
			return nil, &notApplicable{messages: res.Messages}
		}
	}

	bindings, err := ex.App.Store.ListBindings(ctx, f.UUID)
	if err != nil {
		return nil, err
	}
	if err := e.checkInvitationStage(ex, bindings); err != nil {
		return nil, err
	}
	for _, b := range bindings {
		if b.EvaluateOnPlan && e.Policies != nil {
			ok, err := e.bindingPasses(ex, b)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		marker := markerDefault
		if b.ReEvaluatePolicies {
			marker = markerReevaluate
		}
		p.Bindings = append(p.Bindings, PlanBinding{UUID: b.UUID, Stage: b.Stage, Order: b.Order,
			PolicyEngineMode: b.PolicyEngineMode, InvalidResponseAction: b.InvalidResponseAction})
		p.Markers = append(p.Markers, marker)
	}
	return p, nil
}

// checkInvitationStage refuses a link that carries itoken into an
// enrollment flow with no invitation stage: the invitee would otherwise
// enroll without the invitation's data and without using it up. Other
// flows ignore a stray token, as authentik does (a login must not be
// blocked by one).
func (e *Executor) checkInvitationStage(ex *Execution, bindings []store.FlowStageBinding) error {
	token := ex.Query.Get("itoken")
	if token == "" || ex.Flow.Designation != store.DesignationEnrollment {
		return nil
	}
	for _, b := range bindings {
		st, err := ex.App.Store.GetStage(ex.Ctx(), b.Stage)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if st.Kind == store.StageInvitation {
			return nil
		}
	}
	ierr := &InvitationError{Cause: CauseNoStage}
	if id, ok := ParseToken(token); ok {
		ierr.Token = id
		if inv, err := ex.App.Store.GetInvitation(ex.Ctx(), id); err == nil {
			ierr.Invitation = &inv
		}
	}
	return ierr
}

// bindingPasses runs a stage binding's policies with the plan context.
func (e *Executor) bindingPasses(ex *Execution, b any) (bool, error) {
	var target, m string
	switch v := b.(type) {
	case store.FlowStageBinding:
		target, m = v.UUID, v.PolicyEngineMode
	case PlanBinding:
		target, m = v.UUID, v.PolicyEngineMode
	}
	req, err := ex.PolicyRequest(b)
	if err != nil {
		return false, err
	}
	res, err := e.Policies.EvaluateTarget(ex.Ctx(), ex.App.Store, target, mode(m), req)
	if err != nil {
		return false, err
	}
	return res.Passing, nil
}

func mode(m string) string {
	if m == "all" {
		return "all"
	}
	return "any"
}
