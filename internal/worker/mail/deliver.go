package mail

import (
	"context"
	"errors"
	"time"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/outbox"
)

// Deliverer is the outbox handler for kind "email": it renders the
// message's template, composes it and sends it over SMTP.
type Deliverer struct {
	Config    Config
	Templates *Templates
	// Send defaults to an SMTP Sender for Config (tests may replace it).
	Send func(ctx context.Context, rcpts []string, data []byte) error
	Now  func() time.Time
	// StageConfig returns the SMTP settings of an email stage that does
	// not use the global ones (ok false: use Config). Set by boot.
	StageConfig func(ctx context.Context, stage string) (cfg Config, ok bool, err error)
}

// NewDeliverer loads the templates (embedded, overridden from
// templatesDir when set) and returns a handler for Config.
func NewDeliverer(cfg Config, templatesDir string) (*Deliverer, error) {
	t, err := LoadTemplates(templatesDir)
	if err != nil {
		return nil, err
	}
	return &Deliverer{Config: cfg, Templates: t}, nil
}

// Register plugs the handler into an outbox worker.
func (d *Deliverer) Register(w *outbox.Worker) {
	if w.Handlers == nil {
		w.Handlers = map[string]outbox.Handler{}
	}
	if w.Describe == nil {
		w.Describe = map[string]func(store.OutboxMessage) map[string]any{}
	}
	w.Handlers[Kind] = d.Deliver
	w.Describe[Kind] = Describe
}

// Deliver sends one outbox message. Problems no retry can fix (bad
// payload, unknown template) are permanent.
func (d *Deliverer) Deliver(ctx context.Context, m store.OutboxMessage) error {
	msg, err := Decode(m.Payload)
	if err != nil {
		return outbox.Permanent(err)
	}
	data := map[string]any{}
	for k, v := range msg.Context {
		data[k] = v
	}
	data["subject"] = msg.Subject
	text, html, err := d.Templates.Render(msg.Template, data)
	if err != nil {
		if errors.Is(err, ErrNoTemplate) {
			return outbox.Permanent(err)
		}
		return err
	}
	now := time.Now()
	if d.Now != nil {
		now = d.Now()
	}
	cfg, own := d.Config, false
	if msg.Stage != "" && d.StageConfig != nil {
		c, ok, err := d.StageConfig(ctx, msg.Stage)
		if err != nil {
			return err
		}
		if ok {
			cfg, own = c, true
		}
	}
	raw, err := Compose(cfg.From, msg, text, html, now)
	if err != nil {
		return outbox.Permanent(err)
	}
	rcpts := append(append(append([]string{}, msg.To...), msg.Cc...), msg.Bcc...)
	send := d.Send
	if send == nil || own {
		send = (&Sender{Config: cfg}).Send
	}
	return send(ctx, rcpts, raw)
}

// Describe is what email events show about a message: its recipients and
// subject (the link is not repeated: it is a bearer token).
func Describe(m store.OutboxMessage) map[string]any {
	msg, err := Decode(m.Payload)
	if err != nil {
		return map[string]any{}
	}
	out := map[string]any{"to": msg.To, "subject": msg.Subject, "template": msg.Template}
	if len(msg.Cc) > 0 {
		out["cc"] = msg.Cc
	}
	return out
}
