package mail_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/worker/mail"
	"github.com/usher-id/usher/internal/worker/mail/mailtest"
	"github.com/usher-id/usher/internal/worker/outbox"
)

const link = "https://id.example.com/if/flow/enroll/?itoken=0b9c3a55-3f7e-4c3b-9a7e-5d2f0a1b2c3d"

func invitationMessage(to ...string) mail.Message {
	return mail.Message{To: to, Template: "invitation", Context: map[string]any{
		"url": link, "expires": "2026-12-31 23:59 UTC", "host": "id.example.com",
		"inviter": "Ada Admin", "brand": "Example Corp", "name": "jane-invite",
	}}
}

func outboxMessage(t *testing.T, m mail.Message) store.OutboxMessage {
	t.Helper()
	if err := m.Normalize(); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return store.OutboxMessage{ID: 1, Kind: mail.Kind, Payload: b}
}

func TestDeliverInvitation(t *testing.T) {
	tests := []struct {
		name string
		opts mailtest.Options
	}{
		{"plain", mailtest.Options{}},
		{"plain with AUTH PLAIN on localhost", mailtest.Options{Username: "usher", Password: "s3cret"}},
		{"STARTTLS with AUTH PLAIN", mailtest.Options{STARTTLS: true, Username: "usher", Password: "s3cret"}},
		{"implicit TLS", mailtest.Options{ImplicitTLS: true, Username: "usher", Password: "s3cret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.opts)
			cfg := srv.Config()
			cfg.From = "Usher <usher@example.com>"
			d, err := mail.NewDeliverer(cfg, "")
			if err != nil {
				t.Fatal(err)
			}
			msg := invitationMessage("jane@example.com")
			msg.Cc = []string{"hr@example.com"}
			msg.Bcc = []string{"audit@example.com"}
			if err := d.Deliver(context.Background(), outboxMessage(t, msg)); err != nil {
				t.Fatalf("deliver: %v", err)
			}
			got := srv.Wait(t, 1, 5*time.Second)[0]
			if got.From != "usher@example.com" {
				t.Errorf("envelope from = %q", got.From)
			}
			if strings.Join(got.To, ",") != "jane@example.com,hr@example.com,audit@example.com" {
				t.Errorf("envelope to = %v", got.To)
			}
			if got.TLS != (tt.opts.STARTTLS || tt.opts.ImplicitTLS) {
				t.Errorf("TLS = %v", got.TLS)
			}
			if got.Authed != tt.opts.Username {
				t.Errorf("authenticated as %q, want %q", got.Authed, tt.opts.Username)
			}
			if got.Subject != "You have been invited to id.example.com" {
				t.Errorf("subject = %q", got.Subject)
			}
			for _, h := range []string{"Date", "Message-Id", "Mime-Version", "From", "To", "Cc"} {
				if got.Header.Get(h) == "" {
					t.Errorf("header %s missing", h)
				}
			}
			if got.Header.Get("Bcc") != "" {
				t.Error("Bcc header must not be sent")
			}
			if !strings.HasSuffix(got.Header.Get("Message-Id"), "@example.com>") {
				t.Errorf("Message-ID = %q", got.Header.Get("Message-Id"))
			}
			if ct := got.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative;") {
				t.Errorf("Content-Type = %q", ct)
			}
			for part, body := range map[string]string{"text": got.Text, "html": got.HTML} {
				for _, want := range []string{link, "2026-12-31 23:59 UTC", "Ada Admin", "Example Corp"} {
					want := want
					if part == "html" {
						want = strings.ReplaceAll(want, "&", "&amp;")
					}
					if !strings.Contains(body, want) {
						t.Errorf("%s part lacks %q:\n%s", part, want, body)
					}
				}
			}
		})
	}
}

func TestDeliverFailures(t *testing.T) {
	tests := []struct {
		name      string
		opts      mailtest.Options
		cfg       func(c *mail.Config)
		permanent bool
		want      string
	}{
		{"wrong password", mailtest.Options{Username: "usher", Password: "right"},
			func(c *mail.Config) { c.Password = "wrong" }, false, "AUTH PLAIN"},
		{"STARTTLS required but not offered", mailtest.Options{},
			func(c *mail.Config) { c.UseTLS = true }, false, "does not offer STARTTLS"},
		{"temporary rejection", mailtest.Options{Reject: true}, nil, false, "try again later"},
		{"untrusted certificate", mailtest.Options{STARTTLS: true},
			func(c *mail.Config) { c.TLSConfig = nil }, false, "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := mailtest.Start(t, tt.opts)
			cfg := srv.Config()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			d, err := mail.NewDeliverer(cfg, "")
			if err != nil {
				t.Fatal(err)
			}
			err = d.Deliver(context.Background(), outboxMessage(t, invitationMessage("jane@example.com")))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if outbox.IsPermanent(err) != tt.permanent {
				t.Errorf("permanent = %v", outbox.IsPermanent(err))
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("%d messages received", n)
			}
		})
	}
	t.Run("unknown template is permanent", func(t *testing.T) {
		d, err := mail.NewDeliverer(mail.DefaultConfig(), "")
		if err != nil {
			t.Fatal(err)
		}
		m := invitationMessage("jane@example.com")
		m.Template = "nope"
		err = d.Deliver(context.Background(), outboxMessage(t, m))
		if !outbox.IsPermanent(err) || !strings.Contains(err.Error(), `no such email template "nope"`) {
			t.Fatalf("error = %v", err)
		}
	})
}

func TestTemplateOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "email"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, "email", name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("invitation.txt", "Join {{.brand}}: {{.url}} (by {{.inviter}})")
	tpl, err := mail.LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	text, html, err := tpl.Render("invitation", invitationMessage("a@example.com").Context)
	if err != nil {
		t.Fatal(err)
	}
	if text != "Join Example Corp: "+link+" (by Ada Admin)" {
		t.Errorf("text = %q", text)
	}
	if !strings.Contains(html, "Accept the invitation") {
		t.Error("the embedded HTML half should still be used")
	}

	write("invitation.html", "<p>{{.url")
	if _, err := mail.LoadTemplates(dir); err == nil || !strings.Contains(err.Error(), "invitation.html") {
		t.Fatalf("a broken override must fail at load naming the file, got %v", err)
	}
}

func TestMessageNormalize(t *testing.T) {
	tests := []struct {
		name    string
		msg     mail.Message
		wantErr []string
		subject string
	}{
		{"defaults", mail.Message{To: []string{" a@example.com "}, Context: map[string]any{"host": "h.example"}}, nil,
			"You have been invited to h.example"},
		{"authentik template path", mail.Message{To: []string{"a@example.com"}, Template: "email/invitation.html", Subject: "Hi\r\nBcc: x@evil.example"}, nil,
			"Hi Bcc: x@evil.example"},
		{"bad addresses", mail.Message{To: []string{"x@"}, Cc: []string{"Jane <j@example.com>"}, Bcc: []string{"a@b"}},
			[]string{`to: "x@" is not a valid email address`, `cc: "Jane <j@example.com>" is not`, `bcc: "a@b" is not`}, ""},
		{"no recipient", mail.Message{}, []string{"to: at least one address is required"}, ""},
		{"path traversal", mail.Message{To: []string{"a@example.com"}, Template: "../../etc/passwd"}, []string{"template:"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.msg.Normalize()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if tt.msg.Subject != tt.subject || tt.msg.Template != "invitation" {
					t.Errorf("subject %q template %q", tt.msg.Subject, tt.msg.Template)
				}
				return
			}
			for _, w := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), w) {
					t.Errorf("error %v lacks %q", err, w)
				}
			}
		})
	}
}

func TestComposeEncodesSubject(t *testing.T) {
	m := mail.Message{To: []string{"a@example.com"}, Subject: "Einladung für Jürgen"}
	raw, err := mail.Compose("usher@example.com", m, "Grüße", "", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	got, err := mailtest.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != m.Subject || got.Text != "Grüße" || got.HTML != "" {
		t.Errorf("subject %q text %q html %q", got.Subject, got.Text, got.HTML)
	}
	if strings.Contains(string(raw), "für") {
		t.Error("non-ASCII must be encoded in the raw message")
	}
	if got.Header.Get("Date") != "Fri, 02 Jan 2026 03:04:05 +0000" {
		t.Errorf("Date = %q", got.Header.Get("Date"))
	}
}
