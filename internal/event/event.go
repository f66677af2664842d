// Package event records the audit log (authentik's events/models.py Event): who did what, from where,
// with secrets masked before anything reaches the database.
package event

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// Actions usher records.
const (
	ModelCreated    = "model_created"
	ModelUpdated    = "model_updated"
	ModelDeleted    = "model_deleted"
	InvitationUsed  = "invitation_used"
	UserWrite       = "user_write"
	PasswordSet     = "password_set"
	Login           = "login"
	LoginFailed     = "login_failed"
	Logout          = "logout"
	PolicyException = "policy_exception"
	PolicyExecution = "policy_execution"
	SystemException = "system_exception"
	ConfigError     = "configuration_error"
	// ConfigurationWarning: a setting that cannot work as configured.
	ConfigurationWarning = "configuration_warning"
	// SecretView: someone looked at a stored secret (a private key).
	SecretView = "secret_view"
	// AuthorizeApplication: a user was signed in to an application
	// (an authorization code or token was issued for them).
	AuthorizeApplication = "authorize_application"
)

// Mask is what a secret value is replaced with.
const Mask = "********************"

// sensitive is Django's cleanse pattern; these keys are kept as they are.
var (
	sensitive = regexp.MustCompile(`(?i)API|AUTH|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE`)
	keep      = map[string]bool{"passing": true, "password_change_date": true, "auth_method": true, "auth_method_args": true,
		"authorized_application": true}
)

// Cleanse returns a copy of v with every value under a sensitive key masked,
// recursively; times become ISO strings ending in Z. The copy is bounded in
// depth and size (see bound.go): everything an event stores passes here.
func Cleanse(v any) any {
	return (&bounds{}).cleanse(v, 0)
}

func (b *bounds) cleanse(v any, depth int) any {
	if cut, ok := b.admit(v, depth); !ok {
		return cut
	}
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for _, k := range b.keys(t) {
			val := t[k]
			switch {
			case !b.room():
				out[Truncated] = true
			case sensitive.MatchString(k) && !keep[k]:
				out[k] = Mask
			case k == "invitation_uuid":
				out[k] = InvitationRef(val)
			default:
				out[k] = b.cleanse(val, depth+1)
			}
		}
		// An invitation's pk is the token in its link: keep only a prefix.
		if out["model_name"] == "invitation" {
			if pk, ok := out["pk"]; ok {
				out["pk"] = InvitationRef(pk)
			}
		}
		return out
	case map[string]string:
		m := make(map[string]any, len(t))
		for k, val := range t {
			m[k] = val
		}
		return b.cleanse(m, depth)
	case []any:
		out := make([]any, 0, len(t))
		for _, val := range t {
			if !b.room() {
				out = append(out, Truncated)
				break
			}
			out = append(out, b.cleanse(val, depth+1))
		}
		return out
	case time.Time:
		return formatTime(t)
	case *time.Time:
		if t == nil {
			return nil
		}
		return formatTime(*t)
	case string:
		return b.text(t)
	}
	return v
}

// InvitationRef shortens an invitation UUID for events. The UUID is the
// token of the invitation's link, and events are read by operators and
// sent to webhooks, so they carry only its first 8 hex digits plus "…":
// enough to tell invitations apart beside their name, useless as a token.
// (authentik stores the whole UUID; usher deliberately does not.)
func InvitationRef(v any) any {
	s, ok := v.(string)
	if !ok {
		return v
	}
	h := Hex(s)
	if len(h) <= 8 {
		return h
	}
	return h[:8] + "…"
}

// Model renders a reference to a row of model ("app_label.model", a
// store.Model* constant) the way authentik's events do; a UUID pk becomes
// hex without dashes, as Python's uuid.hex.
func Model(model string, pk any, name string) map[string]any {
	if s, ok := pk.(string); ok {
		pk = Hex(s)
	}
	app, modelName, _ := strings.Cut(model, ".")
	return map[string]any{"app": app, "model_name": modelName, "pk": pk, "name": name}
}

// Hex renders a UUID string as authentik's events do (32 hex digits, no
// dashes); other strings are returned unchanged.
func Hex(s string) string {
	if len(s) == 36 && s[8] == '-' && s[13] == '-' && s[18] == '-' && s[23] == '-' {
		return strings.ToLower(s[:8] + s[9:13] + s[14:18] + s[19:23] + s[24:])
	}
	return s
}

// UserRef renders the event's user object; nil means anonymous.
func UserRef(u *store.User) map[string]any {
	if u == nil {
		return map[string]any{"pk": 0, "username": "AnonymousUser", "email": "", "is_anonymous": true}
	}
	return map[string]any{"pk": u.PK, "username": u.Username, "email": u.Email}
}

// Recorder writes events. Retention sets each event's expiry.
type Recorder struct {
	Retention time.Duration
	Now       func() time.Time
	// After, when set, is called with each stored event (webhook
	// notifications hook in here; it runs in the caller's transaction).
	After func(ctx context.Context, q store.Queries, e *store.Event) error
}

// Record stores one event through q (a Store or a transaction). r may be nil
// outside HTTP; data["http_request"], when set, replaces the request
// summary (the executor passes its parsed wrapped query as args).
func (rec *Recorder) Record(ctx context.Context, q store.Queries, r *http.Request, user *store.User, action string, data map[string]any) error {
	return rec.record(ctx, q, r, user, nil, false, action, data)
}

// RecordFor is Record for events during a flow: the event's user is the
// plan's pending user, and whoever sent the request, when someone else, is
// shown under authenticated_as (requester nil: the anonymous user), as
// authentik does.
func (rec *Recorder) RecordFor(ctx context.Context, q store.Queries, r *http.Request, user, requester *store.User, action string, data map[string]any) error {
	return rec.record(ctx, q, r, user, requester, true, action, data)
}

func (rec *Recorder) record(ctx context.Context, q store.Queries, r *http.Request, user, requester *store.User, inFlow bool, action string, data map[string]any) error {
	now := time.Now()
	if rec.Now != nil {
		now = rec.Now()
	}
	ctxData := map[string]any{}
	for k, v := range data {
		ctxData[k] = v
	}
	e := store.Event{Action: action, App: "usher", User: UserRef(user), Created: now,
		Expires: now.Add(rec.retention())}
	if inFlow && user != nil && (requester == nil || requester.PK != user.PK) {
		e.User["authenticated_as"] = UserRef(requester)
	}
	if r != nil {
		e.ClientIP = httpx.ClientIP(r)
		if _, ok := ctxData["http_request"]; !ok {
			args := map[string]any{}
			query := r.URL.Query()
			// The executor's own arguments wrap the flow's query string
			// (?query=itoken%3D…); as in authentik, events show the parsed
			// wrapped query, so its secrets are masked key by key.
			if wrapped, ok := query["query"]; ok && strings.HasPrefix(r.URL.Path, "/api/v3/flows/executor/") {
				if inner, err := url.ParseQuery(wrapped[0]); err == nil {
					query = inner
				}
			}
			for k, vs := range query {
				if len(vs) > 0 {
					args[k] = vs[0]
				}
			}
			ctxData["http_request"] = map[string]any{"path": r.URL.Path, "method": r.Method, "args": args,
				"user_agent": r.UserAgent(), "request_id": httpx.RequestID(r.Context())}
		}
	}
	e.Context = Cleanse(ctxData).(map[string]any)
	if err := q.CreateEvent(ctx, &e); err != nil {
		return err
	}
	if rec.After != nil {
		return rec.After(ctx, q, &e)
	}
	return nil
}

func (rec *Recorder) retention() time.Duration {
	if rec.Retention > 0 {
		return rec.Retention
	}
	return 365 * 24 * time.Hour
}
