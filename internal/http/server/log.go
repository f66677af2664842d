package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/usher-id/usher/internal/httpx"
)

// NewLogger returns a text or JSON slog logger at level (debug, info, warn,
// error) whose records carry request_id and client_ip when logged with a
// request's context.
func NewLogger(w io.Writer, level, format string) *slog.Logger {
	var lv slog.Level
	switch strings.ToLower(level) {
	case "debug":
		lv = slog.LevelDebug
	case "warn":
		lv = slog.LevelWarn
	case "error":
		lv = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if strings.EqualFold(format, "json") {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(ContextHandler{h})
}

// ContextHandler adds the request ID and client IP from the context to each
// record, so code logs with InfoContext(ctx, ...) and never formats them.
type ContextHandler struct{ slog.Handler }

// Handle adds the request attributes and passes the record on.
func (h ContextHandler) Handle(ctx context.Context, rec slog.Record) error {
	if id := httpx.RequestID(ctx); id != "" {
		rec.AddAttrs(slog.String("request_id", id))
		// httpx keeps the client IP under an unexported key read through a
		// request; a bare request carrying ctx reaches it.
		if ip := httpx.ClientIP((&http.Request{}).WithContext(ctx)); ip != "" {
			rec.AddAttrs(slog.String("client_ip", ip))
		}
	}
	return h.Handler.Handle(ctx, rec)
}

// WithAttrs keeps the wrapper around the derived handler.
func (h ContextHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return ContextHandler{h.Handler.WithAttrs(attrs)}
}

// WithGroup keeps the wrapper around the derived handler.
func (h ContextHandler) WithGroup(name string) slog.Handler {
	return ContextHandler{h.Handler.WithGroup(name)}
}
