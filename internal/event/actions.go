package event

import (
	"context"
	"net/http"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

// Custom is the prefix of events created by expressions (ak_create_event).
const Custom = "custom_"

// Typed helpers, one per action of authentik's events/models.py EventAction, so every caller records the same
// context keys. Each takes the Queries to write through (the caller's
// transaction, so the event commits or rolls back with the change it
// describes) and the HTTP request (nil outside a request).

// ModelCreated records that model (see Model) was created.
func (rec *Recorder) ModelCreated(ctx context.Context, q store.Queries, r *http.Request, user *store.User, model map[string]any) error {
	return rec.Record(ctx, q, r, user, ModelCreated, map[string]any{"model": model})
}

// ModelUpdated records that model was changed.
func (rec *Recorder) ModelUpdated(ctx context.Context, q store.Queries, r *http.Request, user *store.User, model map[string]any) error {
	return rec.Record(ctx, q, r, user, ModelUpdated, map[string]any{"model": model})
}

// ModelDeleted records that model was deleted.
func (rec *Recorder) ModelDeleted(ctx context.Context, q store.Queries, r *http.Request, user *store.User, model map[string]any) error {
	return rec.Record(ctx, q, r, user, ModelDeleted, map[string]any{"model": model})
}

// InvitationUsed records an accepted invitation; user is the enrolling
// (pending) user.
func (rec *Recorder) InvitationUsed(ctx context.Context, q store.Queries, r *http.Request, user *store.User, inv store.Invitation) error {
	return rec.Record(ctx, q, r, user, InvitationUsed, map[string]any{"invitation_uuid": Hex(inv.UUID),
		"invitation": Model(store.ModelInvitation, inv.UUID, inv.Name)})
}

// UserWritten records the user write stage: every prompt_data key except
// component (masked by Record) plus created.
func (rec *Recorder) UserWritten(ctx context.Context, q store.Queries, r *http.Request, user *store.User, promptData map[string]any, created bool) error {
	data := make(map[string]any, len(promptData)+1)
	for k, v := range promptData {
		if k != "component" {
			data[k] = v
		}
	}
	data["created"] = created
	return rec.Record(ctx, q, r, user, UserWrite, data)
}

// PasswordChanged records a password set on an existing user.
func (rec *Recorder) PasswordChanged(ctx context.Context, q store.Queries, r *http.Request, user *store.User) error {
	return rec.Record(ctx, q, r, user, PasswordSet, nil)
}

// LoggedIn records a login; the plan context's auth_method,
// auth_method_args, source, outpost and device are copied when present.
func (rec *Recorder) LoggedIn(ctx context.Context, q store.Queries, r *http.Request, user *store.User, planContext map[string]any) error {
	data := map[string]any{}
	for _, k := range []string{"auth_method", "auth_method_args", "source", "outpost", "device"} {
		if v, ok := planContext[k]; ok {
			data[k] = v
		}
	}
	return rec.Record(ctx, q, r, user, Login, data)
}

// LoginFailedFor records a failed login for the name that was tried; the
// event's user is anonymous.
func (rec *Recorder) LoginFailedFor(ctx context.Context, q store.Queries, r *http.Request, username, stage string) error {
	data := map[string]any{"username": username}
	if stage != "" {
		data["stage"] = stage
	}
	return rec.Record(ctx, q, r, nil, LoginFailed, data)
}

// LoggedOut records a logout.
func (rec *Recorder) LoggedOut(ctx context.Context, q store.Queries, r *http.Request, user *store.User) error {
	return rec.Record(ctx, q, r, user, Logout, nil)
}

// CustomEvent records custom_<action> (the prefix is not doubled).
func (rec *Recorder) CustomEvent(ctx context.Context, q store.Queries, r *http.Request, user *store.User, action string, data map[string]any) error {
	if !strings.HasPrefix(action, Custom) {
		action = Custom + action
	}
	return rec.Record(ctx, q, r, user, action, data)
}
