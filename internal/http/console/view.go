package console

import (
	"log/slog"
	"net/http"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// view is what every page template receives: the shell (brand, user, CSRF
// token, flash messages, navigation) plus the page's own data in P.
type view struct {
	Title     string
	Nav       string // active admin nav key; "" renders the user shell
	User      *store.User
	Brand     store.Brand
	CSRFField string
	CSRF      string
	Flash     []flash
	Back      *link // "back to" link shown above the title
	LogoutURL string
	IsAdmin   bool // show the link to the admin interface
	P         any
}

type link struct{ URL, Label string }

// inlineForm is a form shown inside a page (the "inlineform" partial)
// with the page's CSRF token.
type inlineForm struct {
	CSRFField, CSRF string
	Form            *formDef
}

// Inline pairs f with the page's CSRF token for the "inlineform" partial.
func (v *view) Inline(f *formDef) inlineForm { return inlineForm{v.CSRFField, v.CSRF, f} }

type flash struct {
	Kind string // "ok", "warn", "error"
	Text string
}

const flashKey = "web_flash"

// view builds the shell for r. It takes the flash messages out of the
// session, so the page must be rendered through h.render (which saves it).
func (h *Handler) view(r *http.Request, u *store.User, title, nav string) *view {
	b := h.brandFor(r)
	v := &view{Title: title, Nav: nav, User: u, Brand: b, CSRFField: auth.CSRFField, LogoutURL: h.logoutURLFor(r, b)}
	if u != nil && nav == "" {
		v.IsAdmin, _ = h.App.Store.IsSuperuser(r.Context(), u.PK)
	}
	if s := auth.FromContext(r.Context()); s != nil {
		v.CSRF = auth.CSRFToken(h.App.Secret, s)
		if s.Get(flashKey, &v.Flash) {
			s.Delete(flashKey)
		}
	}
	return v
}

// render saves the session (flash messages were consumed) and writes the
// page with status. It fails before writing anything.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) error {
	body, err := h.tpl.execute(page, v)
	if err != nil {
		return err
	}
	if s := auth.FromContext(r.Context()); s != nil {
		if err := h.App.Sessions.Save(w, r, s); err != nil {
			return err
		}
	}
	writeHTML(w, status, body)
	return nil
}

// writeHTML sends a rendered page; pages show session data, so never cached.
func writeHTML(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// redirect saves the session and sends the browser to url with 303 (a POST
// followed by a GET), adding an optional flash message first. It fails
// before writing anything.
func (h *Handler) redirect(w http.ResponseWriter, r *http.Request, url string, msgs ...flash) error {
	if s := auth.FromContext(r.Context()); s != nil {
		if len(msgs) > 0 {
			var cur []flash
			s.Get(flashKey, &cur)
			s.Set(flashKey, append(cur, msgs...))
		}
		if err := h.App.Sessions.Save(w, r, s); err != nil {
			return err
		}
	}
	httpx.Redirect(w, r, url, "/", http.StatusSeeOther)
	return nil
}

// errorPage shows a short, safe message; details never reach the browser.
// Only showError calls it.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, u *store.User, status int, title, msg string) {
	v := h.view(r, u, title, "")
	v.P = msg
	body, err := h.tpl.execute("error", v)
	if err != nil {
		http.Error(w, msg, status)
		return
	}
	writeHTML(w, status, body)
}

func (h *Handler) log() *slog.Logger {
	if h.App.Log != nil {
		return h.App.Log
	}
	return slog.Default()
}
