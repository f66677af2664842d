package policy

import (
	"regexp"
	"strings"
)

// Python constructs that authentik's expressions may use and Starlark, usher's
// expression language, does not have. A policy pasted from authentik's
// documentation that uses one gets a message naming the construct and what
// to write instead, rather than the parser's "got import, want primary
// expression".
var pythonConstructs = []struct {
	re  *regexp.Regexp
	msg string
}{
	{regexp.MustCompile(`^(import\s|from\s+\S+\s+import\s)`),
		"usher's expression language (Starlark) has no import statement; the helpers authentik's expressions import " +
			"are built in (ak_is_group_member, ak_user_by, ak_message, regex_match, regex_replace, ip_address, ip_network, ...)"},
	{regexp.MustCompile(`^(try\s*:|except\b|finally\s*:)`),
		"usher's expression language (Starlark) has no try/except; check the value first (if x != None, " +
			"\"key\" in d, d.get(\"key\", default))"},
	{regexp.MustCompile(`^raise\b`),
		"usher's expression language (Starlark) has no raise; return False (and ak_message(\"why\")) to deny, or call fail(\"why\") to stop with an error"},
	{regexp.MustCompile(`^class\s`), "usher's expression language (Starlark) has no classes; use dicts and functions"},
	{regexp.MustCompile(`^with\s`), "usher's expression language (Starlark) has no with statement"},
	{regexp.MustCompile(`^(global|nonlocal)\s`), "usher's expression language (Starlark) has no global or nonlocal; return values instead"},
	{regexp.MustCompile(`^(async\s|await\s)|\byield\b`), "usher's expression language (Starlark) has no async, await or yield"},
}

// ormCall spots Django ORM queries (User.objects.filter(...)), which parse
// but can never run here: usher's expressions have no database models.
var ormCall = regexp.MustCompile(`\b[A-Za-z_][A-Za-z0-9_]*\.objects\.`)

const msgORM = "Django ORM calls (Model.objects...) are not available in usher's expressions; " +
	"use request.user, ak_user_by(username=...) or ak_is_group_member(user, name=...)"

// pythonConstruct names the unsupported Python construct on line (1-based)
// of src, or returns "".
func pythonConstruct(src string, line int) string {
	lines := strings.Split(src, "\n")
	if line < 1 || line > len(lines) {
		return ""
	}
	t := strings.TrimSpace(lines[line-1])
	for _, c := range pythonConstructs {
		if c.re.MatchString(t) {
			return c.msg
		}
	}
	return ""
}

// ormLine reports the first line (1-based) with an ORM call outside
// comments, or 0.
func ormLine(src string) (line, col int) {
	for i, l := range strings.Split(src, "\n") {
		code := stripComment(l)
		if loc := ormCall.FindStringIndex(code); loc != nil && !strings.ContainsAny(code[:loc[0]], `'"`) {
			return i + 1, loc[0] + 1
		}
	}
	return 0, 0
}
