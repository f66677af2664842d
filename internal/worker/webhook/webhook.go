// Package webhook notifies another system of events: each matching event is
// written to the outbox (kind "webhook") in the transaction that records it,
// and the outbox worker POSTs it as JSON, signed with an HMAC, retrying with
// backoff until the receiver answers 2xx.
//
// Configuration (environment, also filled by the config package):
//
//	USHER_EVENTS__WEBHOOK_URL      where to POST; empty disables webhooks
//	USHER_EVENTS__WEBHOOK_SECRET   HMAC-SHA256 key for X-Usher-Signature
//	USHER_EVENTS__WEBHOOK_ACTIONS  comma list of actions ("invitation_used,
//	                               custom_*"); empty sends every action
//
// Wiring (serve command):
//
//	n := webhook.New(webhook.Config{URL: ..., Secret: ..., Actions: ...})
//	n.Install(a.Events)  // enqueue matching events
//	n.Register(worker)   // deliver them from the outbox
//
// Receivers verify the body with
// hex(HMAC-SHA256(secret, body)) == strings.TrimPrefix(header, "sha256=").
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/outbox"
)

// Kind is the outbox kind of webhook messages.
const Kind = "webhook"

// SignatureHeader carries "sha256=<hex HMAC of the body>".
const SignatureHeader = "X-Usher-Signature"

// Config selects where and what to send.
type Config struct {
	URL     string
	Secret  string
	Actions []string // exact names, or a prefix ending in "*"; empty = all
}

// ConfigFromEnv reads the USHER_EVENTS__WEBHOOK_* variables.
func ConfigFromEnv() Config {
	c := Config{URL: strings.TrimSpace(os.Getenv("USHER_EVENTS__WEBHOOK_URL")),
		Secret: os.Getenv("USHER_EVENTS__WEBHOOK_SECRET")}
	for _, a := range strings.Split(os.Getenv("USHER_EVENTS__WEBHOOK_ACTIONS"), ",") {
		if a = strings.TrimSpace(a); a != "" {
			c.Actions = append(c.Actions, a)
		}
	}
	return c
}

// Notifier enqueues and delivers webhook calls.
type Notifier struct {
	Config Config
	// Client defaults to one with a 10 s timeout.
	Client *http.Client
}

// New returns a notifier for cfg.
func New(cfg Config) *Notifier { return &Notifier{Config: cfg} }

// Enabled reports whether a URL is configured.
func (n *Notifier) Enabled() bool { return n != nil && n.Config.URL != "" }

// Matches reports whether events of action are sent. The outbox's own
// webhook_sent/webhook_failed events never are (they would notify forever).
func (n *Notifier) Matches(action string) bool {
	if !n.Enabled() || strings.HasPrefix(action, Kind+"_") {
		return false
	}
	if len(n.Config.Actions) == 0 {
		return true
	}
	for _, a := range n.Config.Actions {
		if a == action || strings.HasSuffix(a, "*") && strings.HasPrefix(action, strings.TrimSuffix(a, "*")) {
			return true
		}
	}
	return false
}

// Install chains After into rec's hook (keeping any hook already set).
func (n *Notifier) Install(rec *event.Recorder) {
	if !n.Enabled() {
		return
	}
	prev := rec.After
	rec.After = func(ctx context.Context, q store.Queries, e *store.Event) error {
		if prev != nil {
			if err := prev(ctx, q, e); err != nil {
				return err
			}
		}
		return n.After(ctx, q, e)
	}
}

// After is an event.Recorder hook: it writes a matching event to the
// outbox through q, so the notification exists exactly when the event does.
func (n *Notifier) After(ctx context.Context, q store.Queries, e *store.Event) error {
	if !n.Matches(e.Action) {
		return nil
	}
	body, err := json.Marshal(event.Serialize(*e))
	if err != nil {
		return fmt.Errorf("webhook: encode event: %w", err)
	}
	return q.EnqueueOutbox(ctx, &store.OutboxMessage{Kind: Kind, Payload: body, NextAttempt: e.Created})
}

// Register plugs delivery into an outbox worker.
func (n *Notifier) Register(w *outbox.Worker) {
	if w.Handlers == nil {
		w.Handlers = map[string]outbox.Handler{}
	}
	if w.Describe == nil {
		w.Describe = map[string]func(store.OutboxMessage) map[string]any{}
	}
	w.Handlers[Kind] = n.Deliver
	w.Describe[Kind] = n.describe
}

// Sign returns the signature header value for body.
func Sign(secret, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify checks a signature header in constant time (for receivers and
// tests).
func Verify(secret, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(header))
}

// Deliver POSTs one message; any answer but 2xx is an error the worker
// retries with backoff.
func (n *Notifier) Deliver(ctx context.Context, m store.OutboxMessage) error {
	if n.Config.URL == "" {
		return outbox.Permanent(fmt.Errorf("webhook: USHER_EVENTS__WEBHOOK_URL is not set"))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.Config.URL, bytes.NewReader(m.Payload))
	if err != nil {
		return outbox.Permanent(fmt.Errorf("webhook: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "usher-webhook")
	req.Header.Set("X-Usher-Delivery", strconv.FormatInt(m.ID, 10))
	if n.Config.Secret != "" {
		req.Header.Set(SignatureHeader, Sign([]byte(n.Config.Secret), m.Payload))
	}
	client := n.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: POST %s: %w", safeURL(n.Config.URL), unwrapURLError(err))
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook: POST %s answered %s", safeURL(n.Config.URL), resp.Status)
	}
	return nil
}

func (n *Notifier) describe(m store.OutboxMessage) map[string]any {
	d := map[string]any{"url": safeURL(n.Config.URL)}
	var e struct {
		Action string `json:"action"`
		PK     string `json:"pk"`
	}
	if json.Unmarshal(m.Payload, &e) == nil {
		d["event_action"], d["event_pk"] = e.Action, e.PK
	}
	return d
}

// safeURL drops credentials and the query (which may hold a token) for logs
// and events.
func safeURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return u.Scheme + "://" + u.Host + u.Path
}

// unwrapURLError drops *url.Error's copy of the full URL.
func unwrapURLError(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
