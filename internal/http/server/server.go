package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"syscall"
	"time"

	"github.com/usher-id/usher/internal/app"
)

// Area is a part of usher that serves HTTP routes.
type Area interface {
	Mount(mux *http.ServeMux)
}

// Options are the server settings that come from configuration.
type Options struct {
	// TrustedProxies are the networks whose X-Forwarded-* headers count.
	TrustedProxies []netip.Prefix
	// MaxBodyBytes limits every request body (default 1 MiB).
	MaxBodyBytes int64
	// BodyLimits raises or lowers the limit for paths starting with a
	// prefix (for blueprint uploads); the longest matching prefix wins.
	BodyLimits map[string]int64
}

// Server is usher's HTTP server.
type Server struct {
	app     *app.App
	opts    Options
	metrics *Metrics
	handler http.Handler
}

// New builds the server: health and metrics routes, then each area's
// routes, wrapped in the middleware chain described in the package doc.
func New(a *app.App, opts Options, areas ...Area) *Server {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	s := &Server{app: a, opts: opts, metrics: NewMetrics(a.Store, a.Version)}
	mux := http.NewServeMux()
	health{a}.Mount(mux)
	mux.Handle("GET /metrics", s.metrics)
	for _, area := range areas {
		area.Mount(mux)
	}
	var h http.Handler = capturePattern(mux)
	h = s.csrf(h)
	h = s.session(h)
	h = s.limitBody(h)
	h = securityHeaders(h)
	h = s.recoverPanics(h)
	h = s.observe(h)
	h = s.requestContext(h)
	s.handler = h
	return s
}

// Handler is the complete handler, for httptest and embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Metrics is the server's metric registry.
func (s *Server) Metrics() *Metrics { return s.metrics }

// Listen opens addr, turning the usual failures into one clear line:
// "listen 127.0.0.1:9000: address already in use".
func Listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	var errno syscall.Errno
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("listen %s: address already in use (another program, or another usher, has it; set USHER_LISTEN to a free host:port)", addr)
	case errors.Is(err, syscall.EACCES):
		return nil, fmt.Errorf("listen %s: permission denied (ports below 1024 need privileges)", addr)
	case errors.As(err, &errno):
		return nil, fmt.Errorf("listen %s: %v", addr, errno)
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return nil, fmt.Errorf("listen %s: unknown host %s", addr, dnsErr.Name)
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return nil, fmt.Errorf("listen %s: %s", addr, msg)
}

// Serve serves on ln until ctx ends, then shuts down gracefully, giving
// requests in flight up to 15 seconds.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.app.Log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.app.Log.Info("shutting down", "reason", context.Cause(ctx))
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
