package invite

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// FuzzParseCSV: any uploaded file yields invitations with an email each,
// or an error naming the bad rows; never a panic. Seeds live in
// testdata/fuzz/FuzzParseCSV.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte("email,name,department\njane@example.com,jane,Engineering\n"))
	f.Add([]byte("\ufeffEmail,fixed_data.name\r\na@example.com,\"Smith, Jane\"\r\n"))
	f.Add([]byte("email\n\"unterminated\n"))
	f.Add([]byte("email,email\n"))
	f.Add([]byte("name\nx\n"))
	f.Add([]byte("email,a\nx@example.com\n"))
	f.Add([]byte(""))
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	a := &app.App{Now: func() time.Time { return now }}
	fl := store.Flow{UUID: "0f8fad5b-d9cb-469f-a165-70867728950e", Slug: "enroll", Designation: store.DesignationEnrollment}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := parseCSV(bytes.NewReader(data), ImportOptions{FlowSlug: "enroll", MaxUses: 1}, fl, a)
		if err != nil {
			var ie *ImportError
			var ve *resource.ValidationError
			if !errors.As(err, &ie) && !errors.As(err, &ve) {
				t.Fatalf("unexpected error type %T: %v", err, err)
			}
			if ie != nil && len(ie.Rows) == 0 {
				t.Fatal("ImportError without rows")
			}
			return
		}
		if len(rows) == 0 {
			t.Fatal("no rows and no error")
		}
		for _, r := range rows {
			if r.data["email"] == "" || r.data["name"] == "" {
				t.Fatalf("row %d: invitation without email or name: %+v", r.row, r.data)
			}
		}
	})
}
