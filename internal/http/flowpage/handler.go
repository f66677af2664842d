// Package flowpage serves flows as server-rendered HTML pages at
// /if/flow/<slug>/: one form per challenge, working without JavaScript,
// over the same executor as the JSON API. The page's own query string is
// the flow's wrapped query, so /if/flow/<slug>/?itoken=<uuid> works as
// printed in invitations.
package flowpage

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"html/template"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/flow"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

//go:embed templates/flow.html
var templateFS embed.FS

//go:embed static/flow.css
var css []byte

// script is the one script of the flow pages: it runs the WebAuthn
// ceremony (navigator.credentials), which no HTML form can do.
//
//go:embed static/webauthn.js
var script []byte

var (
	tmpl    = template.Must(template.ParseFS(templateFS, "templates/flow.html"))
	cssHash = func() string { s := sha256.Sum256(css); return hex.EncodeToString(s[:])[:12] }()
	// CSSPath is where the stylesheet is served.
	CSSPath    = "/if/flow/-/static/flow.css"
	scriptHash = func() string { s := sha256.Sum256(script); return hex.EncodeToString(s[:])[:12] }()
	// ScriptPath is where the WebAuthn script is served (same origin, so
	// the CSP's script-src 'self' allows it and nothing else).
	ScriptPath = "/if/flow/-/static/webauthn.js"
)

// Handler serves the flow pages.
type Handler struct {
	Exec *flow.Executor
}

// Mount registers the routes.
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /if/flow/{slug}/", h.serve)
	mux.HandleFunc("POST /if/flow/{slug}/", h.serve)
	mux.HandleFunc("POST /if/flow/{slug}/-/invitation/{action}/", h.invitationPost)
	mux.HandleFunc("GET "+CSSPath, serveCSS)
	mux.HandleFunc("GET "+ScriptPath, serveScript)
}

func serveScript(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	if r.URL.Query().Get("v") == scriptHash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	_, _ = w.Write(script)
}

func serveCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	if r.URL.Query().Get("v") == cssHash {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "public, max-age=300")
	}
	_, _ = w.Write(css)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	a := h.Exec.App
	w.Header().Set("Cache-Control", "no-store")
	slug := r.PathValue("slug")
	if !flow.SlugPattern.MatchString(slug) {
		h.message(w, r, a.Store, http.StatusNotFound, "Page not found", "There is no such page. Check the link you followed.")
		return
	}
	sess, err := h.Exec.Session(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if r.Method == http.MethodGet && r.URL.Query().Get("itoken") != "" && h.existingAccount(w, r, sess, slug) {
		return
	}
	var data map[string]any

	if r.Method == http.MethodPost {
		data, err = readForm(w, r, a.MaxBodyBytes)
		if err != nil {
			h.message(w, r, a.Store, http.StatusBadRequest, "Could not read the form", err.Error())
			return
		}
		// The server middleware has checked the CSRF token already (the
		// one place that rule lives); it is not an answer.
		delete(data, auth.CSRFField)
	}
	res, err := h.Exec.Execute(w, r, sess, flow.Request{Slug: slug, Query: r.URL.RawQuery, Data: data,
		Next: r.URL.Query().Get("next"), RunThrough: true})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var body []byte
	if res.Kind == flow.ResultChallenge {
		// The form's CSRF token is bound to the session ID: the client
		// needs the cookie, the database needs no row until an answer.
		sess.KeepCookie()
		if body, err = h.render(r, sess, res, nil); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	refusable := res.Kind != flow.ResultChallenge
	if err := h.Exec.Save(w, r, sess, &res); err != nil {
		h.fail(w, r, err)
		return
	}
	if refusable && res.Kind == flow.ResultChallenge {
		// The writes left for the end of the request were refused (an
		// invitation used up meanwhile): the denial replaces the redirect.
		if body, err = h.render(r, sess, res, nil); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	switch res.Kind {
	case flow.ResultNotFound:
		h.message(w, r, res.Config, http.StatusNotFound, "Page not found", "There is no such page. Check the link you followed.")
	case flow.ResultLimited:
		ratelimit.WritePage(w, res.RetryAfter)
	case flow.ResultNext:
		httpx.Redirect(w, r, r.URL.RequestURI(), "/", http.StatusSeeOther)
	case flow.ResultRedirect:
		// res.To passed httpx.LocalRedirect in the executor; Redirect checks
		// it again and, unlike http.Redirect, sends it without cleaning.
		httpx.Redirect(w, r, res.To, "/", http.StatusSeeOther)
	default:
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(body)
	}
}

// render builds the page for a challenge (a stage's or access denied).
func (h *Handler) render(r *http.Request, sess *auth.Session, res flow.Result, top []string) ([]byte, error) {
	p, err := h.base(r, res.Config)
	if err != nil {
		return nil, err
	}
	c := res.Challenge
	info := flow.InfoOf(c)
	if info != nil && info.Title != "" {
		p.Title = info.Title
	}
	switch c := c.(type) {
	case *flow.AccessDeniedChallenge:
		if cause, ok := flow.CauseOf(c.ErrorMessage); ok {
			h.invitationFailure(&p, r, cause, c.ErrorMessage)
			break
		}
		p.Message = c.ErrorMessage
		p.Links = []link{{URL: r.URL.Path + queryOf(r), Label: "Start again"}, {URL: "/", Label: "Go to the home page"}}
	default:
		build(&p, c)
		p.Errors = append(top, p.Errors...)
		p.Action = r.URL.Path + queryOf(r)
		p.CSRFField, p.CSRF = auth.CSRFField, auth.CSRFToken(h.Exec.App.Secret, sess)
		if info != nil && info.CancelURL != "" {
			p.Links = append(p.Links, link{URL: info.CancelURL, Label: "Cancel"})
		}
	}
	p.FieldsHTML = fieldsHTML(p.Fields)
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, p); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func queryOf(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return ""
	}
	return "?" + r.URL.RawQuery
}

// base is a page with the brand filled in, read through q (the executor's
// view of the store when there is one, so the brand comes from its cache).
func (h *Handler) base(r *http.Request, q store.Queries) (page, error) {
	if q == nil {
		q = h.Exec.App.Store
	}
	b, err := brand.ForRequest(r.Context(), q, r)
	if err != nil {
		return page{}, err
	}
	title := brand.Title(b)
	return page{Title: title, BrandTitle: title, BrandLogo: b.BrandingLogo, CSS: CSSPath + "?v=" + cssHash}, nil
}

// message renders a page with just a message.
func (h *Handler) message(w http.ResponseWriter, r *http.Request, q store.Queries, status int, title, msg string) {
	p, err := h.base(r, q)
	if err != nil {
		p = page{BrandTitle: brand.Title(brand.Builtin), CSS: CSSPath + "?v=" + cssHash}
	}
	p.Title, p.Message = title, msg
	p.Links = []link{{URL: "/", Label: "Go to the home page"}}
	if status >= 500 {
		p.RequestID = httpx.RequestID(r.Context())
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, p); err != nil {
		http.Error(w, msg, status)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	flow.LogFailure(h.Exec.App, r, err)
	h.message(w, r, h.Exec.App.Store, http.StatusInternalServerError, "Something went wrong",
		"Something went wrong on our side. Please try again in a moment. If it keeps happening, tell your administrator the reference below.")
}

// readForm parses a url-encoded or multipart form into an answer map;
// uploaded files become data: URIs, as authentik's file prompt expects.
func readForm(w http.ResponseWriter, r *http.Request, limit int64) (map[string]any, error) {
	if limit <= 0 {
		limit = 10 << 20
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(limit); err != nil {
			return nil, errors.New("The form could not be read (is a file too large?). Please try again.")
		}
	} else if err := r.ParseForm(); err != nil {
		return nil, errors.New("The form could not be read. Please try again.")
	}
	data := flow.FormData(r)
	if r.MultipartForm != nil {
		for key, files := range r.MultipartForm.File {
			if len(files) == 0 || files[0].Size == 0 {
				continue
			}
			f, err := files[0].Open()
			if err != nil {
				return nil, err
			}
			b, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return nil, err
			}
			typ := files[0].Header.Get("Content-Type")
			if typ == "" || strings.ContainsAny(typ, ",;") {
				typ = "application/octet-stream"
			}
			data[key] = "data:" + typ + ";base64," + base64.StdEncoding.EncodeToString(b)
		}
	}
	return data, nil
}
