package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// /api/v3/policies/all/: every policy (expression and password policies)
// in the base Policy shape, delete, and the test action. The expression
// and binding endpoints are the generic CRUD over their resource kinds.
func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("GET /api/v3/policies/all/", h.superuser(h.policyAllList))
		mux.HandleFunc("GET /api/v3/policies/all/{pk}/", h.superuser(h.policyAllRetrieve))
		mux.HandleFunc("DELETE /api/v3/policies/all/{pk}/", h.superuser(h.policyAllDelete))
		mux.HandleFunc("POST /api/v3/policies/all/{pk}/test/", h.superuser(h.policyTest))
	})
}

// basePolicy renders a policy without the subclass fields, as authentik's
// PolicySerializer does on /policies/all/.
func basePolicy(rc *resource.Ctx, p store.Policy) (map[string]any, error) {
	return resource.PolicyObj(rc, p)
}

func (h *Handler) policyAllList(w http.ResponseWriter, r *http.Request, c *call) error {
	p, ok := pageOf(r)
	if !ok {
		return errInvalidPage
	}
	q := r.URL.Query()
	rc := h.resourceCtx(r, c, h.App.Store)
	policies, err := h.App.Store.ListPolicies(r.Context())
	if err != nil {
		return err
	}
	var inPromptStage map[string]bool
	if q.Get("promptstage__isnull") != "" {
		if inPromptStage, err = h.promptStagePolicies(r); err != nil {
			return err
		}
	}
	objs := make([]map[string]any, 0, len(policies))
	for _, pol := range policies {
		m, err := basePolicy(rc, pol)
		if err != nil {
			return err
		}
		if !isNullFilter(q.Get("bindings__isnull"), m["bound_to"] == 0) ||
			!isNullFilter(q.Get("promptstage__isnull"), !inPromptStage[pol.UUID]) {
			continue
		}
		objs = append(objs, m)
	}
	writePage(w, r, listQuery{Page: p, Ordering: q.Get("ordering"), Search: q.Get("search"), Params: q},
		objs, withAliases(filters("name", "execution_logging"), "policy_uuid", "pk"), []string{"name"}, "name")
	return nil
}

// isNullFilter applies a django-filter `__isnull` parameter: "" keeps
// everything; true keeps objects without the relation.
func isNullFilter(param string, isNull bool) bool {
	switch strings.ToLower(param) {
	case "true", "1":
		return isNull
	case "false", "0":
		return !isNull
	}
	return true
}

// promptStagePolicies lists the policies prompt stages use for validation.
func (h *Handler) promptStagePolicies(r *http.Request) (map[string]bool, error) {
	stages, err := h.App.Store.ListStages(r.Context())
	if err != nil {
		return nil, err
	}
	used := map[string]bool{}
	for _, s := range stages {
		if s.Prompt != nil {
			for _, id := range s.Prompt.ValidationPolicies {
				used[id] = true
			}
		}
	}
	return used, nil
}

func (h *Handler) findPolicy(rc *resource.Ctx, id string) (store.Policy, error) {
	p, err := resource.ExpressionPolicies.Find(rc, map[string]any{"pk": id})
	if _, invalid := err.(*resource.ValidationError); invalid {
		return store.Policy{}, store.ErrNotFound
	}
	return p, err
}

func (h *Handler) policyAllRetrieve(w http.ResponseWriter, r *http.Request, c *call) error {
	rc := h.resourceCtx(r, c, h.App.Store)
	p, err := h.findPolicy(rc, r.PathValue("pk"))
	if err != nil {
		return err
	}
	m, err := basePolicy(rc, p)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (h *Handler) policyAllDelete(w http.ResponseWriter, r *http.Request, c *call) error {
	err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		rc := h.resourceCtx(r, c, q)
		p, err := h.findPolicy(rc, r.PathValue("pk"))
		if err != nil {
			return err
		}
		if err := resource.ExpressionPolicies.Delete(rc, p); err != nil {
			return err
		}
		return h.record(r, q, c, event.ModelDeleted, ref(resource.ExpressionPolicies, p))
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// policyTest runs a policy as a chosen user with a chosen context:
// body {"user": <pk>, "context": {...}}, answer {"passing", "messages",
// "log_messages"}. An exception fails the test with its message.
func (h *Handler) policyTest(w http.ResponseWriter, r *http.Request, c *call) error {
	rc := h.resourceCtx(r, c, h.App.Store)
	p, err := h.findPolicy(rc, r.PathValue("pk"))
	if err != nil {
		return err
	}
	body, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	verr := &resource.ValidationError{}
	var user store.User
	switch raw, given := body["user"]; {
	case !given || raw == nil:
		verr.Add("user", "This field is required.")
	default:
		n, isNum := raw.(float64)
		if !isNum || n != float64(int64(n)) {
			verr.Add("user", fmt.Sprintf("Incorrect type. Expected pk value, received %s.", jsonType(raw)))
		} else if user, err = h.App.Store.GetUser(r.Context(), int64(n)); err != nil {
			verr.Add("user", fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", int64(n)))
		}
	}
	ctxData := map[string]any{}
	if raw, given := body["context"]; given && raw != nil {
		m, isMap := raw.(map[string]any)
		if !isMap {
			verr.Add("context", fmt.Sprintf("Expected a dictionary of items but got type \"%s\".", jsonType(raw)))
		}
		ctxData = m
	}
	if err := verr.Err(); err != nil {
		return err
	}
	res := policy.NewEngine(h.App).Test(r.Context(), h.App.Store, p, &user, ctxData, r)
	logs := make([]any, 0, len(res.LogMessages))
	for _, l := range res.LogMessages {
		logs = append(logs, map[string]any{"timestamp": l.Timestamp.Format(event.TimeFormat), "log_level": l.LogLevel,
			"logger": l.Logger, "event": l.Event, "attributes": event.Cleanse(l.Attributes)})
	}
	msgs := res.Messages
	if msgs == nil {
		msgs = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"passing": res.Passing, "messages": msgs, "log_messages": logs})
	return nil
}
