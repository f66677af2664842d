package flow

import "github.com/usher-id/usher/internal/auth"

// PlanIn is the plan of the flow running in session s, or nil (for the
// flow inspector).
func PlanIn(s *auth.Session) *Plan {
	p, _ := loadPlan(s)
	return p
}

// Remaining is the stage bindings still to run, the current one first.
func (p *Plan) Remaining() []PlanBinding { return p.Bindings }
