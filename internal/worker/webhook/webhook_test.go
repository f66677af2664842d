package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/worker/outbox"
	"github.com/usher-id/usher/internal/worker/webhook"
)

func TestMatches(t *testing.T) {
	n := webhook.New(webhook.Config{URL: "http://x", Actions: []string{"invitation_used", "custom_*"}})
	for action, want := range map[string]bool{"invitation_used": true, "custom_anything": true, "login": false,
		"webhook_failed": false} {
		if n.Matches(action) != want {
			t.Errorf("Matches(%q) = %v", action, !want)
		}
	}
	all := webhook.New(webhook.Config{URL: "http://x"})
	if !all.Matches("login") || all.Matches("webhook_sent") {
		t.Error("empty action list must send everything but the webhook's own events")
	}
	if webhook.New(webhook.Config{}).Matches("login") {
		t.Error("no URL must send nothing")
	}
}

// receiver is a webhook endpoint that fails its first call.
type receiver struct {
	mu       sync.Mutex
	calls    int
	bodies   [][]byte
	badSig   int
	failures int
}

func (rv *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rv.mu.Lock()
	defer rv.mu.Unlock()
	rv.calls++
	if !webhook.Verify([]byte("s3cret"), body, r.Header.Get(webhook.SignatureHeader)) ||
		r.Header.Get("Content-Type") != "application/json" || r.Method != http.MethodPost {
		rv.badSig++
	}
	if rv.calls <= rv.failures {
		http.Error(w, "try later", http.StatusServiceUnavailable)
		return
	}
	rv.bodies = append(rv.bodies, body)
	w.WriteHeader(http.StatusNoContent)
}

func TestWebhookDeliveryWithRetry(t *testing.T) {
	ctx := context.Background()
	st := storetest.OpenSQLite(t)
	rv := &receiver{failures: 1}
	srv := httptest.NewServer(rv)
	defer srv.Close()

	rec := &event.Recorder{}
	n := webhook.New(webhook.Config{URL: srv.URL + "/hook?token=abc", Secret: "s3cret",
		Actions: []string{"invitation_used", "custom_*"}})
	n.Install(rec)

	jane := &store.User{PK: 7, Username: "jane", Email: "jane@example.com"}
	inv := store.Invitation{UUID: "6d1e2a2e-6a51-4f43-8a0d-3f3f0c9b7e11", Name: "jane-invite"}
	// Events and their notifications commit together...
	err := st.Tx(ctx, func(q store.Queries) error {
		if err := rec.InvitationUsed(ctx, q, nil, jane, inv); err != nil {
			return err
		}
		if err := rec.LoggedIn(ctx, q, nil, jane, nil); err != nil { // not selected
			return err
		}
		return rec.CustomEvent(ctx, q, nil, jane, "welcomed", map[string]any{"password": "x"})
	})
	if err != nil {
		t.Fatal(err)
	}
	// ...or roll back together.
	errRollback := errors.New("rollback")
	err = st.Tx(ctx, func(q store.Queries) error {
		if err := rec.InvitationUsed(ctx, q, nil, jane, inv); err != nil {
			return err
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	msgs, err := st.ListOutbox(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("outbox holds %d messages, want 2 (invitation_used, custom_welcomed)", len(msgs))
	}

	clock := time.Now()
	w := &outbox.Worker{Store: st, Events: rec, Now: func() time.Time { return clock }, BaseBackoff: time.Minute}
	n.Register(w)
	if got, err := w.RunOnce(ctx); err != nil || got != 2 {
		t.Fatalf("first round claimed %d (err %v)", got, err)
	}
	if rv.calls != 2 || len(rv.bodies) != 1 {
		t.Fatalf("after first round: %d calls, %d accepted", rv.calls, len(rv.bodies))
	}
	// Not due yet: nothing is retried before the backoff.
	if got, _ := w.RunOnce(ctx); got != 0 {
		t.Fatalf("retried %d messages before the backoff", got)
	}
	clock = clock.Add(2 * time.Minute)
	if got, err := w.RunOnce(ctx); err != nil || got != 1 {
		t.Fatalf("retry round claimed %d (err %v)", got, err)
	}
	if rv.calls != 3 || len(rv.bodies) != 2 || rv.badSig != 0 {
		t.Fatalf("calls %d accepted %d bad signatures %d", rv.calls, len(rv.bodies), rv.badSig)
	}
	actions := map[string]map[string]any{}
	for _, b := range rv.bodies {
		var e map[string]any
		if err := json.Unmarshal(b, &e); err != nil {
			t.Fatal(err)
		}
		actions[e["action"].(string)] = e
	}
	iu, cw := actions["invitation_used"], actions["custom_welcomed"]
	if iu == nil || cw == nil {
		t.Fatalf("delivered %v", actions)
	}
	if iu["context"].(map[string]any)["invitation_uuid"] != "6d1e2a2e…" ||
		iu["user"].(map[string]any)["username"] != "jane" || iu["pk"] == "" || iu["created"] == "" {
		t.Errorf("invitation_used payload %v", iu)
	}
	if cw["context"].(map[string]any)["password"] != event.Mask {
		t.Errorf("payload not masked: %v", cw["context"])
	}
	msgs, _ = st.ListOutbox(ctx, 10)
	webhookMsgs := 0
	for _, m := range msgs {
		if m.Kind == webhook.Kind {
			webhookMsgs++
			if m.SentAt == nil {
				t.Errorf("message %d not marked sent (error %q)", m.ID, m.LastError)
			}
		}
	}
	if webhookMsgs != 2 {
		t.Errorf("%d webhook messages; the webhook's own events must not enqueue more", webhookMsgs)
	}
	// The worker's outcome events are recorded (and would show in the API).
	if _, failed, _ := st.ListEvents(ctx, store.EventFilter{Action: "webhook_failed"}); failed != 1 {
		t.Errorf("webhook_failed events: %d, want 1", failed)
	}
	if _, sent, _ := st.ListEvents(ctx, store.EventFilter{Action: "webhook_sent"}); sent != 2 {
		t.Errorf("webhook_sent events: %d, want 2", sent)
	}
	// The event for the failure names the URL without its query (token).
	evs, _, _ := st.ListEvents(ctx, store.EventFilter{Action: "webhook_failed"})
	if u, _ := evs[0].Context["url"].(string); u != srv.URL+"/hook" {
		t.Errorf("failure event url %q", u)
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"action":"login"}`)
	// echo -n '{"action":"login"}' | openssl dgst -sha256 -hmac key
	const want = "sha256=470f8bfa6f272fc09bc47589b15cb360628566f0708607e9bdbecd487bd98ece"
	got := webhook.Sign([]byte("key"), body)
	if got != want {
		t.Fatalf("signature %q, want %q", got, want)
	}
	if !webhook.Verify([]byte("key"), body, got) || webhook.Verify([]byte("other"), body, got) ||
		webhook.Verify([]byte("key"), []byte(`{"action":"logout"}`), got) {
		t.Error("Verify does not check key and body")
	}
}
