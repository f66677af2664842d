-- OpenID Connect provider (authentik's providers.oauth2 and crypto apps).
--
-- Certificate key pairs sign ID tokens. The self-signed pair generated on
-- first start is stored here, so every instance signs with the same key.
CREATE TABLE certificate_keypairs (
	uuid TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	certificate_data TEXT NOT NULL,
	key_data TEXT NOT NULL DEFAULT '',
	managed TEXT UNIQUE,
	created TEXT NOT NULL
) STRICT;

-- Scope mappings (authentik_providers_oauth2.scopemapping): an expression
-- that returns the claims a scope adds.
CREATE TABLE scope_mappings (
	uuid TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	managed TEXT UNIQUE,
	scope_name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	expression TEXT NOT NULL
) STRICT;

-- OAuth2 providers (authentik_providers_oauth2.oauth2provider). Lists
-- (redirect_uris, property_mappings) are JSON.
CREATE TABLE oauth2_providers (
	pk INTEGER PRIMARY KEY AUTOINCREMENT,
	name TEXT NOT NULL UNIQUE,
	authorization_flow TEXT NOT NULL REFERENCES flows (uuid),
	authentication_flow TEXT REFERENCES flows (uuid) ON DELETE SET NULL,
	invalidation_flow TEXT REFERENCES flows (uuid) ON DELETE SET NULL,
	client_type TEXT NOT NULL DEFAULT 'confidential',
	client_id TEXT NOT NULL UNIQUE,
	client_secret TEXT NOT NULL DEFAULT '',
	redirect_uris TEXT NOT NULL DEFAULT '[]',
	signing_key TEXT REFERENCES certificate_keypairs (uuid) ON DELETE SET NULL,
	-- The key signing_key replaced stays in the JWKS until previous_key_until,
	-- when the last token it signed has expired.
	previous_signing_key TEXT REFERENCES certificate_keypairs (uuid) ON DELETE SET NULL,
	previous_key_until TEXT,
	access_code_validity TEXT NOT NULL DEFAULT 'minutes=1',
	access_token_validity TEXT NOT NULL DEFAULT 'hours=1',
	refresh_token_validity TEXT NOT NULL DEFAULT 'days=30',
	include_claims_in_id_token INTEGER NOT NULL DEFAULT 1,
	sub_mode TEXT NOT NULL DEFAULT 'hashed_user_id',
	issuer_mode TEXT NOT NULL DEFAULT 'per_provider',
	property_mappings TEXT NOT NULL DEFAULT '[]',
	grant_types TEXT NOT NULL DEFAULT '["authorization_code","refresh_token"]'
) STRICT;

-- An application links to at most one provider and a provider serves at
-- most one application (authentik's OneToOneField).
ALTER TABLE applications ADD COLUMN provider INTEGER REFERENCES oauth2_providers (pk) ON DELETE SET NULL;
CREATE UNIQUE INDEX applications_provider ON applications (provider);

-- Authorization requests: created by /application/o/authorize/, bound to
-- the user who completes the authorization flow, then to the code issued.
-- code_hash is the SHA-256 of the code; the code is redeemed by the
-- conditional UPDATE that sets code_used_at, so it works once.
CREATE TABLE oauth2_auth_requests (
	id TEXT PRIMARY KEY,
	provider_pk INTEGER NOT NULL REFERENCES oauth2_providers (pk) ON DELETE CASCADE,
	request TEXT NOT NULL,
	user_pk INTEGER REFERENCES users (pk) ON DELETE CASCADE,
	session_hash TEXT NOT NULL DEFAULT '',
	auth_time TEXT,
	code_hash TEXT UNIQUE,
	code_used_at TEXT,
	created TEXT NOT NULL,
	expires TEXT NOT NULL
) STRICT;
CREATE INDEX oauth2_auth_requests_expires ON oauth2_auth_requests (expires);

-- Access and refresh tokens. Only the SHA-256 of a refresh token is kept;
-- an access token is an opaque value that names its row id. family groups
-- every token descended from one code, so a replayed code or a reused
-- rotated refresh token revokes them all.
CREATE TABLE oauth2_tokens (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	token_hash TEXT UNIQUE,
	provider_pk INTEGER NOT NULL REFERENCES oauth2_providers (pk) ON DELETE CASCADE,
	user_pk INTEGER REFERENCES users (pk) ON DELETE CASCADE,
	family TEXT NOT NULL,
	session_hash TEXT NOT NULL DEFAULT '',
	scopes TEXT NOT NULL DEFAULT '[]',
	audience TEXT NOT NULL DEFAULT '[]',
	auth_time TEXT,
	amr TEXT NOT NULL DEFAULT '[]',
	created TEXT NOT NULL,
	expires TEXT NOT NULL,
	used_at TEXT,
	revoked_at TEXT
) STRICT;
CREATE INDEX oauth2_tokens_family ON oauth2_tokens (family);
CREATE INDEX oauth2_tokens_user ON oauth2_tokens (user_pk);
CREATE INDEX oauth2_tokens_session ON oauth2_tokens (session_hash);
CREATE INDEX oauth2_tokens_expires ON oauth2_tokens (expires);

-- Consent given to an application (authentik_stages_consent.userconsent).
CREATE TABLE user_consents (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_pk INTEGER NOT NULL REFERENCES users (pk) ON DELETE CASCADE,
	application TEXT NOT NULL REFERENCES applications (uuid) ON DELETE CASCADE,
	permissions TEXT NOT NULL DEFAULT '',
	expires TEXT,
	UNIQUE (user_pk, application, permissions)
) STRICT;
