package policy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"go.starlark.net/starlark"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// Limits of one evaluation. A binding's timeout (default 30 s, as in
// authentik) is capped by MaxRunTime: a policy that needs more than a second
// is a bug, and it would hold a flow request (and maybe a transaction).
const (
	DefaultMaxSteps   = 1_000_000
	DefaultMaxRunTime = time.Second
	maxCallDepth      = 8 // nested ak_call_policy
)

// LogMessage is one ak_logger (or print) call, shaped like authentik's
// LogEvent for the policy test endpoint.
type LogMessage struct {
	Timestamp  time.Time      `json:"timestamp"`
	LogLevel   string         `json:"log_level"`
	Logger     string         `json:"logger"`
	Event      string         `json:"event"`
	Attributes map[string]any `json:"attributes"`
}

// run is the state of one evaluation, reachable from helpers through the
// Starlark thread.
type run struct {
	ctx      context.Context
	e        *Engine
	q        store.Queries
	req      Request
	policy   store.Policy
	messages []string
	logs     []LogMessage
	depth    int
	deadline time.Time
	thread   *starlark.Thread
	stopped  atomic.Pointer[string] // why the thread was cancelled
}

// cancel stops the evaluation: the interpreter at its next step, helpers
// at their next budget check (charge).
func (r *run) cancel(reason string) {
	r.stopped.CompareAndSwap(nil, &reason)
	r.thread.Cancel(reason)
}

// charge counts n steps of work done inside a helper against the step
// budget and stops it when the budget is spent or the run was cancelled
// (timeout, memory, request gone): the interpreter only checks between
// its own steps, never inside a long helper call.
func (r *run) charge(n uint64) error {
	if r == nil || r.thread == nil {
		return nil
	}
	r.thread.Steps += n
	if reason := r.stopped.Load(); reason != nil {
		return fmt.Errorf("Starlark computation cancelled: %s", *reason)
	}
	if r.thread.Steps >= r.e.maxSteps() {
		return errors.New("Starlark computation cancelled: too many steps")
	}
	return nil
}

const runKey = "usher.policy.run"

func runOf(thread *starlark.Thread) *run {
	r, _ := thread.Local(runKey).(*run)
	return r
}

func (r *run) log(level, msg string, attrs map[string]any) {
	if attrs == nil {
		attrs = map[string]any{}
	}
	attrs["policy"] = r.policy.Name
	r.logs = append(r.logs, LogMessage{Timestamp: time.Now().UTC(), LogLevel: level,
		Logger: "authentik.policies.expression", Event: msg, Attributes: attrs})
}

// evalError is an exception raised while evaluating: the binding's
// failure_result applies.
type evalError struct{ msg string }

func (e *evalError) Error() string { return e.msg }

func (e *Engine) maxSteps() uint64 {
	if e.MaxSteps > 0 {
		return e.MaxSteps
	}
	return DefaultMaxSteps
}

func (e *Engine) maxMemory() uint64 {
	if e.MaxMemory > 0 {
		return e.MaxMemory
	}
	return DefaultMaxMemory
}

func (e *Engine) runTime(bindingTimeout int) time.Duration {
	limit := e.MaxRunTime
	if limit <= 0 {
		limit = DefaultMaxRunTime
	}
	// Compared in seconds first: multiplying a huge stored timeout would
	// wrap to a negative duration.
	if bindingTimeout > 0 && int64(bindingTimeout) <= int64(limit/time.Second) && time.Duration(bindingTimeout)*time.Second < limit {
		return time.Duration(bindingTimeout) * time.Second
	}
	return limit
}

// evaluate runs an expression policy. A non-nil error is an exception
// (syntax, runtime error, budget or timeout); the result then carries the
// messages and logs gathered so far.
func (e *Engine) evaluate(ctx context.Context, q store.Queries, p store.Policy, req Request, deadline time.Time, depth int) (Result, error) {
	prog, err := compile(p.Expression)
	if err != nil {
		return Result{}, &evalError{err.Error()}
	}
	r := &run{ctx: ctx, e: e, q: q, req: req, policy: p, depth: depth, deadline: deadline}
	thread := &starlark.Thread{Name: "policy " + p.Name, Print: func(_ *starlark.Thread, msg string) {
		r.log("info", msg, nil)
	}}
	r.thread = thread
	thread.SetLocal(runKey, r)
	budget := e.maxSteps()
	thread.SetMaxExecutionSteps(budget)

	d := time.Until(deadline)
	if d <= 0 {
		return Result{}, &evalError{"Policy evaluation timed out"}
	}
	timer := time.AfterFunc(d, func() { r.cancel("timeout") })
	defer timer.Stop()
	if ctx.Done() != nil {
		stop := context.AfterFunc(ctx, func() { r.cancel("request cancelled") })
		defer stop()
	}

	defer watchMemory(r.cancel, e.maxMemory())()

	args, err := r.arguments(prog)
	if err != nil {
		return Result{Messages: r.messages, LogMessages: r.logs}, &evalError{err.Error()}
	}
	v, err := callGuarded(thread, prog.fn, args)
	if err != nil {
		msg := err.Error()
		var ee *starlark.EvalError
		if errors.As(err, &ee) {
			msg = ee.Msg
		}
		switch {
		case thread.ExecutionSteps() >= budget:
			msg = fmt.Sprintf("Policy evaluation stopped: step budget of %d exceeded", budget)
		case strings.HasSuffix(msg, "cancelled: memory limit"):
			msg = fmt.Sprintf("%s of %d MiB exceeded", memoryLimitMsgPrefix, e.maxMemory()>>20)
		case strings.HasSuffix(msg, "cancelled: timeout"):
			msg = fmt.Sprintf("Policy evaluation stopped: timeout after %s", d.Round(time.Millisecond))
		}
		return Result{Messages: r.messages, LogMessages: r.logs}, &evalError{msg}
	}
	res := Result{Messages: r.messages, LogMessages: r.logs, value: v}
	if pr, ok := v.(*resultValue); ok {
		res.Passing = pr.res.Passing
		res.Messages = append(res.Messages, pr.res.Messages...)
	} else {
		res.Passing = bool(v.Truth())
	}
	return res, nil
}

// callGuarded calls fn, turning a panic in a helper or the interpreter
// into an exception of this policy rather than a crash of the process. (A
// Go stack overflow is fatal and cannot be recovered: the bounds on values
// leaving the sandbox, expression_convert.go, prevent those.)
func callGuarded(thread *starlark.Thread, fn starlark.Value, args starlark.Tuple) (v starlark.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("internal error while evaluating the policy: %v", p)
		}
	}()
	return starlark.Call(thread, fn, args, nil)
}

// arguments builds the function's arguments: the fixed parameters, then one
// value per context variable the expression reads.
func (r *run) arguments(prog *program) (starlark.Tuple, error) {
	ctxDict := r.dictFrom(r.req.Context)
	user := r.userValue(r.req.User)
	var httpReq starlark.Value = starlark.None
	if r.req.HTTP != nil {
		httpReq = r.httpRequestValue(r.req.HTTP, user)
	}
	request := newObject("PolicyRequest", "<PolicyRequest>", nil)
	request.attrs["user"] = user
	request.attrs["http_request"] = httpReq
	request.attrs["obj"] = r.toStarlark(r.req.Obj)
	request.attrs["context"] = ctxDict
	request.attrs["debug"] = starlark.False

	clientIP := "255.255.255.255" // authentik's placeholder when unknown
	if r.req.HTTP != nil {
		clientIP = httpx.ClientIP(r.req.HTTP)
	}
	ip, err := parseIP(clientIP)
	if err != nil {
		ip, _ = parseIP("255.255.255.255")
	}
	isSSO, _ := r.req.Context["is_sso"].(bool)

	args := make(starlark.Tuple, 0, len(params)+len(prog.contextVars))
	args = append(args, request, ctxDict, ip, httpReq, starlark.Bool(isSSO))
	if len(prog.contextVars) > 0 {
		byVar := make(map[string]any, len(r.req.Context))
		for k, v := range r.req.Context {
			byVar[varName(k)] = v
		}
		for _, name := range prog.contextVars {
			v, ok := byVar[name]
			if !ok {
				return nil, fmt.Errorf("name '%s' is not defined", name)
			}
			args = append(args, r.toStarlark(v))
		}
	}
	return args, nil
}

// varName is how authentik turns a context key into a variable name:
// slugified (lower case) with '-', '.' and ':' as '_'.
func varName(key string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(key) {
		switch {
		case c == '-' || c == '.' || c == ':' || c == ' ':
			b.WriteByte('_')
		case c == '_' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
		}
	}
	return b.String()
}

func (r *run) httpRequestValue(h *http.Request, user starlark.Value) starlark.Value {
	o := newObject("HttpRequest", h.Method+" "+h.URL.Path, nil)
	o.attrs["path"] = starlark.String(h.URL.Path)
	o.attrs["method"] = starlark.String(h.Method)
	o.attrs["user"] = user
	get := starlark.NewDict(len(h.URL.Query()))
	for k, vs := range h.URL.Query() {
		if len(vs) > 0 {
			_ = get.SetKey(starlark.String(k), starlark.String(vs[len(vs)-1]))
		}
	}
	o.attrs["GET"] = get
	headers := starlark.NewDict(len(h.Header))
	meta := starlark.NewDict(len(h.Header) + 2)
	for k, vs := range h.Header {
		if strings.EqualFold(k, "Cookie") || strings.EqualFold(k, "Authorization") {
			continue // secrets stay out of expressions
		}
		v := starlark.String(strings.Join(vs, ","))
		_ = headers.SetKey(starlark.String(k), v)
		_ = meta.SetKey(starlark.String("HTTP_"+strings.ToUpper(strings.ReplaceAll(k, "-", "_"))), v)
	}
	_ = meta.SetKey(starlark.String("REMOTE_ADDR"), starlark.String(httpx.ClientIP(h)))
	o.attrs["headers"] = headers
	o.attrs["META"] = meta
	return o
}

// runPolicy evaluates one policy for a binding (nil for prompt validation
// policies and tests): an exception yields failureResult with the message
// and a policy_exception event; execution_logging records every run.
func (e *Engine) runPolicy(ctx context.Context, q store.Queries, p store.Policy, req Request, b *store.PolicyBinding) Result {
	failureResult, timeout := false, 0
	if b != nil {
		failureResult, timeout = b.FailureResult, b.Timeout
	}
	var res Result
	var err error
	if p.Kind == store.PolicyPassword {
		res, err = e.evaluatePassword(ctx, q, p, req)
	} else {
		res, err = e.evaluate(ctx, q, p, req, time.Now().Add(e.runTime(timeout)), 0)
	}
	if err != nil {
		res.Passing = failureResult
		res.Messages = append(res.Messages, err.Error())
		e.record(ctx, q, req, event.PolicyException, map[string]any{
			"message": err.Error(), "policy": policyRef(p), "binding": bindingRef(b), "request": requestSummary(req)})
		return res
	}
	if p.ExecutionLogging {
		e.record(ctx, q, req, event.PolicyExecution, map[string]any{
			"policy": policyRef(p), "binding": bindingRef(b), "request": requestSummary(req),
			"result": map[string]any{"passing": res.Passing, "messages": stringsAny(res.Messages)}})
	}
	return res
}

// record writes an event, logging instead of failing the evaluation when
// it cannot be stored.
func (e *Engine) record(ctx context.Context, q store.Queries, req Request, action string, data map[string]any) {
	if e.App == nil || e.App.Events == nil {
		return
	}
	if err := e.App.Events.Record(ctx, q, req.HTTP, req.User, action, data); err != nil && e.App.Log != nil {
		e.App.Log.ErrorContext(ctx, "policy: recording event failed", "action", action, "err", err)
	}
}

func policyRef(p store.Policy) map[string]any {
	if p.Kind == store.PolicyPassword {
		return event.Model(store.ModelPasswordPolicy, p.UUID, p.Name)
	}
	return event.Model(store.ModelExpressionPolicy, p.UUID, p.Name)
}

func bindingRef(b *store.PolicyBinding) any {
	if b == nil {
		return nil
	}
	return map[string]any{"pk": strings.ReplaceAll(b.UUID, "-", ""), "target": strings.ReplaceAll(b.Target, "-", ""),
		"order": b.Order, "negate": b.Negate, "failure_result": b.FailureResult}
}

// requestSummary renders the policy request for events: JSON-safe, with
// store values as references (the recorder masks secrets).
func requestSummary(req Request) map[string]any {
	return map[string]any{"user": event.UserRef(req.User), "obj": eventSafe(req.Obj), "context": eventSafe(req.Context)}
}

func eventSafe(v any) any {
	switch t := v.(type) {
	case nil, bool, string, int, int64, float64:
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, val := range t {
			if _, isPlan := val.(PlanContexter); isPlan {
				continue
			}
			out[k] = eventSafe(val)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = eventSafe(val)
		}
		return out
	case *store.User:
		return event.UserRef(t)
	case *store.Invitation:
		return event.Model(store.ModelInvitation, t.UUID, t.Name)
	case store.Flow:
		return event.Model(store.ModelFlow, t.UUID, t.Slug)
	case *store.Flow:
		return event.Model(store.ModelFlow, t.UUID, t.Slug)
	case store.FlowStageBinding:
		return event.Model(store.ModelFlowStageBinding, t.UUID, "")
	case store.Application:
		return event.Model(store.ModelApplication, t.UUID, t.Name)
	}
	return fmt.Sprint(v)
}

func stringsAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}
