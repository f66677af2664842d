package invite_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/cli/invite"
)

func TestImportCSV(t *testing.T) {
	tests := []struct {
		name     string
		csv      string
		opts     invite.ImportOptions
		wantErr  []string // every line must appear; nothing may be created
		wantRows int
	}{
		{name: "good rows", csv: "email,name,department,fixed_data.name\n" +
			"jane.smith@example.com,,Engineering,Jane Smith\n" +
			"bob@example.com,bob-invite,,\n" +
			"\"carol@example.com\",carol,\"Sales, EMEA\",Carol\n",
			wantRows: 3},
		{name: "one bad row creates none", csv: "email,name\n" +
			"a@example.com,a\nb@example.com,b\nc@example.com,c\nd@example.com,d\ne@example.com,e\nx@,x\n",
			wantErr: []string{`row 7: email "x@" is not a valid email address`}},
		{name: "every bad row is reported", csv: "email,name\n" +
			"ok@example.com,ok\n" +
			"not-an-email,a\n" +
			",b\n" +
			"d@example.com,Has Spaces\n" +
			"OK@example.com,dup\n" +
			"e@example.com,e,extra\n",
			wantErr: []string{
				`row 3: email "not-an-email" is not a valid email address`,
				`row 4: email is empty`,
				`row 5: name "Has Spaces": Enter a valid “slug”`,
				`row 6: email "OK@example.com" is already on row 2`,
				`row 7: has 3 columns, the header has 2`,
			}},
		{name: "no email column", csv: "mail,name\na@example.com,a\n", wantErr: []string{`row 1: no "email" column (columns: mail, name)`}},
		{name: "empty file", csv: "", wantErr: []string{"row 1: the file is empty"}},
		{name: "header only", csv: "email\n", wantErr: []string{"row 2: no invitations"}},
		{name: "bad expiry applies to every row", csv: "email\na@example.com\n", opts: invite.ImportOptions{Expires: "yesterday"},
			wantErr: []string{`row 2: expires: "yesterday" is neither`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			o := tt.opts
			o.FlowSlug, o.Creator, o.MaxUses = "enroll", f.admin, 1
			got, err := invite.ImportCSV(context.Background(), f.app, strings.NewReader(tt.csv), o)
			if tt.wantErr != nil {
				var ie *invite.ImportError
				if !errors.As(err, &ie) {
					t.Fatalf("error = %v, want an *ImportError", err)
				}
				if len(ie.Rows) != len(tt.wantErr) {
					t.Errorf("%d row errors, want %d:\n%v", len(ie.Rows), len(tt.wantErr), err)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error lacks %q:\n%v", w, err)
					}
				}
				if n := len(f.invitations(t)); n != 0 {
					t.Errorf("%d invitations created, want none", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			stored := f.invitations(t)
			if len(got) != tt.wantRows || len(stored) != tt.wantRows {
				t.Fatalf("returned %d, stored %d, want %d", len(got), len(stored), tt.wantRows)
			}
			byName := map[string]int{}
			for i, inv := range stored {
				byName[inv.Name] = i
				if !inv.SingleUse() || inv.CreatedBy != f.admin.PK || *inv.Flow != f.flow.UUID {
					t.Errorf("%s: %+v", inv.Name, inv)
				}
			}
			jane := stored[byName["jane-smith-example-com"]]
			if jane.Email != "jane.smith@example.com" || jane.FixedData["department"] != "Engineering" ||
				jane.FixedData["name"] != "Jane Smith" {
				t.Errorf("jane = %+v", jane)
			}
			if bob := stored[byName["bob-invite"]]; len(bob.FixedData) != 0 {
				t.Errorf("empty cells must be left out: %v", bob.FixedData)
			}
			if carol := stored[byName["carol"]]; carol.FixedData["department"] != "Sales, EMEA" {
				t.Errorf("carol = %v", carol.FixedData)
			}
			if n := len(f.events(t, "model_created")); n != tt.wantRows {
				t.Errorf("%d model_created events", n)
			}
		})
	}
}

func TestImportCSVSend(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := invite.ImportCSV(ctx, f.app, strings.NewReader("email\na@example.com\nb@example.com\n"),
		invite.ImportOptions{FlowSlug: "enroll", Creator: f.admin, Send: true, BaseURL: "http://127.0.0.1:9000"})
	must(t, err)
	msgs, err := f.app.Store.ListOutbox(ctx, 10)
	must(t, err)
	if len(msgs) != 2 {
		t.Fatalf("%d outbox messages, want 2", len(msgs))
	}
}

func csvRows(n int) string {
	var b strings.Builder
	b.WriteString("email,name,department\n")
	for i := range n {
		fmt.Fprintf(&b, "user%05d@example.com,invite-%05d,dept-%d\n", i, i, i%7)
	}
	return b.String()
}

// BenchmarkImportCSV10000 imports 10,000 rows into SQLite (target < 10 s).
func BenchmarkImportCSV10000(b *testing.B) {
	data := csvRows(10000)
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b)
		b.StartTimer()
		got, err := invite.ImportCSV(context.Background(), f.app, strings.NewReader(data),
			invite.ImportOptions{FlowSlug: "enroll", Creator: f.admin, MaxUses: 1, Expires: "7d"})
		if err != nil || len(got) != 10000 {
			b.Fatalf("imported %d: %v", len(got), err)
		}
	}
}
