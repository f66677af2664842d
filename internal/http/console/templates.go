package console

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"
)

//go:embed templates
var templateFS embed.FS

// pageNames lists every page the handlers render. Parsing fails when one is
// missing or when a page file exists that no handler renders.
var pageNames = []string{
	"error", "access_denied", "confirm", "form", "user_interface", "admin_overview",
	"invitation_list", "flow_list", "flow_detail", "flow_import", "stage_list", "stage_types",
	"prompt_list", "user_list", "user_detail", "group_list", "group_detail", "application_list",
	"brand_list", "policy_list", "policy_test", "stage_binding_policies", "blueprint_list", "event_list",
	"user_invitations", "provider_list", "provider_detail", "scope_mapping_list", "keypair_list",
}

type templates struct {
	pages    map[string]*template.Template
	assetURL func(string) string
}

func parseTemplates() (*templates, error) {
	t := &templates{pages: map[string]*template.Template{}}
	funcs := template.FuncMap{
		"asset":    func(name string) string { return t.assetURL(name) },
		"datetime": fmtTime,
		"json":     prettyJSON,
		"join":     strings.Join,
		"query":    withQuery,
		"add":      func(a, b int) int { return a + b },
		"initial": func(s string) string {
			for _, r := range s {
				return strings.ToUpper(string(r))
			}
			return "?"
		},
		"hexpk": func(s string) string { return strings.ReplaceAll(s, "-", "") },
	}
	base, err := template.New("base").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	onDisk := map[string]bool{}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		onDisk[name] = true
		p, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, err
		}
		t.pages[name] = p
	}
	for _, n := range pageNames {
		if !onDisk[n] {
			return nil, fmt.Errorf("template %q is missing", n)
		}
		delete(onDisk, n)
	}
	if len(onDisk) > 0 {
		extra := make([]string, 0, len(onDisk))
		for n := range onDisk {
			extra = append(extra, n)
		}
		sort.Strings(extra)
		return nil, fmt.Errorf("templates %v are not declared in pageNames", extra)
	}
	return t, nil
}

// execute renders page name into a buffer so a template error never leaves a
// half-written response.
func (t *templates) execute(name string, data any) ([]byte, error) {
	p, ok := t.pages[name]
	if !ok {
		return nil, fmt.Errorf("unknown page %q", name)
	}
	var buf bytes.Buffer
	if err := p.ExecuteTemplate(&buf, "layout", data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// fmtTime prints times in UTC, to the minute; nil and zero print "-".
func fmtTime(v any) string {
	switch t := v.(type) {
	case time.Time:
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	case *time.Time:
		if t == nil {
			return "-"
		}
		return fmtTime(*t)
	}
	return "-"
}

func prettyJSON(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// withQuery returns base with key set to value in its query string (for
// sort and page links that keep the current search).
func withQuery(base string, q url.Values, kv ...string) string {
	v := url.Values{}
	for k, vs := range q {
		v[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			v.Del(kv[i])
		} else {
			v.Set(kv[i], kv[i+1])
		}
	}
	if len(v) == 0 {
		return base
	}
	return base + "?" + v.Encode()
}
