-- Flow tokens (authentik's flows.FlowToken): links that resume a flow, such
-- as the email stage's verification and recovery links. key_hash is the
-- SHA-256 of the key in the link; plan is the flow plan as JSON. A token is
-- used by the conditional UPDATE that sets consumed_at, so it works once.
CREATE TABLE flow_tokens (
	id BIGSERIAL PRIMARY KEY,
	key_hash TEXT NOT NULL UNIQUE,
	identifier TEXT NOT NULL DEFAULT '',
	flow_uuid TEXT NOT NULL REFERENCES flows (uuid) ON DELETE CASCADE,
	user_pk BIGINT REFERENCES users (pk) ON DELETE CASCADE,
	stage TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL DEFAULT '',
	plan TEXT NOT NULL,
	expires TIMESTAMPTZ NOT NULL,
	created TIMESTAMPTZ NOT NULL,
	consumed_at TIMESTAMPTZ
);
CREATE INDEX flow_tokens_expires ON flow_tokens (expires);
