package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/policy"
	"github.com/usher-id/usher/internal/store"
)

type policyTestPage struct {
	Policy store.Policy
	Form   *formDef
	Result *policyTestResult
}

type policyTestResult struct {
	User     string
	Passing  bool
	Messages []string
	Logs     []policyLogLine
}

type policyLogLine struct {
	Time, Level, Logger, Event, Attributes string
}

func policyTestForm(p store.Policy) *formDef {
	return &formDef{
		Action: "/if/admin/policies/" + url.PathEscape(p.UUID) + "/test/", Submit: "Run test", Cancel: "/if/admin/policies/",
		Fields: []*field{
			{Name: "user", Label: "User", Kind: "text", Required: true, Autocomplete: "off",
				Help: "Username (or numeric ID) of the user the policy runs as: request.user."},
			{Name: "context", Label: "Context", Kind: "code",
				Help: "Optional JSON or YAML mapping, available to the expression as context (and request.context). Example: prompt_data: {email: jane@example.com}"},
		},
	}
}

func (h *Handler) renderPolicyTest(w http.ResponseWriter, r *http.Request, u *store.User, status int, p policyTestPage) error {
	v := h.view(r, u, "Test policy "+p.Policy.Name, "policies")
	v.Back = &link{URL: "/if/admin/policies/", Label: "Policies"}
	v.P = p
	return h.render(w, r, status, "policy_test", v)
}

// policyTestShow is a policy's Test page: choose a user and a context.
func (h *Handler) policyTestShow(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.Policy], p store.Policy) error {
	f := policyTestForm(p)
	f.fill(url.Values{"user": {u.Username}, "context": {"{}"}})
	return h.renderPolicyTest(w, r, u, http.StatusOK, policyTestPage{Policy: p, Form: f})
}

// policyTestRun evaluates the policy as the API's test action does and
// shows passing, messages and what the expression logged.
func (h *Handler) policyTestRun(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.Policy], p store.Policy) error {
	f := policyTestForm(p)
	if err := r.ParseForm(); err != nil {
		return errBadForm
	}
	f.fill(r.PostForm)
	page := policyTestPage{Policy: p, Form: f}
	user, err := h.userByNameOrPK(r, r.PostForm.Get("user"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		f.addError("user", "No user with this username or ID. Enter the username of an existing user.")
	case err != nil:
		return err
	}
	data, err := parseAttributes(r.PostForm.Get("context"))
	if err != nil {
		f.addError("context", err.Error())
	}
	if f.hasErrors() {
		return h.renderPolicyTest(w, r, u, http.StatusUnprocessableEntity, page)
	}
	res := policy.NewEngine(h.App).Test(r.Context(), h.App.Store, p, &user, data, r)
	out := &policyTestResult{User: user.Username, Passing: res.Passing, Messages: res.Messages}
	for _, l := range res.LogMessages {
		line := policyLogLine{Time: l.Timestamp.UTC().Format("15:04:05.000"), Level: l.LogLevel, Logger: l.Logger, Event: l.Event}
		if len(l.Attributes) > 0 {
			line.Attributes = prettyJSON(event.Cleanse(l.Attributes))
		}
		out.Logs = append(out.Logs, line)
	}
	page.Result = out
	return h.renderPolicyTest(w, r, u, http.StatusOK, page)
}

// userByNameOrPK finds a user by username, or by primary key when the text
// is a number that is nobody's username.
func (h *Handler) userByNameOrPK(r *http.Request, text string) (store.User, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return store.User{}, store.ErrNotFound
	}
	u, err := h.App.Store.GetUserByUsername(r.Context(), text)
	if !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	if pk, perr := strconv.ParseInt(text, 10, 64); perr == nil {
		return h.App.Store.GetUser(r.Context(), pk)
	}
	return u, err
}
