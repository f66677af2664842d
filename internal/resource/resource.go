// Package resource describes each authentik model usher supports in one
// place: how to validate incoming data (the API serializer's rules), how to
// render an object (the API's JSON shape), how to find one by blueprint
// identifiers, and how to save or delete it. The REST API and the blueprint
// importer both go through it, so a blueprint entry is validated exactly as
// the same data posted to the API would be.
package resource

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/store"
)

// Object is a row whose model is known only by name: a store value
// (store.Flow, store.Stage, ...) behind a Kind.
type Object any

// Ctx carries what validation and saving may need besides the data.
type Ctx struct {
	// Context is the request's context (Background when nil).
	Context context.Context
	Q       store.Queries
	// User is the requesting user (API) or nil (blueprint, CLI).
	User *store.User
	// Blueprint marks a blueprint apply: e.g. invitation created_by becomes
	// writable and a pk identifier may set the new object's primary key.
	Blueprint bool
	// BaseURL is the scheme and host used to build absolute links.
	BaseURL string
	Now     time.Time
	// Strict makes keys a model does not have a validation error naming the
	// key (the blueprint importer sets it); otherwise they are ignored, as
	// DRF does for the API.
	Strict bool
	// Ignored, when set with Strict, receives each key the model does not
	// have instead of failing on it: authentik's serializers ignore such
	// keys, so a blueprint written for another authentik version still
	// applies, and the importer logs a warning naming the key.
	Ignored func(key, msg string)
	// Warn, when set, receives warnings about values that were accepted
	// but deserve a look (an expression usher had to re-indent): the API
	// answers them under "warnings", the console shows them, the
	// blueprint importer logs them.
	Warn func(field, msg string)
	// Full marks a replacing update (the API's PUT): required fields must be
	// present, as on create.
	Full bool
	// Passwords hashes a user "password" given in a blueprint.
	Passwords *auth.Passwords
	// BlueprintsDir is where a blueprint instance's path must point
	// (BlueprintCheck reads it).
	BlueprintsDir string
	// TemplatesDir holds custom email templates (USHER_TEMPLATES_DIR); the
	// email stage's template must name one of them or a built-in one.
	TemplatesDir string

	memo map[string]any // per-call cache of looked-up rows for Serialize
}

func (c *Ctx) ctx() context.Context {
	if c.Context != nil {
		return c.Context
	}
	return context.Background()
}

func (c *Ctx) now() time.Time {
	if c.Now.IsZero() {
		return time.Now()
	}
	return c.Now
}

// Kind is a Model with its row type erased, for the callers that pick a
// model by name: the blueprint importer and exporter, the API's generic
// CRUD endpoints and the console's entity pages. Every function receives
// the Ctx (and its Queries, which may be a transaction). Code that knows
// its model calls the typed Model (Flows, Invitations, ...) instead.
type Kind struct {
	// Model is authentik's "app_label.model" name, lower case.
	Model string
	// Verbose names, as the API exposes them.
	VerboseName, VerboseNamePlural string
	// Find returns the object matching blueprint identifiers: "pk" OR the
	// AND of all other keys. store.ErrNotFound when nothing matches; a
	// *ValidationError naming the key for an identifier field that does not
	// exist.
	Find func(c *Ctx, ids map[string]any) (Object, error)
	// Save validates data and writes it. With existing == nil it creates;
	// otherwise only keys present in data change (partial update; the API's
	// PUT passes every writable field). Validation failures return
	// *ValidationError and write nothing.
	Save func(c *Ctx, existing Object, data map[string]any) (Object, error)
	// Delete removes the object (with the database's cascades).
	Delete func(c *Ctx, obj Object) error
	// Serialize renders the object as the API does.
	Serialize func(c *Ctx, obj Object) (map[string]any, error)
	// PK returns the value !KeyOf yields for the object (the API "pk").
	PK func(obj Object) any
	// Name is the object's display name (audit events' model.name).
	Name func(obj Object) string
	// List returns every object of the kind (the API lists small tables
	// with it; users and invitations page in SQL instead).
	List func(c *Ctx) ([]Object, error)
	// Fields are the serializer's field names, in order.
	Fields []string
}

var registry = map[string]*Kind{}

// Register adds a hand-made kind (tests use it for models usher does not
// have), checking text as a Model does. Model files use define instead.
func Register(k *Kind) {
	guardText(k)
	add(k)
}

func add(k *Kind) {
	name := strings.ToLower(k.Model)
	if _, dup := registry[name]; dup {
		panic("resource: duplicate model " + name)
	}
	registry[name] = k
}

// Lookup returns the kind for "app_label.model" (the model part is
// case-insensitive, as in authentik).
func Lookup(model string) (*Kind, bool) {
	k, ok := registry[strings.ToLower(model)]
	return k, ok
}

// Models lists the registered model names, sorted.
func Models() []string {
	out := make([]string, 0, len(registry))
	for m := range registry {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

// ValidationError holds per-field messages in DRF's shape:
// {"field": ["message", ...]}; "non_field_errors" for the object as a whole.
type ValidationError struct {
	Fields map[string][]string
	// cause is the store error behind the messages (ErrConflict for a
	// unique violation), so callers can tell a lost race from bad input.
	cause error
}

// Unwrap returns the store error behind the messages, if any.
func (e *ValidationError) Unwrap() error { return e.cause }

// NewValidationError returns an error for one field.
func NewValidationError(field, msg string) *ValidationError {
	return &ValidationError{Fields: map[string][]string{field: {msg}}}
}

// Add appends a message for field.
func (e *ValidationError) Add(field, msg string) {
	if e.Fields == nil {
		e.Fields = map[string][]string{}
	}
	e.Fields[field] = append(e.Fields[field], msg)
}

// Empty reports whether no message was added.
func (e *ValidationError) Empty() bool { return e == nil || len(e.Fields) == 0 }

// Err returns e, or nil when it holds nothing (so callers can collect
// messages and return v.Err()).
func (e *ValidationError) Err() error {
	if e.Empty() {
		return nil
	}
	return e
}

func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", k, strings.Join(e.Fields[k], " "))
	}
	return b.String()
}
