package flow

// Rebuildable is a stage view with no UI whose Get decides only from what
// every request of a visit carries again: the wrapped query (itoken), the
// flow, the brand and stored rows. The invitation stage is one.
//
// While a visit has no session row, such a pass does not make the session
// worth storing: a link scanner or a link preview that opens an invitation
// link costs no row. The next request, on any instance, plans again from
// the same query and passes the stage again before the stage the client
// answers (see Executor.run), so the answer meets the same plan.
type Rebuildable interface {
	StageView
	// Rebuilt reports, after the stage passed, whether the state it left
	// is what passing it again on the next request gives. When it is not,
	// the plan is stored, but only briefly (auth.Session.KeepBriefly) until
	// the first answer.
	Rebuilt(ex *Execution) bool
}

// rebase returns the plan's JSON as the new "unchanged" mark for savePlan:
// what was just done is redone by the next request's rebuild, so it is
// not stored.
func rebase(p *Plan) (string, error) { return unstoredPlan(p) }
