package resource

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/store"
)

// cached memoizes a lookup for the lifetime of c (one request or apply),
// so serializing a page of objects does not fetch the same flow twenty times.
func cached[T any](c *Ctx, key string, load func() (T, error)) (T, error) {
	if v, ok := c.memo[key].(T); ok {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	if c.memo == nil {
		c.memo = map[string]any{}
	}
	c.memo[key] = v
	return v, nil
}

// forget drops memoized rows after a write.
func (c *Ctx) forget() { c.memo = nil }

func (c *Ctx) flow(id string) (store.Flow, error) {
	return cached(c, "flow:"+id, func() (store.Flow, error) { return c.Q.GetFlow(c.ctx(), id) })
}

func (c *Ctx) user(pk int64) (store.User, error) {
	return cached(c, fmt.Sprintf("user:%d", pk), func() (store.User, error) { return c.Q.GetUser(c.ctx(), pk) })
}

func (c *Ctx) bindings() ([]store.FlowStageBinding, error) {
	return cached(c, "bindings", func() ([]store.FlowStageBinding, error) { return c.Q.ListBindings(c.ctx(), "") })
}

func (c *Ctx) policyBindings() ([]store.PolicyBinding, error) {
	return cached(c, "policybindings", func() ([]store.PolicyBinding, error) { return c.Q.ListPolicyBindings(c.ctx(), "") })
}

// exists returns a reference check for a UUID-keyed table.
func exists[T any](c *Ctx, get func(c *Ctx, id string) (T, error)) func(string) bool {
	return func(id string) bool {
		_, err := get(c, id)
		return err == nil
	}
}

func getFlow(c *Ctx, id string) (store.Flow, error)     { return c.Q.GetFlow(c.ctx(), id) }
func getStage(c *Ctx, id string) (store.Stage, error)   { return c.Q.GetStage(c.ctx(), id) }
func getGroup(c *Ctx, id string) (store.Group, error)   { return c.Q.GetGroup(c.ctx(), id) }
func getPrompt(c *Ctx, id string) (store.Prompt, error) { return c.Q.GetPrompt(c.ctx(), id) }
func getPolicy(c *Ctx, id string) (store.Policy, error) { return c.Q.GetPolicy(c.ctx(), id) }
func getApp(c *Ctx, id string) (store.Application, error) {
	return c.Q.GetApplication(c.ctx(), id)
}

// conflict turns a unique violation from the store into the serializer's
// message on the unique field; other errors pass through.
func conflict(err error, field, msg string) error {
	if errors.Is(err, store.ErrConflict) {
		v := NewValidationError(field, msg)
		v.cause = err
		return v
	}
	return err
}

// uniqueMsg is Django's unique message as DRF renders it: model is the
// model's verbose_name as authentik declares it ("Flow", "Prompt", ...;
// the Stage base model has none, so "stage").
func uniqueMsg(model, field string) string {
	return fmt.Sprintf("%s with this %s already exists.", model, field)
}

// setPK applies a blueprint "pk" identifier to a new object.
func setPK(c *Ctx, in *input, dst *string) {
	if !c.Blueprint || !in.create {
		in.readOnly("pk")
		return
	}
	raw, ok := in.get("pk")
	if !ok || raw == nil {
		return
	}
	s, _ := asString(raw)
	id, good := NormUUID(s)
	if !good {
		in.fail("pk", fmt.Sprintf("“%s” is not a valid UUID.", fmt.Sprint(raw)))
		return
	}
	*dst = id
}

func fmtTimePtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return fieldrule.FormatTime(*t)
}

func strPtr(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// UserUID is the user's stable opaque id (authentik's "uid"): the hex
// SHA-256 of the user's UUID. usher has no install id to mix in; the UUID
// is already random.
func UserUID(u store.User) string {
	sum := sha256.Sum256([]byte(u.UUID))
	return hex.EncodeToString(sum[:])
}

// BackgroundURL is the default flow background (authentik's flows/models.py Flow).
const BackgroundURL = "/static/dist/assets/images/flow_background.jpg"

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func itoa(n int) string { return strconv.Itoa(n) }
