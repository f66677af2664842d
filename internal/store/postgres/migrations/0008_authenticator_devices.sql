-- Second-factor devices (authentik's TOTPDevice, StaticDevice,
-- WebAuthnDevice and EmailDevice), one table for every class so that a
-- device's pk is unique across classes (/authenticators/all/ lists them
-- together). Columns a class does not use stay at their defaults.
CREATE TABLE authenticator_devices (
	id BIGSERIAL PRIMARY KEY,
	kind TEXT NOT NULL,
	user_pk BIGINT NOT NULL REFERENCES users (pk) ON DELETE CASCADE,
	name TEXT NOT NULL DEFAULT '',
	stage TEXT REFERENCES stages (uuid) ON DELETE SET NULL,
	created TIMESTAMPTZ NOT NULL,
	last_updated TIMESTAMPTZ NOT NULL,
	last_used TIMESTAMPTZ,
	-- TOTP: the base32 secret, its digits, and the last time step accepted;
	-- a code is accepted only for a later step (a conditional UPDATE), so
	-- it cannot be used twice, on any instance.
	secret TEXT NOT NULL DEFAULT '',
	digits INTEGER NOT NULL DEFAULT 6,
	last_step BIGINT NOT NULL DEFAULT 0,
	-- WebAuthn: the credential ID (base64url), the credential as
	-- go-webauthn stores it (JSON), its signature counter and AAGUID, and
	-- the challenge of the last assertion accepted (each ceremony's
	-- assertion is accepted once, even from authenticators without a
	-- counter).
	credential_id TEXT UNIQUE,
	credential JSONB NOT NULL DEFAULT '{}',
	sign_count BIGINT NOT NULL DEFAULT 0,
	aaguid TEXT NOT NULL DEFAULT '',
	last_challenge TEXT NOT NULL DEFAULT '',
	-- Email: the address, and the SHA-256 of the code last sent with its
	-- expiry (cleared when the code is used).
	email TEXT NOT NULL DEFAULT '',
	token_hash TEXT NOT NULL DEFAULT '',
	token_valid_until TIMESTAMPTZ
);
CREATE INDEX authenticator_devices_user ON authenticator_devices (user_pk, kind);

-- Static (recovery) tokens, stored as SHA-256 hex: each is deleted by the
-- one login that uses it.
CREATE TABLE static_tokens (
	device BIGINT NOT NULL REFERENCES authenticator_devices (id) ON DELETE CASCADE,
	token_hash TEXT NOT NULL,
	PRIMARY KEY (device, token_hash)
);

-- TOTP devices from 0007 move into the table every class shares; their
-- last accepted step comes along, so a code used before the upgrade stays
-- used after it.
INSERT INTO authenticator_devices (kind, user_pk, name, created, last_updated, last_used, secret, digits, last_step)
	SELECT 'totp', user_pk, name, created, created, last_used, key, digits, GREATEST(last_step, 0)
	FROM totp_devices WHERE confirmed ORDER BY id;
DROP TABLE totp_devices;
