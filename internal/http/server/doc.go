// Package server builds usher's HTTP server: one http.ServeMux that every
// area mounts its routes on (anything with Mount(*http.ServeMux)), wrapped
// in a fixed middleware chain, plus the health and metrics endpoints.
//
// The chain, outermost first:
//
//  1. request context: request ID (a sane incoming X-Request-Id or a new
//     one, echoed in the response), client IP and TLS flag, honouring
//     X-Forwarded-For/-Proto only from USHER_TRUSTED_PROXIES; stored with
//     httpx.WithRequest, so loggers built by NewLogger add request_id and
//     client_ip to every line logged with a request's context;
//  2. access log and metrics (per route pattern and status class);
//  3. panic recovery: a 500 carrying only the request ID; the panic and its
//     stack go to the log;
//  4. security headers (CSP without inline scripts, nosniff, referrer
//     policy, frame-ancestors 'none');
//  5. body size limit (http.MaxBytesReader; a declared oversize body gets a
//     413 at once, a handler reading past the limit gets an error matching
//     *http.MaxBytesError and should answer 413 too);
//  6. session: the auth.Session is loaded and attached to the context
//     (auth.FromContext); see the convention below;
//  7. CSRF: see below.
//
// Session convention. The middleware never saves the session: once a
// handler has written its body it is too late to set a cookie. A handler
// that changes the session (Set, Login, Keep, ...) calls
// app.Sessions.Save(w, r, sess) itself before it writes headers or body.
// Unchanged sessions need no save.
//
// CSRF. Browser requests (paths outside /api/) that are POST, PUT, PATCH or
// DELETE must carry the token auth.CSRFToken(app.Secret, session) in the
// form field auth.CSRFField or the header auth.CSRFHeader; pages rendering a
// form call session.Keep() or, when nothing needs storing yet (a flow's
// first form), session.KeepCookie() (and save) so the token stays valid. Requests
// under /api/ with an Authorization header (API tokens) are exempt; those
// authenticated by the session cookie must send the CSRF header or a
// Content-Type of application/json, which a cross-site form cannot send
// without CORS (usher never grants CORS). API requests without a session
// cookie carry no ambient authority and are exempt.
package server
