package flow

import (
	"sync"

	"github.com/usher-id/usher/internal/auth"
)

// sessionSeed holds the context the next plan of a flow starts with.
const sessionSeed = "flow_seed"

// seed is plan context another area prepared for a flow it sends the
// browser to: the OpenID provider seeds its authorization flow with the
// application and the scopes to consent to, as authentik's authorize view
// plans the flow itself before redirecting to it.
type seed struct {
	FlowSlug string         `json:"flow"`
	Context  map[string]any `json:"context"`
}

// Seed makes the next plan of the flow with slug start with ctx (JSON
// values only). It lives in the session, so any instance plans it.
func Seed(s *auth.Session, slug string, ctx map[string]any) {
	s.Set(sessionSeed, seed{FlowSlug: slug, Context: ctx})
	s.Delete(sessionPlan) // a plan in progress would shadow the seed
}

// takeSeed returns (and forgets) the seed for slug.
func takeSeed(s *auth.Session, slug string) map[string]any {
	var sd *seed
	if !s.Get(sessionSeed, &sd) || sd == nil || sd.FlowSlug != slug {
		return nil
	}
	s.Delete(sessionSeed)
	return sd.Context
}

// A Finisher runs when a flow whose plan context holds its key ends
// successfully; a non-empty redirect replaces where the flow goes next.
// An error ends the flow with the error page instead.
type Finisher func(ex *Execution, value any) (redirect string, err error)

var (
	finishersMu sync.RWMutex
	finishers   = map[string]Finisher{}
)

// RegisterFinisher registers fn for plan context key (at init).
func RegisterFinisher(key string, fn Finisher) {
	finishersMu.Lock()
	defer finishersMu.Unlock()
	finishers[key] = fn
}

func (ex *Execution) runFinishers() (string, error) {
	finishersMu.RLock()
	defer finishersMu.RUnlock()
	for key, fn := range finishers {
		if v, ok := ex.Plan.Context[key]; ok {
			return fn(ex, v)
		}
	}
	return "", nil
}

// SessionPendingAuthorization is where the OpenID provider remembers an
// authorization the browser started before it had an account: a flow that
// ends signed in with nowhere else to go resumes it (an invitee who
// followed an application's "Sign in" link, then enrolled).
const SessionPendingAuthorization = "pending_authorization"
