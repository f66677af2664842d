package server

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/usher-id/usher/internal/httpx"
)

var errorPage = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>{{.Title}}</h1><p>{{.Message}}</p>
{{if .RequestID}}<p><small>Request ID: <code>{{.RequestID}}</code></small></p>{{end}}</main></body></html>
`))

// wantsJSON: API paths and clients that ask for JSON get JSON errors.
func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") ||
		strings.Contains(r.Header.Get("Accept"), "application/json")
}

// writeError answers with authentik's {"detail": ...} for API clients and a
// small escaped HTML page for browsers; both carry the request ID.
func writeError(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	id := httpx.RequestID(r.Context())
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Cache-Control", "no-store")
	if wantsJSON(r) {
		body := map[string]string{"detail": message}
		if id != "" {
			body["request_id"] = id
		}
		httpx.JSON(w, status, body)
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = errorPage.Execute(w, map[string]string{"Title": title, "Message": message, "RequestID": id})
}
