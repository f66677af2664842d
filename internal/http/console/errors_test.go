package console

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
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// showError is the one place a handler's error becomes a page: each kind
// keeps its status and page, and an unexpected error shows only the request
// ID and is logged once with it.
func TestShowErrorAnswersEachKind(t *testing.T) {
	var logs bytes.Buffer
	a := &app.App{Store: storetest.OpenSQLite(t), Log: slog.New(slog.NewTextHandler(&logs, nil))}
	h, err := New(a)
	if err != nil {
		t.Fatal(err)
	}
	form := &formDef{Title: "Create Flow", Fields: []*field{{Name: "slug", Label: "Slug", Kind: "text", Value: "bad slug",
		Errors: []string{"Enter a valid slug."}}}}
	for _, c := range []struct {
		name   string
		err    error
		status int
		want   []string
		not    []string
		logged int
	}{
		{"unexpected", fmt.Errorf("query users: password=hunter2"), http.StatusInternalServerError,
			[]string{"Server error", "request ID req-42"}, []string{"hunter2", "query users"}, 1},
		{"not found, wrapped", fmt.Errorf("load: %w", store.ErrNotFound), http.StatusNotFound,
			[]string{"Not found", "does not exist"}, nil, 0},
		{"page error", errPage(http.StatusForbidden, "Permission denied", "Superusers only."), http.StatusForbidden,
			[]string{"Permission denied", "Superusers only."}, nil, 0},
		{"bad form", errBadForm, http.StatusBadRequest, []string{"The form could not be read."}, nil, 0},
		{"invalid form", &invalidForm{"flows", form}, http.StatusUnprocessableEntity,
			[]string{"Create Flow", "Enter a valid slug.", "bad slug"}, nil, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			logs.Reset()
			r := httptest.NewRequest("GET", "/if/admin/flows/", nil)
			r = r.WithContext(httpx.WithRequest(r.Context(), "req-42", "192.0.2.1", false))
			w := httptest.NewRecorder()
			h.showError(w, r, nil, c.err)
			body := w.Body.String()
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %.4000s", w.Code, c.status, body)
			}
			for _, s := range c.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q: %.4000s", s, body)
				}
			}
			for _, s := range c.not {
				if strings.Contains(body, s) {
					t.Errorf("page shows %q", s)
				}
			}
			if n := strings.Count(logs.String(), "level=ERROR"); n != c.logged {
				t.Errorf("%d error records, want %d:\n%s", n, c.logged, logs.String())
			}
			if c.logged > 0 && !strings.Contains(logs.String(), "req-42") {
				t.Errorf("log lacks the request ID:\n%s", logs.String())
			}
		})
	}
}
