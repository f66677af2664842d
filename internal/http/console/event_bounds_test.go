package console_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/store/storetest"
)

// The Events page kept answering 500 once an event nested deeper than the
// JSON decoder accepts was stored. The recorder now cuts deep contexts, and
// a row that still cannot be decoded (written by hand here) is listed with
// a placeholder context.
func TestEventsPageAfterDeepAndPoisonedEvents(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := fixtureOn(t, b.Open(t), server.Options{MaxBodyBytes: 4 << 20})
			ctx := context.Background()
			admin := f.user(t, "root", "internal", true)
			deep := map[string]any{}
			for i := 0; i < 50000; i++ {
				deep = map[string]any{"x": deep}
			}
			if err := f.app.Events.Record(ctx, f.st, nil, nil, "custom_deep", map[string]any{"x": deep}); err != nil {
				t.Fatal(err)
			}
			if err := f.app.Events.Record(ctx, f.st, nil, nil, "custom_poison", nil); err != nil {
				t.Fatal(err)
			}
			poison := strings.Repeat(`{"x":`, 12000) + "1" + strings.Repeat("}", 12000)
			db := f.st.(interface{ Writer() *sql.DB }).Writer()
			if _, err := db.ExecContext(ctx, "UPDATE events SET context = $1 WHERE action = 'custom_poison'", poison); err != nil {
				t.Fatal(err)
			}
			br := f.browser(t, &admin)
			br.get(t, "/if/admin/events/").expect(t, 200, "", "custom_deep", "custom_poison")
			br.get(t, "/if/admin/events/?action=custom_poison").expect(t, 200, "", "custom_poison")
		})
	}
}
