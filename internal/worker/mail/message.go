package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

// Kind is the outbox kind of email messages.
const Kind = "email"

// TemplateInvitation is the invitation email (email/invitation.html and
// email/invitation.txt).
const TemplateInvitation = "invitation"

// Message is the outbox payload of an email. Context is the template data;
// for the invitation template: url, expires, host, inviter, brand, name.
type Message struct {
	To       []string       `json:"to"`
	Cc       []string       `json:"cc,omitempty"`
	Bcc      []string       `json:"bcc,omitempty"`
	Subject  string         `json:"subject"`
	Template string         `json:"template"`
	Context  map[string]any `json:"context"`
	// Stage, when set, is the email stage whose own SMTP settings deliver
	// the message (authentik's use_global_settings off); the deliverer
	// reads them when sending, so no SMTP password is copied into the
	// outbox.
	Stage string `json:"stage,omitempty"`
}

var templateName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// TemplateName normalises a template reference: "invitation",
// "email/invitation.html" (authentik's form) and "" all name "invitation".
func TemplateName(t string) string {
	t = strings.TrimPrefix(strings.TrimSpace(t), "email/")
	t = strings.TrimSuffix(strings.TrimSuffix(t, ".html"), ".txt")
	if t == "" {
		return TemplateInvitation
	}
	return t
}

// InvitationSubject is authentik's subject for invitation emails.
func InvitationSubject(host string) string { return "You have been invited to " + host }

// Normalize fills defaults (template, subject) and checks every address
// and the template name; the error names the field.
func (m *Message) Normalize() error {
	var errs []error
	m.Template = TemplateName(m.Template)
	if !templateName.MatchString(m.Template) {
		errs = append(errs, fmt.Errorf("template: %q is not a template name (use e.g. invitation)", m.Template))
	}
	if len(m.To) == 0 {
		errs = append(errs, errors.New("to: at least one address is required"))
	}
	for _, f := range []struct {
		name  string
		addrs []string
	}{{"to", m.To}, {"cc", m.Cc}, {"bcc", m.Bcc}} {
		for i, a := range f.addrs {
			clean, err := Address(a)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", f.name, err))
				continue
			}
			f.addrs[i] = clean
		}
	}
	if m.Context == nil {
		m.Context = map[string]any{}
	}
	if m.Subject == "" && m.Template == TemplateInvitation {
		host, _ := m.Context["host"].(string)
		m.Subject = InvitationSubject(host)
	}
	m.Subject = strings.Join(strings.Fields(m.Subject), " ") // no CR/LF: no header injection
	return errors.Join(errs...)
}

// Address checks a bare email address ("a@example.com", no display name)
// and returns it trimmed.
func Address(a string) (string, error) {
	a = strings.TrimSpace(a)
	bad := fmt.Errorf("%q is not a valid email address", a)
	p, err := mail.ParseAddress(a)
	if err != nil || p.Address != a || p.Name != "" {
		return "", bad
	}
	// Like Django's validator: the domain needs a dot, except localhost.
	if domain := a[strings.LastIndex(a, "@")+1:]; !strings.Contains(domain, ".") && domain != "localhost" {
		return "", bad
	}
	return a, nil
}

// Enqueue validates msg and writes it to the outbox through q: pass the
// transaction of the action that causes the email, so both commit or
// neither does. It returns the outbox message ID.
func Enqueue(ctx context.Context, q store.Queries, msg Message) (int64, error) {
	if err := msg.Normalize(); err != nil {
		return 0, err
	}
	payload, err := json.Marshal(msg)
	if err != nil {
		return 0, fmt.Errorf("mail: encode message: %w", err)
	}
	m := store.OutboxMessage{Kind: Kind, Payload: payload}
	if err := q.EnqueueOutbox(ctx, &m); err != nil {
		return 0, fmt.Errorf("mail: enqueue: %w", err)
	}
	return m.ID, nil
}

// Decode reads an outbox payload.
func Decode(payload []byte) (Message, error) {
	var m Message
	if err := json.Unmarshal(payload, &m); err != nil {
		return m, fmt.Errorf("mail: decode outbox payload: %w", err)
	}
	return m, m.Normalize()
}
