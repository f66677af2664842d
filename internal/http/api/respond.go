package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func writeJSON(w http.ResponseWriter, status int, v any) { httpx.JSON(w, status, v) }

func writeDetail(w http.ResponseWriter, status int, msg string) { httpx.Detail(w, status, msg) }

// writeError answers with DRF's shapes: 400 {"field": ["msg"]} for
// validation errors, 404 {"detail": "Not found."}; anything unexpected is
// logged and answered with a 500 carrying only the request ID.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *resource.ValidationError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &ve):
		writeJSON(w, http.StatusBadRequest, ve.Fields)
	case errors.Is(err, store.ErrNotFound):
		writeDetail(w, http.StatusNotFound, "Not found.")
	case errors.As(err, &tooBig):
		writeDetail(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("Request body is larger than %d bytes.", tooBig.Limit))
	case errors.Is(err, store.ErrReferenced):
		writeJSON(w, http.StatusBadRequest, map[string][]string{"non_field_errors": {"A referenced object does not exist, or another object still uses this one."}})
	case errors.Is(err, store.ErrConflict):
		writeJSON(w, http.StatusBadRequest, map[string][]string{"non_field_errors": {"An object with these values already exists."}})
	default:
		if h.App.Log != nil {
			h.App.Log.ErrorContext(r.Context(), "api request failed", "path", r.URL.Path, "method", r.Method, "error", err)
		}
		writeJSON(w, http.StatusInternalServerError, map[string]string{"detail": "A server error occurred.",
			"request_id": httpx.RequestID(r.Context())})
	}
}

// readBody decodes a JSON object body; on failure it has already answered
// (415, 413 or 400 with DRF's wording) and reports false.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) (map[string]any, bool) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !isJSONSuffix(mt)) {
			writeDetail(w, http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported media type %q in request. Send JSON with Content-Type: application/json.", ct))
			return nil, false
		}
	}
	body := r.Body
	if h.App.MaxBodyBytes > 0 {
		body = http.MaxBytesReader(w, r.Body, h.App.MaxBodyBytes)
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		h.writeError(w, r, err)
		return nil, false
	}
	if len(raw) == 0 {
		return map[string]any{}, true
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		writeDetail(w, http.StatusBadRequest, "JSON parse error - "+err.Error())
		return nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		writeJSON(w, http.StatusBadRequest, map[string][]string{"non_field_errors": {
			fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", jsonType(v))}})
		return nil, false
	}
	return m, true
}

func isJSONSuffix(mt string) bool { return len(mt) > 5 && mt[len(mt)-5:] == "+json" }

func jsonType(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "str"
	case float64:
		return "int"
	case bool:
		return "bool"
	case nil:
		return "NoneType"
	}
	return "dict"
}
