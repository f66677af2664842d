// Package auth holds the credential primitives every front end shares:
// password hashing (argon2id by default; bcrypt and Django's
// pbkdf2_sha256 hashes imported from authentik are accepted and upgraded on
// the next successful login), browser sessions kept as database rows under
// authentik's cookie name so any instance can serve the next request, CSRF
// tokens bound to the session, API tokens, and the one-time bootstrap of
// the first administrator.
//
// It knows nothing about HTTP routing or business rules such as "changing a
// password ends the user's other sessions": those belong to the domain
// services that call it.
package auth
