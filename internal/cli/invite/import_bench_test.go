package invite_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/cli/invite"
)

// BenchmarkImportCSV100k creates 100,000 invitations with a groups column
// (issue 18) in one import; run with -benchtime=1x. Each op is a fresh
// SQLite database.
func BenchmarkImportCSV100k(b *testing.B) {
	const rows = 100_000
	var csv strings.Builder
	csv.WriteString("email,name,groups,department\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&csv, "user%06d@example.com,inv-%06d,staff;vpn,Engineering\n", i, i)
	}
	data := csv.String()
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b)
		for _, g := range []string{"staff", "vpn"} {
			f.group(b, g)
		}
		b.StartTimer()
		invs, err := invite.ImportCSV(context.Background(), f.app, strings.NewReader(data),
			invite.ImportOptions{FlowSlug: "enroll", Creator: f.admin, MaxUses: 1})
		if err != nil || len(invs) != rows {
			b.Fatalf("%d invitations, %v", len(invs), err)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "invitations/s")
}
