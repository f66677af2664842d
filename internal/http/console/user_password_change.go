package console

import (
	"context"
	"net/http"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

func passwordForm(vals map[string]string) *formDef {
	return &formDef{
		Action: "/if/user/password/", Submit: "Change password",
		Fields: []*field{
			{Name: "current_password", Label: "Current password", Kind: "password", Required: true, Autocomplete: "current-password"},
			{Name: "new_password", Label: "New password", Kind: "password", Required: true, Autocomplete: "new-password"},
			{Name: "new_password_repeat", Label: "New password (repeat)", Kind: "password", Required: true, Autocomplete: "new-password"},
		},
	}
}

// userPasswordChange checks the current password, stores the new hash,
// records password_set and signs out the user's other sessions.
func (h *Handler) userPasswordChange(w http.ResponseWriter, r *http.Request, u *store.User) error {
	if u.Type != store.UserTypeInternal && u.Type != "" {
		_, err := h.internalOnly(w, r, u)
		return err
	}
	cur, n1, n2 := r.PostFormValue("current_password"), r.PostFormValue("new_password"), r.PostFormValue("new_password_repeat")
	f := passwordForm(nil)
	if cur == "" {
		f.field("current_password").Errors = []string{"This field is required."}
	} else {
		// Under the login limits (per address and per username): a stolen
		// session must not be a way to guess the password without them.
		res := auth.CheckPassword(r.Context(), h.limiter, h.App.Passwords, u.Password, u.Username, cur, httpx.ClientIP(r))
		if res.Limited {
			ratelimit.WritePage(w, res.RetryAfter)
			return nil
		}
		if !res.OK {
			f.field("current_password").Errors = []string{"The current password is not correct."}
		}
	}
	switch {
	case n1 == "":
		f.field("new_password").Errors = []string{"This field is required."}
	case n1 != n2:
		f.field("new_password_repeat").Errors = []string{"Passwords don't match."}
	}
	if f.hasErrors() {
		return h.renderUserPage(w, r, u, http.StatusUnprocessableEntity, f)
	}
	keep := ""
	if sess := auth.FromContext(r.Context()); sess != nil {
		keep = auth.HashID(sess.ID)
	}
	err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		return user.SetPassword(r.Context(), q, h.App.Passwords, h.App.Clock(), h.audit(r), u, n1, keep)
	})
	if err != nil {
		return err
	}
	return h.redirect(w, r, "/if/user/", flash{"ok", "Your password was changed. Other sessions were signed out."})
}

// audit is the domain services' event recorder for changes made through r.
func (h *Handler) audit(r *http.Request) user.Audit {
	return user.RequestAudit(r.Context(), h.App.Events, r)
}

// record writes an audit event when the app has a recorder.
func (h *Handler) record(ctx context.Context, q store.Queries, r *http.Request, u *store.User, action string, data map[string]any) error {
	if h.App.Events == nil {
		return nil
	}
	return h.App.Events.Record(ctx, q, r, u, action, data)
}
