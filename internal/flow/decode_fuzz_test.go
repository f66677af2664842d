package flow

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/usher-id/usher/internal/app"
)

// FuzzDecodeBody feeds the executor's answer decoding arbitrary bodies
// and content types: no panic, an object or a clear error. Seeds live in
// testdata/fuzz/FuzzDecodeBody.
func FuzzDecodeBody(f *testing.F) {
	f.Add("application/json", []byte(`{"component":"ak-stage-prompt","username":"jane"}`))
	f.Add("application/json", []byte(`null`))
	f.Add("application/json", []byte(`[1,2]`))
	f.Add("application/x-www-form-urlencoded", []byte("a=1&a=2&%zz=3"))
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--X--\r\n"))
	f.Add("", []byte(`{"a":{"b":[{"c":null}]}}`))
	h := &Handler{Exec: &Executor{App: &app.App{MaxBodyBytes: 64 << 10}}}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req := httptest.NewRequest("POST", "/api/v3/flows/executor/x/", bytes.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		data, err := h.decodeBody(httptest.NewRecorder(), req)
		switch {
		case err != nil && err.Error() == "":
			t.Fatal("empty error message")
		case err == nil && data == nil:
			t.Fatal("no error and no data")
		}
	})
}
