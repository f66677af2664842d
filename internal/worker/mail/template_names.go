package mail

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

// ErrUnknownTemplate: a caller named a template that does not exist.
var ErrUnknownTemplate = errors.New("unknown email template")

// TemplateError says which template was asked for and which exist; its
// message is meant for the caller (it names the field "template").
type TemplateError struct {
	Name      string
	Available []string
}

func (e *TemplateError) Error() string {
	return fmt.Sprintf("%q is not an email template; use one of: %s", e.Name, strings.Join(e.Available, ", "))
}

func (e *TemplateError) Unwrap() error { return ErrUnknownTemplate }

// TemplateNames lists the template names that exist: the embedded ones
// and those in dir/email (app.TemplatesDir, may be ""). It only lists file
// names, as LoadTemplates would accept them; it parses nothing.
func TemplateNames(dir string) []string {
	seen := map[string]bool{}
	sources := []fs.FS{mustSub(embedded, "templates")}
	if dir != "" {
		sources = append(sources, os.DirFS(dir))
	}
	for _, src := range sources {
		files, _ := fs.Glob(src, "email/*")
		for _, f := range files {
			base := path.Base(f)
			name, ext := strings.TrimSuffix(base, path.Ext(base)), path.Ext(base)
			if templateName.MatchString(name) && (ext == ".html" || ext == ".txt") {
				seen[name] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ResolveTemplate normalises a template reference given by a caller (see
// TemplateName) and checks that it names an existing template, so a bad
// name is refused when the email is requested, not found out by the
// delivery worker. The name is only ever a key among the listed ones,
// never a path: "../../etc/passwd" is just an unknown name.
func ResolveTemplate(dir, ref string) (string, error) {
	name := TemplateName(ref)
	names := TemplateNames(dir)
	if templateName.MatchString(name) {
		for _, n := range names {
			if n == name {
				return name, nil
			}
		}
	}
	return "", &TemplateError{Name: ref, Available: names}
}
