package blueprint

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// Entry states.
const (
	StatePresent     = "present"
	StateCreated     = "created"
	StateMustCreated = "must_created"
	StateAbsent      = "absent"
)

// MetaApplyModel applies another blueprint instance inline.
const MetaApplyModel = store.ModelMetaApplyBlueprint

// loggerName is the "logger" of every log line.
const loggerName = "usher.blueprint"

// Options tune an apply.
type Options struct {
	// Context is merged over the blueprint's own context (an instance's
	// context).
	Context map[string]any
	// Dir is the base for relative !File paths and the blueprints that
	// metaapplyblueprint entries load; empty means the app's BlueprintsDir.
	Dir string
	// User is the importing user (API), nil for the CLI and discovery.
	User *store.User
	// BaseURL is passed to the models for absolute links.
	BaseURL string
	// Trusted allows !Env and !File: set it only for blueprints the
	// operator placed (the blueprints directory, the CLI). The zero value
	// refuses them, for anything uploaded (see trust.go).
	Trusted bool
}

// conflictRetries is how often an apply that lost a race to another
// instance (a unique conflict) is started over.
const conflictRetries = 3

// errRollback ends a validation transaction.
var errRollback = errors.New("blueprint validation: rolled back")

// Apply applies every entry of bp in one transaction: all or nothing. The
// Result is filled even on failure, with an error line for every entry
// that failed; err is an *EntryError when one entry failed, EntryErrors
// when several did.
func Apply(ctx context.Context, a *app.App, bp *Blueprint, opts Options) (Result, error) {
	return run(ctx, a, bp, opts, false)
}

// Validate runs the same apply in a transaction that is always rolled back
// and reports what would be created, updated, unchanged or deleted.
func Validate(ctx context.Context, a *app.App, bp *Blueprint, opts Options) (Result, error) {
	return run(ctx, a, bp, opts, true)
}

func run(ctx context.Context, a *app.App, bp *Blueprint, opts Options, dry bool) (Result, error) {
	if opts.Dir == "" {
		opts.Dir = a.BlueprintsDir
	}
	if err := bp.CheckTrust(opts.Trusted); err != nil {
		return failedResult(a, err), err
	}
	imp := newImporter(ctx, a, bp, opts)
	start := time.Now()
	apply := func() error {
		return a.Store.Tx(ctx, func(q store.Queries) error {
			// A retried transaction starts over.
			imp.reset()
			if err := imp.applyAll(ctx, q); err != nil {
				return err
			}
			if dry {
				return errRollback
			}
			return nil
		})
	}
	err := apply()
	// Another instance applying the same blueprint at the same moment
	// creates an object between our lookup and our insert: start over, and
	// the lookup now finds (and updates) theirs.
	for attempt := 0; attempt < conflictRetries && errors.Is(err, store.ErrConflict); attempt++ {
		err = apply()
	}
	if errors.Is(err, errRollback) {
		err = nil
	}
	var ee *EntryError
	if errors.As(err, &ee) && ctx.Err() == nil {
		err = imp.collectErrors(ctx, err)
	}
	res := imp.res
	res.Success = err == nil
	if err != nil && !imp.errLogged {
		res.Logs = append(res.Logs, imp.line("error", "Blueprint could not be applied: "+err.Error(), nil))
	}
	verb := "applied"
	if dry {
		verb = "validated"
	}
	log := a.Log
	if log != nil {
		c := res.Counts()
		attrs := []any{"blueprint", bp.Name, "success", res.Success, "created", c[ActionCreated], "updated", c[ActionUpdated],
			"unchanged", c[ActionUnchanged], "deleted", c[ActionDeleted], "skipped", c[ActionSkipped], "duration", time.Since(start)}
		if err != nil {
			log.WarnContext(ctx, "blueprint not "+verb, append(attrs, "error", err.Error())...)
		} else {
			log.InfoContext(ctx, "blueprint "+verb, attrs...)
		}
	}
	return res, err
}

// importer applies one blueprint.
type importer struct {
	a         *app.App
	bp        *Blueprint
	opts      Options
	r         *resolver
	res       Result
	pkMap     map[string]any // pk identifier (repr) -> the pk it got
	metaStack []string       // instance names applied through metaapplyblueprint
	errLogged bool
	collect   bool // go on after a failed entry (see collectErrors)
}

func newImporter(ctx context.Context, a *app.App, bp *Blueprint, opts Options) *importer {
	imp := &importer{a: a, bp: bp, opts: opts}
	imp.r = &resolver{ctx: ctx, dir: opts.Dir, context: mergedContext(bp, opts.Context),
		trusted: opts.Trusted, dataDir: a.DataDir, blueprintsDir: a.BlueprintsDir}
	imp.r.warn = func(event string, attrs map[string]any) {
		imp.res.Logs = append(imp.res.Logs, imp.line("warning", event, attrs))
	}
	imp.reset()
	return imp
}

func (imp *importer) reset() {
	imp.res = Result{Logs: []LogEntry{}, Changes: []Change{}}
	imp.pkMap = map[string]any{}
	imp.r.saved = map[string]any{}
	imp.r.failed = map[string]int{}
	imp.r.steps = 0
	imp.errLogged = false
}

// mergedContext is the built-in context, then the file's, then the instance's.
func mergedContext(bp *Blueprint, extra map[string]any) *omap {
	o := newOmap(4)
	models := newOmap(0)
	for _, m := range resource.Models() {
		app, name, _ := strings.Cut(m, ".")
		models.set(name, app)
	}
	o.set("goauthentik.io/rbac/models", models)
	o.set("goauthentik.io/enterprise/licensed", false)
	if bp.context != nil {
		for _, k := range bp.context.keys {
			o.set(k, bp.context.m[k])
		}
	}
	if extra != nil {
		ex := fromPlain(extra).(*omap)
		for _, k := range ex.keys {
			o.set(k, ex.m[k])
		}
	}
	return o
}

func (imp *importer) line(level, event string, attrs map[string]any) LogEntry {
	if attrs == nil {
		attrs = map[string]any{}
	}
	return LogEntry{Timestamp: imp.a.Clock().UTC().Format("2006-01-02T15:04:05.000000Z"), LogLevel: level,
		Logger: loggerName, Event: event, Attributes: attrs}
}

// collectErrors runs a failed apply again, always rolled back, with each
// entry in a savepoint: an entry that fails is undone alone and the rest
// are still tried, so one import reports every bad entry (authentik's
// importer stops at the first). The first run has no savepoints, so an
// apply that succeeds pays nothing for this. first is the first run's
// error, kept (with its log) if the second run does not fail the same way.
func (imp *importer) collectErrors(ctx context.Context, first error) error {
	res, logged := imp.res, imp.errLogged
	imp.collect = true
	defer func() { imp.collect = false }()
	err := imp.a.Store.Tx(ctx, func(q store.Queries) error {
		imp.reset()
		if err := imp.applyAll(ctx, q); err != nil {
			return err
		}
		return errRollback
	})
	var ee *EntryError
	if !errors.As(err, &ee) {
		imp.res, imp.errLogged = res, logged
		return first
	}
	return err
}

// applyAll applies the entries in order. It stops at the first error,
// unless collecting (see collectErrors): then each entry runs in a
// savepoint and every entry error is logged and returned (EntryErrors
// when several). An error that is not an entry's (the database, a
// cancelled request) stops at once.
func (imp *importer) applyAll(ctx context.Context, q store.Queries) error {
	var failed EntryErrors
	for _, e := range imp.bp.Entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		var err error
		if imp.collect {
			err = q.Savepoint(ctx, func(q store.Queries) error { return imp.entry(ctx, q, e) })
		} else {
			err = imp.entry(ctx, q, e)
		}
		if err == nil {
			continue
		}
		ee, isEntry := err.(*EntryError)
		if !isEntry {
			if len(failed) > 0 {
				return errors.Join(failed, err)
			}
			return err
		}
		if e.ID != "" {
			if _, ok := imp.r.saved[e.ID]; !ok {
				imp.r.failed[e.ID] = e.Index
			}
		}
		var dep *failedDependency
		if errors.As(err, &dep) {
			// Only a consequence of an error already reported.
			attrs := map[string]any{"entry": e.Index, "model": ee.Model}
			if e.ID != "" {
				attrs["id"] = e.ID
			}
			imp.res.Logs = append(imp.res.Logs, imp.line("warning", dep.Error(), attrs))
			continue
		}
		attrs := map[string]any{"entry": e.Index, "id": e.ID, "model": ee.Model}
		if len(ee.Fields) > 0 {
			attrs["errors"] = ee.Fields
		}
		imp.res.Logs = append(imp.res.Logs, imp.line("error", err.Error(), attrs))
		imp.errLogged = true
		if !imp.collect {
			return ee
		}
		failed = append(failed, ee)
	}
	switch len(failed) {
	case 0:
		return nil
	case 1:
		return failed[0]
	}
	return failed
}

func (imp *importer) record(e *Entry, model, action string, pk any, reason string) {
	c := Change{Entry: e.Index, ID: e.ID, Model: model, Action: action, PK: pk, Reason: reason}
	imp.res.Changes = append(imp.res.Changes, c)
	attrs := map[string]any{"entry": e.Index, "model": model}
	if e.ID != "" {
		attrs["id"] = e.ID
	}
	if pk != nil {
		attrs["pk"] = pk
	}
	event := map[string]string{ActionCreated: "Created model", ActionUpdated: "Updated model",
		ActionUnchanged: "Model unchanged", ActionDeleted: "Deleted model", ActionSkipped: "Skipped entry"}[action]
	if reason != "" {
		event += ": " + reason
	}
	imp.res.Logs = append(imp.res.Logs, imp.line("info", event, attrs))
}

func (imp *importer) resourceCtx(q store.Queries) *resource.Ctx {
	return &resource.Ctx{Q: q, User: imp.opts.User, Blueprint: true, BaseURL: imp.opts.BaseURL,
		Now: imp.a.Clock(), Strict: true, Passwords: imp.a.Passwords, BlueprintsDir: imp.opts.Dir,
		TemplatesDir: imp.a.TemplatesDir}
}

// entry applies one entry (authentik's blueprints/v1/importer.py).
func (imp *importer) entry(ctx context.Context, q store.Queries, e *Entry) error {
	r := imp.r
	r.rc = imp.resourceCtx(q)
	var ignored []string
	r.rc.Warn = func(field, msg string) {
		attrs := map[string]any{"entry": e.Index, "model": r.model, "field": field}
		if e.ID != "" {
			attrs["id"] = e.ID
		}
		r.warn(msg, attrs)
	}
	r.rc.Ignored = func(key, msg string) {
		ignored = append(ignored, strconv.Quote(key))
		attrs := map[string]any{"entry": e.Index, "model": r.model, "field": key}
		if e.ID != "" {
			attrs["id"] = e.ID
		}
		r.warn(msg, attrs)
	}
	r.model = ""
	fail := func(model string, err error) error {
		ee := imp.entryErr(e, model, err)
		if len(ignored) > 0 && ee.Note == "" {
			// A misspelt key is often why a required field is missing.
			ee.Note = "ignored " + strings.Join(ignored, ", ") + ": not fields of this model"
		}
		return ee
	}

	// 1. Conditions: a false one skips the entry entirely.
	for _, c := range e.conditions {
		v, err := r.value(c)
		if err != nil {
			return fail(e.Model(), err)
		}
		if !truthy(v) {
			imp.record(e, e.Model(), ActionSkipped, nil, "one or more conditions are not fulfilled")
			return nil
		}
	}

	// 2. Model and state.
	mv, err := r.value(e.model)
	if err != nil {
		return fail("", err)
	}
	model, ok := mv.(string)
	if !ok || !strings.Contains(model, ".") {
		return fail("", fmt.Errorf("model %s must be \"app_label.model\", e.g. authentik_flows.flow", pyRepr(mv)))
	}
	model = strings.ToLower(model)
	r.model = model
	state := StatePresent
	if e.state != nil {
		sv, err := r.value(e.state)
		if err != nil {
			return fail(model, err)
		}
		s, _ := sv.(string)
		switch s {
		case StatePresent, StateCreated, StateMustCreated, StateAbsent:
			state = s
		default:
			return fail(model, fmt.Errorf("state %s is not valid: use present, created, must_created or absent", pyRepr(sv)))
		}
	}
	if model == MetaApplyModel {
		return imp.meta(ctx, q, e)
	}
	kind, ok := resource.Lookup(model)
	if !ok {
		return fail(model, fmt.Errorf("model %q is not supported: usher does not have this model", model))
	}

	// 3. Identifiers, with pks of earlier pk identifiers swapped in and
	// {pk: ...} values reduced to the pk.
	idv, err := r.value(e.identifiers)
	if err != nil {
		return fail(model, err)
	}
	ids, ok := idv.(*omap)
	if idv != nil && !ok {
		return fail(model, errors.New("identifiers must be a mapping of field names to values"))
	}
	if ids == nil || ids.len() == 0 {
		return fail(model, errors.New("No or invalid identifiers"))
	}
	imp.updatePKs(ids)
	for _, k := range ids.keys {
		if inner, ok := ids.m[k].(*omap); ok {
			if pk, ok := inner.get("pk"); ok {
				ids.m[k] = pk
			}
		}
	}

	// 4. Lookup: pk OR the AND of the other identifiers.
	obj, err := kind.Find(r.rc, toPlain(ids).(map[string]any))
	if errors.Is(err, store.ErrNotFound) {
		obj, err = nil, nil
	}
	if err != nil {
		var ve *resource.ValidationError
		if errors.As(err, &ve) {
			return fail(model, fmt.Errorf("Invalid identifier field: %s", fieldMessages(ve.Fields)))
		}
		return fail(model, err)
	}

	// 5-7. State handling.
	switch state {
	case StateAbsent:
		if obj == nil {
			imp.record(e, model, ActionUnchanged, nil, "no object to delete")
			return nil
		}
		pk := kind.PK(obj)
		if err := kind.Delete(r.rc, obj); err != nil {
			return fail(model, err)
		}
		imp.record(e, model, ActionDeleted, pk, "")
		return nil
	case StateMustCreated:
		if obj != nil {
			ve := &resource.ValidationError{}
			for _, k := range ids.keys {
				ve.Add(k, "State is set to must_created and object exists already")
			}
			return fail(model, ve)
		}
	}

	av, err := r.value(e.attrs)
	if err != nil {
		return fail(model, err)
	}
	attrs, ok := av.(*omap)
	if av != nil && !ok {
		return fail(model, errors.New("attrs must be a mapping of field names to values"))
	}
	if attrs == nil {
		attrs = newOmap(0)
	}
	imp.updatePKs(attrs)

	if state == StateCreated && obj != nil {
		imp.saved(e, ids, kind.PK(obj))
		imp.record(e, model, ActionUnchanged, kind.PK(obj), "exists already and state is created")
		imp.permissions(e, model)
		return nil
	}

	// Identifiers are merged into attrs: a new object gets them, and an
	// update writes only these keys.
	data := toPlain(deepMerge(attrs, ids)).(map[string]any)
	var before map[string]any
	if obj != nil {
		if before, err = kind.Serialize(r.rc, obj); err != nil {
			return fail(model, err)
		}
	}
	saved, err := kind.Save(r.rc, obj, data)
	if err != nil {
		return fail(model, err)
	}
	pk := kind.PK(saved)
	action := ActionCreated
	if obj != nil {
		action = ActionUpdated
		after, err := kind.Serialize(imp.resourceCtx(q), saved)
		if err != nil {
			return fail(model, err)
		}
		if jsonEqual(before, after) {
			action = ActionUnchanged
		}
	}
	imp.saved(e, ids, pk)
	imp.record(e, model, action, pk, "")
	imp.permissions(e, model)
	return nil
}

// saved makes the entry's object visible to later !KeyOf (the first saved
// entry with an id wins) and records a pk identifier's real pk.
func (imp *importer) saved(e *Entry, ids *omap, pk any) {
	if e.ID != "" {
		if _, ok := imp.r.saved[e.ID]; !ok {
			imp.r.saved[e.ID] = fromPlain(pk)
		}
	}
	if want, ok := ids.get("pk"); ok {
		imp.pkMap[pyRepr(want)] = fromPlain(pk)
	}
}

// updatePKs replaces values (one level deep) equal to a pk identifier of
// an earlier entry with the pk that entry got, so an export whose pks
// differ from this database's re-imports.
func (imp *importer) updatePKs(o *omap) {
	if len(imp.pkMap) == 0 {
		return
	}
	swap := func(v any) any {
		switch v.(type) {
		case string, int64, float64, bool:
			if pk, ok := imp.pkMap[pyRepr(v)]; ok {
				return pk
			}
		}
		return v
	}
	for _, k := range o.keys {
		switch v := o.m[k].(type) {
		case *omap:
			for _, ik := range v.keys {
				v.m[ik] = swap(v.m[ik])
			}
		case []any:
			for i := range v {
				v[i] = swap(v[i])
			}
		default:
			o.m[k] = swap(v)
		}
	}
}

// permissions are accepted for compatibility; usher has no object
// permissions (superusers administer everything), so they are ignored.
func (imp *importer) permissions(e *Entry, model string) {
	if len(e.permissions) == 0 {
		return
	}
	imp.res.Logs = append(imp.res.Logs, imp.line("info", "Entry permissions ignored: usher has no object permissions",
		map[string]any{"entry": e.Index, "id": e.ID, "model": model}))
}
