package flow

import (
	"fmt"
	"sync"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// StageView is how one stage kind behaves in a flow. Get answers a GET with
// the stage's challenge (or passes at once for stages without a UI); Post
// answers the client's response. Views keep no state: everything is in the
// Execution's plan context.
type StageView interface {
	Get(ex *Execution) Response
	Post(ex *Execution, data map[string]any) Response
}

// Headless is a stage view that shows nothing for st: its Get passes (or
// refuses) at once, without asking the client anything. The executor
// runs such stages back to back at the end of a flow (see headlessRun).
type Headless interface {
	Headless(st store.Stage) bool
}

var (
	registryMu sync.RWMutex
	registry   = map[store.StageKind]StageView{}
)

// RegisterStage installs the view for a stage kind; each stage package
// calls it from init.
func RegisterStage(kind store.StageKind, v StageView) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[kind]; dup {
		panic(fmt.Sprintf("flow: stage kind %q registered twice", kind))
	}
	registry[kind] = v
}

func lookupStage(kind store.StageKind) (StageView, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	v, ok := registry[kind]
	return v, ok
}

type responseKind int

const (
	respChallenge responseKind = iota
	respPassed
	respInvalid
	respError
	respLimited
)

// ErrorDetail is one message in response_errors (DRF's ErrorDetail).
type ErrorDetail struct {
	String string `json:"string"`
	Code   string `json:"code"`
}

// Errors maps a field key (or "non_field_errors") to its messages.
type Errors map[string][]ErrorDetail

// Add appends a message for field.
func (e Errors) Add(field, msg, code string) {
	e[field] = append(e[field], ErrorDetail{String: msg, Code: code})
}

// NonField is the response_errors key for errors about the whole answer.
const NonField = "non_field_errors"

// Response is what a stage view returns.
type Response struct {
	kind      responseKind
	challenge Challenge
	errors    Errors
	message   string
	err       error
	retry     time.Duration // respLimited
}

// Ask asks the client for something; the executor adds flow_info.
func Ask(c Challenge) Response { return Response{kind: respChallenge, challenge: c} }

// AskAgain repeats a challenge with response_errors after an invalid
// answer.
func AskAgain(c Challenge, errs Errors) Response {
	return Response{kind: respChallenge, challenge: c, errors: errs}
}

// Passed moves the flow to the next stage.
func Passed() Response { return Response{kind: respPassed} }

// Invalid is authentik's stage_invalid: the flow ends with
// ak-stage-access-denied and message (or restarts when the binding says so).
func Invalid(message string) Response { return Response{kind: respInvalid, message: message} }

// Fail reports an internal error (database down, ...): the client gets a
// flow error with the request ID, the log gets err.
func Fail(err error) Response { return Response{kind: respError, err: err} }

// Challenge is the challenge an Ask response carries (nil for other
// kinds).
func (r Response) Challenge() Challenge { return r.challenge }
