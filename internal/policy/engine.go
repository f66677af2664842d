// Package policy evaluates policy bindings (authentik's flows/planner.py and policies/engine.py): expression
// policies written in Python syntax and run with Starlark, and static user
// and group bindings, combined per target in "any" or "all" mode.
package policy

import (
	"context"
	"net/http"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/store"
)

// Request is what a policy sees: the user (pending or requesting; nil =
// anonymous), the HTTP request, the object being checked (a store.Flow,
// store.FlowStageBinding, store.Application ...) and the context. Context
// values are JSON-like (map[string]any, []any, string, numbers, bool, nil)
// or store values (*store.User, *store.Invitation); a value implementing
// PlanContexter is exposed as the live flow plan.
type Request struct {
	User    *store.User
	HTTP    *http.Request
	Obj     any
	Context map[string]any
}

// PlanContexter is the live flow plan as policies see it: writing to
// context["flow_plan"].context changes the flow.
type PlanContexter interface {
	PlanContext() map[string]any
}

// Result is a policy outcome; Messages are shown to the user. LogMessages
// are what expressions logged (ak_logger, print), for the test endpoint.
type Result struct {
	Passing     bool
	Messages    []string
	LogMessages []LogMessage

	value any // the starlark.Value the expression returned (EvalValue)
}

// Engine evaluates bindings. It is safe for concurrent use.
type Engine struct {
	App *app.App
	// MaxSteps is the Starlark step budget of one evaluation (default
	// DefaultMaxSteps); MaxRunTime caps a binding's timeout (default
	// DefaultMaxRunTime).
	MaxSteps   uint64
	MaxRunTime time.Duration
	// MaxMemory stops an evaluation whose heap growth passes it (default
	// DefaultMaxMemory); see expression_memory.go.
	MaxMemory uint64
}

// NewEngine returns an engine recording events through a.
func NewEngine(a *app.App) *Engine { return &Engine{App: a} }

// EvaluateTarget runs the enabled bindings of target (a flow, stage binding
// or application UUID) in mode "any" or "all". A target without bindings
// passes.
func (e *Engine) EvaluateTarget(ctx context.Context, q store.Queries, target, mode string, req Request) (Result, error) {
	bindings, err := q.ListPolicyBindings(ctx, target)
	if err != nil {
		return Result{}, err
	}
	var results []Result
	for _, b := range bindings {
		if !b.Enabled {
			continue
		}
		r, err := e.evalBinding(ctx, q, b, req)
		if err != nil {
			return Result{}, err
		}
		results = append(results, r)
	}
	return combine(results, mode), nil
}

// EvaluatePolicies runs the given policies directly (prompt stage
// validation policies): all must pass.
func (e *Engine) EvaluatePolicies(ctx context.Context, q store.Queries, policyUUIDs []string, req Request) (Result, error) {
	var results []Result
	for _, id := range policyUUIDs {
		p, err := q.GetPolicy(ctx, id)
		if err != nil {
			return Result{}, err
		}
		results = append(results, e.runPolicy(ctx, q, p, req, nil))
	}
	return combine(results, "all"), nil
}

// Test runs one policy for the API's test action: as the given user with
// the given context, failing on an exception (with its message).
func (e *Engine) Test(ctx context.Context, q store.Queries, p store.Policy, user *store.User, data map[string]any, r *http.Request) Result {
	if data == nil {
		data = map[string]any{}
	}
	return e.runPolicy(ctx, q, p, Request{User: user, HTTP: r, Context: data}, nil)
}

// combine applies the engine mode: "all" needs every result to pass,
// "any" (the default, also for "") at least one.
func combine(results []Result, mode string) Result {
	if len(results) == 0 {
		return Result{Passing: true}
	}
	anyMode := mode != "all"
	out := Result{Passing: !anyMode}
	for _, r := range results {
		out.Messages = append(out.Messages, r.Messages...)
		out.LogMessages = append(out.LogMessages, r.LogMessages...)
		if anyMode {
			out.Passing = out.Passing || r.Passing
		} else {
			out.Passing = out.Passing && r.Passing
		}
	}
	return out
}

func (e *Engine) evalBinding(ctx context.Context, q store.Queries, b store.PolicyBinding, req Request) (Result, error) {
	var r Result
	switch {
	case b.User != nil:
		r.Passing = req.User != nil && req.User.PK == *b.User
	case b.Group != nil:
		if req.User != nil {
			ok, err := inGroup(ctx, q, req.User.PK, *b.Group)
			if err != nil {
				return Result{}, err
			}
			r.Passing = ok
		}
	case b.Policy != nil:
		p, err := q.GetPolicy(ctx, *b.Policy)
		if err != nil {
			return Result{}, err
		}
		r = e.runPolicy(ctx, q, p, req, &b)
	}
	if b.Negate {
		r.Passing = !r.Passing // negate flips the result, not the messages
	}
	return r, nil
}

// inGroup reports membership in group or any of its descendants (a member of
// a child group is a member of the parent, as ak_is_group_member does).
func inGroup(ctx context.Context, q store.Queries, userPK int64, groupUUID string) (bool, error) {
	groups, err := q.UserGroups(ctx, userPK)
	if err != nil {
		return false, err
	}
	for _, g := range groups {
		seen := map[string]bool{}
		for cur := &g; cur != nil && !seen[cur.UUID]; {
			if cur.UUID == groupUUID {
				return true, nil
			}
			seen[cur.UUID] = true
			if cur.Parent == nil {
				break
			}
			next, err := q.GetGroup(ctx, *cur.Parent)
			if err != nil {
				break
			}
			cur = &next
		}
	}
	return false, nil
}
