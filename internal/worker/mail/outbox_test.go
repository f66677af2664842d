package mail_test

import (
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testkit"
	"github.com/usher-id/usher/internal/worker/mail"
	"github.com/usher-id/usher/internal/worker/mail/mailtest"
	"github.com/usher-id/usher/internal/worker/outbox"
)

// freeAddr returns a local address nothing listens on (yet), and its port.
func freeAddr(t *testing.T) (string, int) {
	t.Helper()
	addr := testkit.FreeAddr(t)
	_, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return addr, p
}

func newWorker(t *testing.T, st store.Store, cfg mail.Config, now func() time.Time) *outbox.Worker {
	t.Helper()
	d, err := mail.NewDeliverer(cfg, "")
	if err != nil {
		t.Fatal(err)
	}
	w := &outbox.Worker{Store: st, Events: &event.Recorder{Now: now}, Now: now,
		Log: slog.New(slog.DiscardHandler), BaseBackoff: time.Minute}
	d.Register(w)
	return w
}

// TestSMTPDownThenUp: the message waits in the outbox with its error while
// the server is down, and a worker started later (as after a restart)
// delivers it once the server is up.
func TestSMTPDownThenUp(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	addr, port := freeAddr(t)
	cfg := mail.DefaultConfig()
	cfg.Host, cfg.Port, cfg.Timeout = "127.0.0.1", port, 2*time.Second

	id, err := mail.Enqueue(ctx, st, invitationMessage("jane@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Add(time.Second)
	clk := func() time.Time { return now }

	if n, err := newWorker(t, st, cfg, clk).RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	msgs, err := st.ListOutbox(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].ID != id || msgs[0].SentAt != nil || msgs[0].Failed ||
		!strings.Contains(msgs[0].LastError, "connect to "+addr) {
		t.Fatalf("outbox after a failed attempt = %+v", msgs)
	}
	failed, _, err := st.ListEvents(ctx, store.EventFilter{Action: "email_failed"})
	if err != nil || len(failed) != 1 {
		t.Fatalf("email_failed events = %d, %v", len(failed), err)
	}
	if to, _ := failed[0].Context["to"].([]any); len(to) != 1 || to[0] != "jane@example.com" {
		t.Errorf("email_failed context = %v", failed[0].Context)
	}
	if strings.Contains(failed[0].Context["error"].(string), "itoken") {
		t.Error("the event must not carry the link")
	}

	srv := mailtest.Start(t, mailtest.Options{Addr: addr})
	now = now.Add(2 * time.Minute) // past the first backoff
	if n, err := newWorker(t, st, cfg, clk).RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("RunOnce after the server came up = %d, %v", n, err)
	}
	got := srv.Wait(t, 1, 5*time.Second)[0]
	if !strings.Contains(got.Text, link) || !strings.Contains(got.HTML, strings.ReplaceAll(link, "&", "&amp;")) {
		t.Errorf("delivered message lacks the link:\n%s", got.Raw)
	}
	msgs, _ = st.ListOutbox(ctx, 10)
	if msgs[0].SentAt == nil || msgs[0].Attempts != 2 {
		t.Errorf("outbox after delivery: sent=%v attempts=%d", msgs[0].SentAt, msgs[0].Attempts)
	}
	if sent, _, _ := st.ListEvents(ctx, store.EventFilter{Action: "email_sent"}); len(sent) != 1 {
		t.Errorf("email_sent events = %d", len(sent))
	}
	// Sent messages are never claimed again.
	if n, _ := newWorker(t, st, cfg, clk).RunOnce(ctx); n != 0 || len(srv.Messages()) != 1 {
		t.Errorf("claimed %d more, %d received", n, len(srv.Messages()))
	}
}
