package mail

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"time"
)

// Sender delivers composed messages over SMTP.
type Sender struct {
	Config Config
	// Hello is the name sent in EHLO; default "localhost".
	Hello string
}

func (s *Sender) tlsConfig() *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.Config.TLSConfig != nil {
		c = s.Config.TLSConfig.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = s.Config.Host
	}
	return c
}

// Send delivers data to rcpts with the configured From as envelope sender.
// Config.Timeout bounds connecting and then the whole exchange; ctx
// cancellation aborts it too.
func (s *Sender) Send(ctx context.Context, rcpts []string, data []byte) (err error) {
	cfg := s.Config
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return fmt.Errorf("%s: %q is not an email address", EnvFrom, cfg.From)
	}
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	nd := &net.Dialer{}
	var conn net.Conn
	if cfg.UseSSL {
		conn, err = (&tls.Dialer{NetDialer: nd, Config: s.tlsConfig()}).DialContext(dctx, "tcp", addr)
	} else {
		conn, err = nd.DialContext(dctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("connect to %s: %w", addr, err)
	}
	defer conn.Close()
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	c, err := smtp.NewClient(conn, cfg.Host)
	if err != nil {
		return fmt.Errorf("smtp %s: greeting: %w", addr, err)
	}
	defer c.Close()
	hello := s.Hello
	if hello == "" {
		hello = "localhost"
	}
	if err := c.Hello(hello); err != nil {
		return fmt.Errorf("smtp %s: EHLO: %w", addr, err)
	}
	if cfg.UseTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return fmt.Errorf("smtp %s: server does not offer STARTTLS but %s is set", addr, EnvUseTLS)
		}
		if err := c.StartTLS(s.tlsConfig()); err != nil {
			return fmt.Errorf("smtp %s: STARTTLS: %w", addr, err)
		}
	}
	if cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return fmt.Errorf("smtp %s: server does not offer AUTH but %s is set", addr, EnvUsername)
		}
		// PlainAuth refuses to send the password unencrypted, except to
		// localhost.
		if err := c.Auth(smtp.PlainAuth("", cfg.Username, cfg.Password, cfg.Host)); err != nil {
			return fmt.Errorf("smtp %s: AUTH PLAIN: %w", addr, err)
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return fmt.Errorf("smtp %s: MAIL FROM: %w", addr, err)
	}
	for _, r := range rcpts {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("smtp %s: RCPT TO %s: %w", addr, r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("smtp %s: write message: %w", addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp %s: end of message: %w", addr, err)
	}
	// The server accepted the message at the end of DATA; a failed QUIT
	// does not undo that, so it must not cause a resend.
	_ = c.Quit()
	return nil
}
