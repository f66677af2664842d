package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	texttemplate "text/template"
)

//go:embed templates/email/*
var embedded embed.FS

// Templates are the email bodies: for each name an HTML and/or a plain-text
// template. Files in <dir>/email/ (app.TemplatesDir) replace the embedded
// ones of the same name and may add new names.
type Templates struct {
	html map[string]*htmltemplate.Template
	text map[string]*texttemplate.Template
}

// invitationKeys are always defined for the invitation template, so an
// override may print any of them without "<no value>".
var invitationKeys = []string{"url", "expires", "host", "inviter", "brand", "name", "subject", "username"}

// LoadTemplates parses every embedded template and every override in
// dir/email (dir may be ""). A broken override fails here, at startup,
// not when a message is delivered.
func LoadTemplates(dir string) (*Templates, error) {
	t := &Templates{html: map[string]*htmltemplate.Template{}, text: map[string]*texttemplate.Template{}}
	sources := []fs.FS{mustSub(embedded, "templates")}
	if dir != "" {
		if st, err := os.Stat(path.Join(dir, "email")); err == nil && st.IsDir() {
			sources = append(sources, os.DirFS(dir)) // later sources win
		}
	}
	for _, src := range sources {
		files, err := fs.Glob(src, "email/*")
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if err := t.parse(src, f); err != nil {
				return nil, err
			}
		}
	}
	if _, _, err := t.Render(TemplateInvitation, map[string]any{}); err != nil {
		return nil, err
	}
	return t, nil
}

func mustSub(f fs.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}

func (t *Templates) parse(src fs.FS, file string) error {
	base := path.Base(file)
	name, ext := strings.TrimSuffix(base, path.Ext(base)), path.Ext(base)
	if !templateName.MatchString(name) || (ext != ".html" && ext != ".txt") {
		return nil // not a template (README, editor backup, ...)
	}
	body, err := fs.ReadFile(src, file)
	if err != nil {
		return fmt.Errorf("email template %s: %w", file, err)
	}
	if ext == ".html" {
		h, err := htmltemplate.New(base).Parse(string(body))
		if err != nil {
			return fmt.Errorf("email template %s: %w", file, err)
		}
		t.html[name] = h
		return nil
	}
	x, err := texttemplate.New(base).Parse(string(body))
	if err != nil {
		return fmt.Errorf("email template %s: %w", file, err)
	}
	t.text[name] = x
	return nil
}

// Names lists the available template names.
func (t *Templates) Names() []string {
	seen := map[string]bool{}
	for n := range t.html {
		seen[n] = true
	}
	for n := range t.text {
		seen[n] = true
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ErrNoTemplate: no HTML or text template has the name.
var ErrNoTemplate = errors.New("no such email template")

// Render executes the named pair with data; either body is "" when that
// half of the pair does not exist.
func (t *Templates) Render(name string, data map[string]any) (text, html string, err error) {
	h, hok := t.html[name]
	x, xok := t.text[name]
	if !hok && !xok {
		return "", "", fmt.Errorf("%w %q (have %s)", ErrNoTemplate, name, strings.Join(t.Names(), ", "))
	}
	d := make(map[string]any, len(data)+len(invitationKeys))
	for _, k := range invitationKeys {
		d[k] = ""
	}
	for k, v := range data {
		d[k] = v
	}
	var b bytes.Buffer
	if xok {
		if err := x.Execute(&b, d); err != nil {
			return "", "", fmt.Errorf("email template %s.txt: %w", name, err)
		}
		text = b.String()
		b.Reset()
	}
	if hok {
		if err := h.Execute(&b, d); err != nil {
			return "", "", fmt.Errorf("email template %s.html: %w", name, err)
		}
		html = b.String()
	}
	return text, html, nil
}
