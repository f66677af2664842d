// Package oauth2 is usher's OpenID Provider in the domain layer: the
// storage zitadel/oidc's op package drives (clients, authorization
// requests, codes, tokens, keys, claims), with every redeemable value
// used exactly once by a conditional write in the database, so several
// instances can share one PostgreSQL. Protocol parsing, validation and
// token signing are the library's (zitadel/oidc, go-jose); this package
// decides who, what and for how long, as authentik's providers/oauth2 does.
package oauth2
