// Package httpxtest holds the redirect cases every test of the redirect
// check shares: the unit table, the scenario tests on the real app and the
// Chromium test.
package httpxtest

import (
	"net/url"
	"strings"
)

// OffsiteNext lists next= values as an attacker types them in a query
// string (so still percent-encoded): none may send a browser elsewhere.
// The scenario and browser tests use the same list.
var OffsiteNext = []string{
	// cleaning by http.Redirect turned these into "/\evil.example"
	"/a/../%5Cevil.example", "/./%5Cevil.example", "/a/..%2F%5Cevil.example", "/a/b/../../%5Cevil.example",
	"/a/../%5C%5Cevil.example",
	// protocol-relative and backslash forms
	"//evil.example", "%2F%2Fevil.example", "/%2Fevil.example", "/%5Cevil.example", "%5C/evil.example",
	"%5C%5Cevil.example", "///evil.example", "/%5C/evil.example", "//evil.example/%2F..",
	// tabs, newlines, CR, NUL and spaces that browsers strip
	"/%09/evil.example", "/%0A/evil.example", "/%0D/evil.example", "/%0D%0A/evil.example", "%09//evil.example",
	"/a/../%09/evil.example", "%20//evil.example", "/%00/evil.example", "/%7F/evil.example",
	// absolute URLs, mixed-case schemes, userinfo
	"https://evil.example", "HTTPS://evil.example", "hTtP://evil.example", "http:evil.example",
	"https:/evil.example", "https:%5C%5Cevil.example", "javascript:alert(1)", "JaVaScRiPt:alert(1)",
	"%20javascript:alert(1)", "data:text/html,x", "https://localhost@evil.example", "//localhost@evil.example",
	"//user:pw@evil.example/", "/%5Cuser@evil.example",
	// encoded dot segments, which browsers resolve after the check
	"/%2e%2e/%5Cevil.example", "/%252e%252e/x", "/a/%252E%252E/b", "/a/.%252e/b", "/a/%252e/b",
	// double-encoded separators that reach the path still encoded are fine,
	// but those that decode to a separator before the check are not
	"%252F%252Fevil.example", "/a/../%255Cevil.example/../%5Cx",
	// relative (no leading slash): http.Redirect would resolve them
	"evil.example", "./evil.example", "../evil.example", "",
}

// SameSite lists next= values (percent-encoded) that stay on this origin,
// with the Location they must produce.
var SameSite = map[string]string{
	"/":                       "/",
	"/if/user/":               "/if/user/",
	"/if/admin/users/?page=2": "/if/admin/users/?page=2",
	"/if/flow/x/?next=%252F":  "/if/flow/x/?next=%2F",
	"/a?b=//evil.example":     "/a?b=//evil.example",
	"/a/../b/":                "/b/",
	"/a/./b":                  "/a/b",
	"/%2525":                  "/%25",
	"/%252F%252Fevil.example": "/%2F%2Fevil.example",
	"/%255Cevil.example":      "/%5Cevil.example",
	"/@evil.example":          "/@evil.example",
	"/javascript:alert(1)":    "/javascript:alert(1)",
	"/caf%C3%A9/":             "/caf%C3%A9/",
	"/a#//evil.example":       "/a#/evil.example",
	// decoded once, these are plain dot segments and separators that
	// cleaning resolves to a local path
	"/a/..%2F%2Fevil.example":  "/evil.example",
	"/a/../%2F%2Fevil.example": "/evil.example",
	"/%2e%2e/":                 "/",
	"/a/%2E%2E/b":              "/b",
	"/a/%2e/b":                 "/a/b",
}

// Decode is the next= value a handler reads from a query holding raw.
func Decode(raw string) string {
	q, err := url.ParseQuery("next=" + raw)
	if err != nil {
		return "\x00unparseable"
	}
	return q.Get("next")
}

// BrowserLeaves reports whether a browser at https://usher.test/x/y that
// follows Location loc ends up on another origin, with the browser's own
// rules: tabs and newlines removed, leading C0 controls and spaces trimmed,
// "\" read as "/".
func BrowserLeaves(loc string) bool {
	loc = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, loc)
	loc = strings.TrimLeftFunc(loc, func(r rune) bool { return r <= ' ' })
	loc = strings.ReplaceAll(loc, "\\", "/")
	base, _ := url.Parse("https://usher.test/x/y")
	u, err := url.Parse(loc)
	if err != nil {
		return false // the browser would not navigate
	}
	got := base.ResolveReference(u)
	return got.Scheme != "https" || got.Host != "usher.test"
}
