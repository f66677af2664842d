package api

import (
	"bytes"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// writeError is the one place a handler's error becomes an answer: each
// kind keeps authentik's status and body, and an unexpected error names
// only the request ID and is logged once.
func TestWriteErrorAnswersEachKind(t *testing.T) {
	var logs bytes.Buffer
	h := &Handler{App: &app.App{Log: slog.New(slog.NewTextHandler(&logs, nil))}}
	for _, c := range []struct {
		name   string
		err    error
		status int
		body   string
		logged int
	}{
		{"unexpected", fmt.Errorf("query tokens: key=hunter2"), 500,
			`{"detail":"A server error occurred.","request_id":"req-42"}`, 1},
		{"validation", resource.NewValidationError("slug", "Enter a valid slug."), 400, `{"slug":["Enter a valid slug."]}`, 0},
		{"not found, wrapped", fmt.Errorf("get: %w", store.ErrNotFound), 404, `{"detail":"Not found."}`, 0},
		{"conflict", store.ErrConflict, 400, `{"non_field_errors":["An object with these values already exists."]}`, 0},
		{"referenced", store.ErrReferenced, 400,
			`{"non_field_errors":["A referenced object does not exist, or another object still uses this one."]}`, 0},
		{"too large", &http.MaxBytesError{Limit: 10}, 413, `{"detail":"Request body is larger than 10 bytes."}`, 0},
		{"forbidden", errForbidden, 403, `{"detail":"You do not have permission to perform this action."}`, 0},
		{"invalid page", errInvalidPage, 404, `{"detail":"Invalid page."}`, 0},
		{"authentik error body", errBody(400, map[string]string{"error": "no flow"}), 400, `{"error":"no flow"}`, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			logs.Reset()
			r := httptest.NewRequest("GET", "/api/v3/core/users/", nil)
			r = r.WithContext(httpx.WithRequest(r.Context(), "req-42", "192.0.2.1", false))
			w := httptest.NewRecorder()
			h.writeError(w, r, c.err)
			if got := strings.TrimSpace(w.Body.String()); w.Code != c.status || got != c.body {
				t.Fatalf("got %d %s, want %d %s", w.Code, got, c.status, c.body)
			}
			if n := strings.Count(logs.String(), "level=ERROR"); n != c.logged {
				t.Errorf("%d error records, want %d:\n%s", n, c.logged, logs.String())
			}
		})
	}
}
