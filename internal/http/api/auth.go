package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// Authentication and permission messages, as DRF and authentik word them.
// authentik answers unauthenticated requests with 403, not 401.
const (
	msgNoCredentials = "Authentication credentials were not provided."
	msgBadToken      = "Token invalid/expired"
	msgMalformed     = "Malformed header"
	msgInactive      = "User inactive or deleted."
	msgForbidden     = "You do not have permission to perform this action."
	msgUnavailable   = "The server cannot reach its database right now. Please try again in a moment."
)

// call is one authenticated API request.
type call struct {
	User store.User
	// Token is true when the request authenticated with an API token.
	Token bool
}

// handlerFunc is an API handler that runs after authentication. It
// returns the error to answer (see writeError) or nil once it has answered.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c *call) error

// authenticated runs fn for any logged-in user or valid token, and is the
// adapter that answers the error fn returns.
func (h *Handler) authenticated(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, status, msg := h.authenticate(r)
		if c == nil && status == http.StatusTooManyRequests {
			retry, _ := h.Limiter.Check(r.Context(), ratelimit.IPKey(ratelimit.APITokenFail, httpx.ClientIP(r)))
			ratelimit.WriteAPI(w, retry)
			return
		}
		var err error
		switch {
		case c == nil:
			err = errDetail(status, msg)
		default:
			if err = checkRequestText(r); err == nil {
				err = fn(w, r, c)
			}
		}
		if err != nil {
			h.writeError(w, r, err)
		}
	}
}

// superuser runs fn for superusers only: usher has no object permissions,
// so everything but users/me/ is administration.
func (h *Handler) superuser(fn handlerFunc) http.HandlerFunc {
	return h.authenticated(func(w http.ResponseWriter, r *http.Request, c *call) error {
		ok, err := h.App.Store.IsSuperuser(r.Context(), c.User.PK)
		if err != nil {
			return err
		}
		if !ok {
			return errForbidden
		}
		return fn(w, r, c)
	})
}

// authenticate resolves the bearer token, else the session cookie. It
// returns the status and message to answer with when there is no user.
func (h *Handler) authenticate(r *http.Request) (*call, int, string) {
	ctx := r.Context()
	if header := r.Header.Get("Authorization"); header != "" {
		scheme, key, _ := strings.Cut(strings.TrimSpace(header), " ")
		if strings.EqualFold(scheme, "bearer") {
			key = strings.TrimSpace(key)
			if key == "" || strings.Contains(key, " ") {
				return nil, http.StatusForbidden, msgMalformed
			}
			// Guessing keys is throttled per client address; a valid key
			// from another address is never refused because of it.
			limitKey := ratelimit.IPKey(ratelimit.APITokenFail, httpx.ClientIP(r))
			if _, limited := h.Limiter.Check(ctx, limitKey); limited {
				return nil, http.StatusTooManyRequests, ""
			}
			// Lookup is by hash, so no key is ever compared in variable time.
			t, err := h.App.Store.GetTokenByHash(ctx, auth.HashToken(key))
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, http.StatusServiceUnavailable, msgUnavailable
			}
			if err != nil || t.Intent != "api" || (t.Expires != nil && !t.Expires.After(h.App.Clock())) {
				h.Limiter.Fail(ctx, limitKey)
				return nil, http.StatusForbidden, msgBadToken
			}
			u, err := h.App.Store.GetUser(ctx, t.UserPK)
			if err != nil || !u.IsActive {
				return nil, http.StatusForbidden, msgInactive
			}
			return &call{User: u, Token: true}, 0, ""
		}
	}
	s := auth.FromContext(ctx)
	if s == nil && h.App.Sessions != nil {
		s, _ = h.App.Sessions.Load(r)
	}
	if s != nil && s.UserPK != nil {
		u, err := h.App.Store.GetUser(ctx, *s.UserPK)
		if err == nil && u.IsActive {
			return &call{User: u}, 0, ""
		}
	}
	return nil, http.StatusForbidden, msgNoCredentials
}

// resourceCtx builds the model context for one request.
func (h *Handler) resourceCtx(r *http.Request, c *call, q store.Queries) *resource.Ctx {
	u := c.User
	return &resource.Ctx{Context: r.Context(), Q: q, User: &u, BaseURL: httpx.BaseURL(r), Now: h.App.Clock(),
		Passwords: h.App.Passwords, BlueprintsDir: h.App.BlueprintsDir, TemplatesDir: h.App.TemplatesDir}
}
