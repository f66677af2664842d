-- TOTP devices (authentik's stages.authenticator_totp.TOTPDevice).
-- last_step is the time step of the last accepted code: a code is accepted
-- only by the conditional UPDATE that raises it, so it works once.
CREATE TABLE totp_devices (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	user_pk INTEGER NOT NULL REFERENCES users (pk) ON DELETE CASCADE,
	name TEXT NOT NULL DEFAULT '',
	key TEXT NOT NULL,
	digits INTEGER NOT NULL DEFAULT 6,
	confirmed INTEGER NOT NULL DEFAULT 0,
	last_step INTEGER NOT NULL DEFAULT -1,
	created TEXT NOT NULL,
	last_used TEXT
) STRICT;
CREATE INDEX totp_devices_user ON totp_devices (user_pk);
