package api

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/usher-id/usher/internal/httpx"
)

func writeJSON(w http.ResponseWriter, status int, v any) { httpx.JSON(w, status, v) }

func writeDetail(w http.ResponseWriter, status int, msg string) { httpx.Detail(w, status, msg) }

// readBody decodes a JSON object body; it fails with 415, 413 or 400 in
// DRF's wording.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !isJSONSuffix(mt)) {
			return nil, errDetail(http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported media type %q in request. Send JSON with Content-Type: application/json.", ct))
		}
	}
	body := r.Body
	if h.App.MaxBodyBytes > 0 {
		body = http.MaxBytesReader(w, r.Body, h.App.MaxBodyBytes)
	}
	raw, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return map[string]any{}, nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, errDetail(http.StatusBadRequest, "JSON parse error - "+err.Error())
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errField("non_field_errors", fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", jsonType(v)))
	}
	return m, nil
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
