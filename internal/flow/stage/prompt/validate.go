package prompt

import (
	"encoding/json"
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/store"
)

// Messages the prompt stage answers with (DRF's, where authentik uses DRF).
const (
	msgRequired      = "This field is required."
	msgEmail         = "Enter a valid email address."
	msgInteger       = "A valid integer is required."
	msgDate          = "Date has wrong format. Use one of these formats instead: YYYY-MM-DD."
	msgDateTime      = "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z]."
	msgUsernameTaken = "Username is already taken."
	msgPasswords     = "Passwords don't match."
	msgScheme        = "Invalid scheme"
	msgEncoding      = "Invalid encoding"
	msgPolicy        = "Your answer was not accepted."
)

// Post validates the answer (authentik's PromptChallengeResponse.validate) and merges it into prompt_data.
func (view) Post(ex *flow.Execution, data map[string]any) flow.Response {
	fields, err := build(ex)
	if err != nil {
		return flow.Fail(err)
	}
	errs := flow.Errors{}
	out := map[string]any{}
	shown := map[string]string{}
	var passwords []string
	for _, f := range fields {
		key, t := f.p.FieldKey, f.p.Type
		raw, present := data[key]
		if present && t != "password" && t != "file" {
			shown[key] = formString(raw)
		}
		if t == "password" {
			passwords = append(passwords, formString(raw))
		}
		switch t {
		case "separator":
			continue
		case "hidden", "static", "text_read_only", "text_area_read_only":
			// Never taken from the client: this is how fixed_data is enforced.
			out[key] = fixedDefault(f)
			continue
		}
		if f.locked {
			if s := strings.TrimSpace(formString(raw)); s != "" && !strings.EqualFold(s, f.initial) {
				errs.Add(key, (&flow.InvitationError{Cause: flow.CauseEmail}).Message(), "invalid")
			}
			out[key] = f.initial
			continue
		}
		v, ok, msg, code := validateField(f, raw, present && raw != nil)
		if msg == "" && ok {
			msg, code = userFieldRule(f, v), "invalid"
		}
		if msg != "" {
			errs.Add(key, msg, code)
			continue
		}
		if ok {
			out[key] = v
		}
	}
	taken, err := usernameTaken(ex, fields, out)
	if err != nil {
		return flow.Fail(err)
	}
	if taken != "" {
		errs.Add(taken, msgUsernameTaken, "invalid")
	}
	if len(passwords) == 2 && passwords[0] != passwords[1] {
		errs.Add(flow.NonField, msgPasswords, "invalid")
	}
	if len(errs) == 0 && ex.Stage.Prompt != nil && len(ex.Stage.Prompt.ValidationPolicies) > 0 && ex.Policies != nil {
		msgs, pass, err := runPolicies(ex, out)
		if err != nil {
			return flow.Fail(err)
		}
		if !pass {
			if len(msgs) == 0 {
				msgs = []string{msgPolicy}
			}
			for _, m := range msgs {
				errs.Add(flow.NonField, m, "invalid")
			}
		}
	}
	if len(errs) > 0 {
		return flow.AskAgain(promptChallenge(fields, shown), errs)
	}
	pd := ex.PromptData()
	for k, v := range out {
		pd[k] = v
	}
	pd["component"] = Component
	return flow.Passed()
}

// fixedDefault is the value of a field the client cannot set: the initial
// value, else the placeholder for hidden and static fields.
func fixedDefault(f field) string {
	if f.initial != "" {
		return f.initial
	}
	if f.p.Type == "hidden" || f.p.Type == "static" {
		return f.placeholder
	}
	return ""
}

// validateField checks one value. ok is false when the key is left out of
// prompt_data (an optional field the client did not send).
func validateField(f field, raw any, present bool) (v any, ok bool, msg, code string) {
	t := f.p.Type
	required := f.p.Required && f.initial == "" // a default makes a field optional
	if t == "checkbox" {
		if !present {
			return false, true, "", ""
		}
		return truthy(raw), true, "", ""
	}
	if !present {
		if f.initial != "" {
			raw, present = f.initial, true
		} else if required {
			return nil, false, msgRequired, "required"
		} else {
			return nil, false, "", ""
		}
	}
	s := formString(raw)
	switch t {
	case "text", "text_area", "ak-locale":
		if s == "" && required && t != "ak-locale" {
			return nil, false, msgRequired, "required"
		}
		return s, true, "", ""
	}
	s = strings.TrimSpace(s)
	if s == "" && f.p.Required && (t == "radio-button-group" || t == "dropdown") && !hasChoice(f.choices, "") {
		// The first choice is the default, but an explicit "" is still no
		// choice (DRF's ChoiceField refuses blank).
		return nil, false, `"" is not a valid choice.`, "invalid_choice"
	}
	if s == "" {
		if required {
			return nil, false, msgRequired, "required"
		}
		if t == "number" || t == "date" || t == "date-time" || t == "file" {
			return nil, true, "", ""
		}
		return "", true, "", ""
	}
	switch t {
	case "email":
		if !validEmail(s) {
			return nil, false, msgEmail, "invalid"
		}
	case "number":
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, false, msgInteger, "invalid"
		}
		return n, true, "", ""
	case "date":
		d, err := time.Parse("2006-01-02", s)
		if err != nil {
			return nil, false, msgDate, "invalid"
		}
		if msg := fieldrule.Time(d); msg != "" { // 0000-01-01 parses
			return nil, false, msg, "invalid"
		}
		return d.Format("2006-01-02"), true, "", ""
	case "date-time":
		d, ok := parseDateTime(s)
		if !ok {
			return nil, false, msgDateTime, "invalid"
		}
		// Kept as text in the user's attributes, where a five-digit or
		// negative year would no longer be RFC 3339.
		if msg := fieldrule.Time(d); msg != "" {
			return nil, false, msg, "invalid"
		}
		return d.UTC().Format("2006-01-02T15:04:05Z"), true, "", ""
	case "file":
		if !strings.HasPrefix(s, "data:") {
			return nil, false, msgScheme, "invalid"
		}
		if meta, _, ok := strings.Cut(s, ","); !ok || !strings.HasSuffix(meta, ";base64") {
			return nil, false, msgEncoding, "invalid"
		}
	case "radio-button-group", "dropdown":
		if !hasChoice(f.choices, s) {
			return nil, false, `"` + s + `" is not a valid choice.`, "invalid_choice"
		}
	}
	return s, true, "", ""
}

var dateTimeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"}

func parseDateTime(s string) (time.Time, bool) {
	for _, l := range dateTimeLayouts {
		if d, err := time.Parse(l, s); err == nil {
			return d, true
		}
	}
	return time.Time{}, false
}

// validEmail is Django's check in spirit: one @, a non-empty local part, a
// dotted domain of letters, digits and hyphens, no spaces or display name.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") {
		return false
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127) {
				return false
			}
		}
	}
	return true
}

// usernameTaken returns the field key to blame when a username field's
// value belongs to another user (the pending user's own name is fine).
func usernameTaken(ex *flow.Execution, fields []field, out map[string]any) (string, error) {
	pending, err := ex.PendingUser()
	if err != nil {
		return "", err
	}
	for _, f := range fields {
		if f.p.Type != "username" {
			continue
		}
		name, _ := out[f.p.FieldKey].(string)
		if name == "" || (pending != nil && pending.Username == name) {
			continue
		}
		_, err := ex.Store().GetUserByUsername(ex.Ctx(), name)
		if err == nil {
			return f.p.FieldKey, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return "", err
		}
	}
	return "", nil
}

// runPolicies runs the stage's validation policies; they see only this
// submission as prompt_data (authentik's PromptChallengeResponse.validate).
func runPolicies(ex *flow.Execution, out map[string]any) ([]string, bool, error) {
	user, err := ex.PendingUser()
	if err != nil {
		return nil, false, err
	}
	if user == nil {
		if user, err = ex.RequestUser(); err != nil {
			return nil, false, err
		}
	}
	sub := make(map[string]any, len(out))
	for k, v := range out {
		sub[k] = v
	}
	req := policyRequest(ex, user, sub)
	res, err := ex.Policies.EvaluatePolicies(ex.Ctx(), ex.Store(), ex.Stage.Prompt.ValidationPolicies, req)
	if err != nil {
		return nil, false, err
	}
	return res.Messages, res.Passing, nil
}

func truthy(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case float64:
		return t != 0
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true", "on", "1", "yes":
			return true
		}
	}
	return false
}

// formString renders a submitted value as text.
func formString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	}
	return jsonString(v)
}

func jsonString(v any) string {
	switch t := v.(type) {
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
