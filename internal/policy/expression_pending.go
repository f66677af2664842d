package policy

import (
	"context"

	"github.com/usher-id/usher/internal/store"
)

// runPolicy evaluates one policy; an evaluation error yields failureResult.
// TEMPORARY until the Starlark evaluator lands: expression policies fail
// with a clear message.
func (e *Engine) runPolicy(ctx context.Context, q store.Queries, p store.Policy, req Request, failureResult bool) Result {
	return Result{Passing: failureResult, Messages: []string{"expression policies are not available yet"}}
}
