package flow

import "sync"

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
