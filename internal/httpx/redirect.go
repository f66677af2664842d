package httpx

import (
	"html"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// LocalRedirect is the one redirect check: it returns the Location value for
// target, exactly as it must be sent, when that value keeps the browser on
// this origin, and ok=false for anything else.
//
// The check runs on the string that goes out, not on the one that came in:
// target is first cleaned the way http.Redirect cleans a relative URL
// (path.Clean on the part before "?", a trailing slash kept) and non-ASCII
// bytes are percent-encoded; the caller sends the result unchanged (Redirect
// does). Checking the raw string was the defect: "/a/../\evil.example"
// passed a prefix check and http.Redirect then cleaned it into
// "/\evil.example", which browsers read as "//evil.example".
func LocalRedirect(target string) (string, bool) {
	// "//host" and "/\host" name another origin; path.Clean below would
	// fold them into a local path, but such input is hostile, not a path.
	if target == "" || target[0] != '/' || strings.HasPrefix(target, "//") {
		return "", false
	}
	// Browsers drop tabs and newlines anywhere in a URL and read "\" as "/"
	// in the path: none of them belongs in a target we send.
	for i := 0; i < len(target); i++ {
		if c := target[i]; c < 0x20 || c == 0x7f || c == '\\' {
			return "", false
		}
	}
	p, query := target, ""
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p, query = p[:i], p[i:]
	}
	trailing := strings.HasSuffix(p, "/")
	p = path.Clean(p)
	if trailing && !strings.HasSuffix(p, "/") {
		p += "/"
	}
	out := escapeNonASCII(p + query)

	// From here on only out is looked at.
	if len(out) > 1 && (out[1] == '/' || out[1] == '\\') {
		return "", false // "//host" and "/\host" name another origin
	}
	u, err := url.Parse(out)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "", false
	}
	// Browsers resolve "%2e" segments like "." and ".."; refuse them so the
	// path requested is the path checked.
	browserPath := out
	if i := strings.IndexAny(browserPath, "?#"); i >= 0 {
		browserPath = browserPath[:i]
	}
	for _, seg := range strings.Split(browserPath, "/") {
		if s := strings.ReplaceAll(strings.ToLower(seg), "%2e", "."); s == "." || s == ".." {
			return "", false
		}
	}
	return out, true
}

// Redirect sends the client to target when LocalRedirect accepts it, else to
// fallback (checked the same way), else to "/". Unlike http.Redirect it
// writes the checked string as is, so nothing changes it after the check.
func Redirect(w http.ResponseWriter, r *http.Request, target, fallback string, code int) {
	to, ok := LocalRedirect(target)
	if !ok {
		if to, ok = LocalRedirect(fallback); !ok {
			to = "/"
		}
	}
	SendRedirect(w, r, to, code)
}

// SendRedirect writes a redirect to a Location already checked (by
// LocalRedirect, or an administrator's absolute launch URL), with the short
// body http.Redirect sends for GET and HEAD.
func SendRedirect(w http.ResponseWriter, r *http.Request, location string, code int) {
	h := w.Header()
	_, hadCT := h["Content-Type"]
	h.Set("Location", location)
	if !hadCT && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		h.Set("Content-Type", "text/html; charset=utf-8")
	}
	w.WriteHeader(code)
	if !hadCT && r.Method == http.MethodGet {
		_, _ = w.Write([]byte("<a href=\"" + html.EscapeString(location) + "\">" + http.StatusText(code) + "</a>.\n"))
	}
}

// escapeNonASCII percent-encodes bytes outside ASCII, as http.Redirect does.
func escapeNonASCII(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 {
			b.WriteByte('%')
			b.WriteByte("0123456789ABCDEF"[c>>4])
			b.WriteByte("0123456789ABCDEF"[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}
