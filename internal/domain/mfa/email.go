package mfa

import (
	"context"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
)

// UseEmail redeems a code emailed to one of the user's email devices: the
// UPDATE that clears the matching, unexpired code is the one use.
func UseEmail(ctx context.Context, q store.Queries, userPK int64, code string, now time.Time) (*store.Device, error) {
	devs, err := q.ListDevices(ctx, userPK, store.DeviceEmail)
	if err != nil {
		return nil, err
	}
	h := HashToken(code)
	for i := range devs {
		ok, err := q.UseEmailToken(ctx, devs[i].PK, h, now)
		if err != nil {
			return nil, err
		}
		if ok {
			return &devs[i], nil
		}
	}
	return nil, nil
}

// NewEmailCode is a six-digit code for email (authentik's email OTP).
func NewEmailCode() string {
	var b [6]byte
	for i := range b {
		b[i] = "0123456789"[randIndex(10)]
	}
	return string(b[:])
}

// EmailCode describes one code to send.
type EmailCode struct {
	To, Name, Brand, Subject, Template string
	Code                               string
	Expires                            time.Time
}

// SendEmailCode queues the code's email in the outbox through q (the
// worker delivers it, on any instance, retrying through SMTP outages).
func SendEmailCode(ctx context.Context, q store.Queries, c EmailCode) error {
	subject := c.Subject
	if subject == "" {
		subject = "Sign-in code"
	}
	tmpl := mail.TemplateName(c.Template)
	if tmpl == mail.TemplateInvitation {
		tmpl = "email_otp"
	}
	_, err := mail.Enqueue(ctx, q, mail.Message{To: []string{c.To}, Subject: subject, Template: tmpl,
		Context: map[string]any{"code": c.Code, "name": c.Name, "brand": c.Brand, "subject": subject,
			"expires": c.Expires.UTC().Format("2006-01-02 15:04 UTC")}})
	return err
}

// MaskEmail shows enough of an address to recognise it (authentik masks
// it in the challenge too): "j***@example.com".
func MaskEmail(a string) string {
	at := strings.LastIndex(a, "@")
	if at < 1 {
		return a
	}
	return a[:1] + "***" + a[at:]
}
