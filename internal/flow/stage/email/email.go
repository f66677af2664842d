// Package email is the email stage (authentik's stages/email/stage.py): it
// mails the pending user a link that resumes the flow where it stopped, on
// any instance (flow.NewFlowToken), and shows "check your email" until then.
//
// It differs from authentik on purpose:
//   - the link is used up only when the resumed flow does its work (the new
//     password is saved, the account logs in), not when it is opened; and
//     the page the link opens asks for one click before the flow goes on,
//     so a mail scanner or a link preview that follows it changes nothing;
//   - in a recovery flow an unknown, inactive or address-less account gets
//     the same page and the same timing as a real one, and nothing is sent
//     (authentik pretends only for unknown identifiers); an inactive account
//     is never reactivated by recovering it;
//   - requests are rate limited per client address (the address limit) and
//     per typed identifier (recovery_max_attempts per recovery_cache_timeout),
//     whether or not an account matches.
package email

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/flow/stage/password"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
)

// Component is the challenge component.
const Component = "ak-stage-email"

// Plan-context keys (authentik's PLAN_CONTEXT_EMAIL_SENT and
// PLAN_CONTEXT_EMAIL_OVERRIDE).
const (
	CtxEmailSent     = "email_sent"
	CtxEmailOverride = "email"
)

// RecoveryAttempt counts recovery emails asked for.
const RecoveryAttempt = "recovery_email"

const (
	msgNoUser      = "No pending user."
	msgTokenUser   = "This link was made for another account."
	msgTemplateBad = "The email could not be prepared. Please contact your administrator."
	titleSent      = "Email sent."
)

type view struct{}

func init() { flow.RegisterStage(store.StageEmail, view{}) }

func settings(ex *flow.Execution) *store.EmailStageSettings {
	if ex.Stage.Email != nil {
		return ex.Stage.Email
	}
	d, _ := store.NewStage(store.StageEmail, "")
	return d.Email
}

// Get sends the email once per plan and shows "check your email"; opened
// from the link, it asks to continue.
func (view) Get(ex *flow.Execution) flow.Response {
	if ex.Restored() {
		if resp, ok := checkRestored(ex); !ok {
			return resp
		}
		return flow.Ask(&flow.EmailChallenge{Common: flow.Common{Component: Component}, Title: titleSent, Restored: true})
	}
	if resp, ok := trusted(ex); ok {
		return resp
	}
	if _, sent := ex.Context()[CtxEmailSent]; !sent {
		if resp, ok := send(ex); !ok {
			return resp
		}
		ex.Context()[CtxEmailSent] = true
	}
	return flow.Ask(sentChallenge())
}

// Post continues a flow opened from the link; otherwise it sends the email
// again (authentik's challenge_invalid resends).
func (view) Post(ex *flow.Execution, _ map[string]any) flow.Response {
	if ex.Restored() {
		if resp, ok := checkRestored(ex); !ok {
			return resp
		}
		return flow.Passed()
	}
	if resp, ok := send(ex); !ok {
		return resp
	}
	ex.Context()[CtxEmailSent] = true
	return flow.Ask(sentChallenge())
}

func sentChallenge() *flow.EmailChallenge {
	return &flow.EmailChallenge{Common: flow.Common{Component: Component}, Title: titleSent}
}

// checkRestored refuses a link used for another account than it was made
// for (a stage in between changed the pending user), as authentik does.
func checkRestored(ex *flow.Execution) (flow.Response, bool) {
	u, err := pendingUser(ex)
	if err != nil {
		return flow.Fail(err), false
	}
	if u == nil || !ex.RestoredFor(u.PK) {
		return flow.Invalid(msgTokenUser), false
	}
	return flow.Response{}, true
}

// send mails the link, or pretends to in a recovery flow. ok false ends
// the request with resp.
func send(ex *flow.Execution) (resp flow.Response, ok bool) {
	s := settings(ex)
	recovery := ex.Flow.Designation == store.DesignationRecovery
	u, err := pendingUser(ex)
	if err != nil {
		return flow.Fail(err), false
	}
	typed, _ := ex.Context()[password.CtxIdentifier].(string)
	if u == nil && !(recovery && typed != "") {
		return flow.Invalid(msgNoUser), false
	}
	if retry, over := throttle(ex, s, u, typed); over {
		return flow.Limited(retry), false
	}
	to := ""
	if u != nil {
		to = recipient(ex, u)
	}
	if recovery && (u == nil || !u.IsActive || to == "") {
		// Nothing to send: say the same as when something is sent.
		return flow.Response{}, true
	}
	if to == "" {
		ex.Log().WarnContext(ex.Ctx(), "email stage: pending user has no email address", "stage", ex.Stage.Name)
		return flow.Invalid(msgNoUser), false
	}
	expiry, err := resource.ParseTimedelta(s.TokenExpiry)
	if err != nil || expiry <= 0 {
		expiry = 30 * time.Minute
	}
	expires := ex.Now().Add(expiry)
	snapshot := *ex.Plan
	snapshot.Context = withoutSecrets(ex.Plan.Context)
	err = ex.Store().Tx(ex.Ctx(), func(q store.Queries) error {
		key, err := flow.NewFlowToken(ex, q, ex.Flow, &snapshot, u, ex.Stage.UUID, to,
			"ak-email-stage-"+ex.Stage.Name, expires)
		if err != nil {
			return err
		}
		link := flow.TokenLink(httpx.BaseURL(ex.R), ex.Flow.Slug, key, keep(ex.Query))
		return Enqueue(ex.Ctx(), ex.App, q, ex.Stage, *u, to, link, expires, httpx.BaseURL(ex.R))
	})
	var terr *mail.TemplateError
	switch {
	case errors.As(err, &terr):
		ex.Log().ErrorContext(ex.Ctx(), "email stage: template", "stage", ex.Stage.Name, "err", err)
		return flow.Invalid(msgTemplateBad), false
	case err != nil:
		return flow.Fail(err), false
	}
	return flow.Response{}, true
}

// throttle counts one email request against the client address and the
// identifier (what was typed, else the username), whether or not an
// account matches, so the limit itself reveals nothing.
func throttle(ex *flow.Execution, s *store.EmailStageSettings, u *store.User, typed string) (time.Duration, bool) {
	target := typed
	if target == "" && u != nil {
		target = u.Username
	}
	window, err := resource.ParseTimedelta(s.RecoveryCacheTimeout)
	if err != nil || window < time.Second {
		window = 5 * time.Minute
	}
	keys := []string{ratelimit.IPKey(RecoveryAttempt, httpx.ClientIP(ex.R))}
	if s.RecoveryMaxAttempts > 0 && target != "" {
		keys = append(keys, ratelimit.TargetKey(RecoveryAttempt, "user", target))
	}
	return ex.Throttle(ratelimit.Rule{Limit: s.RecoveryMaxAttempts, Window: window}, keys...)
}

// keep is the part of the flow's query the link carries on (next=).
func keep(q url.Values) url.Values {
	out := url.Values{}
	if n := q.Get("next"); n != "" {
		out.Set("next", n)
	}
	return out
}

// withoutSecrets copies a plan context for a token row, without the
// passwords prompts collected: the resumed flow never needs them again
// (the user write stage has stored the hash), and the row outlives the
// session.
func withoutSecrets(c map[string]any) map[string]any {
	out := make(map[string]any, len(c))
	for k, v := range c {
		out[k] = v
	}
	if pd, ok := c[flow.CtxPromptData].(map[string]any); ok {
		clean := make(map[string]any, len(pd))
		for k, v := range pd {
			if !strings.Contains(strings.ToLower(k), "password") {
				clean[k] = v
			}
		}
		out[flow.CtxPromptData] = clean
	}
	return out
}

// Enqueue queues the stage's email to u at address to through q (the
// transaction that created the link's token), with the stage's subject and
// template, sent with its own SMTP settings unless it uses the global ones.
// The API's recovery_email calls it too.
func Enqueue(ctx context.Context, a *app.App, q store.Queries, stage store.Stage, u store.User, to, link string, expires time.Time, base string) error {
	s := stage.Email
	if s == nil {
		d, _ := store.NewStage(store.StageEmail, "")
		s = d.Email
	}
	tmpl, err := mail.ResolveTemplate(a.TemplatesDir, s.Template)
	if err != nil {
		return err
	}
	host := base
	if pu, err := url.Parse(base); err == nil && pu.Host != "" {
		host = pu.Host
	}
	title := brand.Title(brand.Builtin)
	if b, err := brand.ForHost(ctx, q, host); err == nil {
		title = brand.Title(b)
	}
	name := u.Name
	if name == "" {
		name = u.Username
	}
	msg := mail.Message{To: []string{to}, Subject: s.Subject, Template: tmpl,
		Context: map[string]any{"url": link, "expires": expires.UTC().Format("2006-01-02 15:04 UTC"), "host": host,
			"brand": title, "name": name, "username": u.Username}}
	if !s.UseGlobalSettings {
		msg.Stage = stage.UUID
	}
	_, err = mail.Enqueue(ctx, q, msg)
	return err
}

// trusted passes the stage without mailing when the invitation in effect
// was bound to the pending user's address and its stage trusts it
// (trust_invitation_email): the administrator's invitation already proved
// the address. The address is marked verified and, with
// activate_user_on_success, the account activated, as a followed link
// would. ok false: the stage mails as usual.
func trusted(ex *flow.Execution) (flow.Response, bool) {
	addr, _ := ex.Context()[flow.CtxInvitationEmailVerified].(string)
	if addr == "" {
		return flow.Response{}, false
	}
	u, err := ex.PendingUser()
	if err != nil {
		return flow.Fail(err), true
	}
	if u == nil || !strings.EqualFold(strings.TrimSpace(u.Email), strings.TrimSpace(addr)) {
		return flow.Response{}, false
	}
	s := settings(ex)
	fresh := *u
	err = ex.Store().Tx(ex.Ctx(), func(q store.Queries) error {
		changed := false
		if s.ActivateUserOnSuccess && !fresh.IsActive {
			if err := user.SetActive(ex.Ctx(), q, &fresh, true); err != nil {
				return err
			}
			changed = true
		}
		verified, err := user.MarkEmailVerified(ex.Ctx(), q, &fresh, addr)
		if err != nil {
			return err
		}
		if changed || verified {
			return ex.Record(q, &fresh, event.ModelUpdated, map[string]any{"model": event.Model(store.ModelUser, fresh.PK, fresh.Username)})
		}
		return nil
	})
	if err != nil {
		return flow.Fail(err), true
	}
	ex.SetPendingUser(&fresh)
	return flow.Passed(), true
}

// pendingUser is the user the stage mails: the flow's pending user, else
// the signed-in user (authentik's StageView.get_pending_user).
func pendingUser(ex *flow.Execution) (*store.User, error) {
	u, err := ex.PendingUser()
	if err != nil || u != nil {
		return u, err
	}
	return ex.RequestUser()
}

// recipient is where the link goes: the plan's "email" (authentik's
// PLAN_CONTEXT_EMAIL_OVERRIDE), else a new address the flow collected
// before this stage (prompt_data email, different from the account's: a
// user settings flow verifies the address it is about to save), else the
// account's address.
func recipient(ex *flow.Execution, u *store.User) string {
	if o, _ := ex.Context()[CtxEmailOverride].(string); strings.TrimSpace(o) != "" {
		return strings.TrimSpace(o)
	}
	if ex.HasPromptData() {
		if n, _ := ex.PromptData()["email"].(string); strings.TrimSpace(n) != "" &&
			!strings.EqualFold(strings.TrimSpace(n), strings.TrimSpace(u.Email)) {
			return strings.TrimSpace(n)
		}
	}
	return strings.TrimSpace(u.Email)
}
