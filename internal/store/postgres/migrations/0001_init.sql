-- usher schema, PostgreSQL dialect. Times are TIMESTAMPTZ (microseconds),
-- JSON is JSONB and UUIDs are lower-case TEXT with dashes (as in SQLite).
-- Keep in step with sqlite/migrations.

CREATE TABLE settings (
	name TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE users (
	pk BIGSERIAL PRIMARY KEY,
	uuid TEXT NOT NULL UNIQUE,
	username TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL DEFAULT '',
	password TEXT NOT NULL DEFAULT '',
	password_change_date TIMESTAMPTZ,
	is_active BOOLEAN NOT NULL DEFAULT TRUE,
	type TEXT NOT NULL DEFAULT 'internal',
	path TEXT NOT NULL DEFAULT 'users',
	attributes JSONB NOT NULL DEFAULT '{}',
	last_login TIMESTAMPTZ,
	date_joined TIMESTAMPTZ NOT NULL,
	last_updated TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_path ON users (path, username);
CREATE INDEX users_date_joined ON users (date_joined);
CREATE INDEX users_email ON users (email);
CREATE INDEX users_username_lower ON users (lower(username));
CREATE INDEX users_email_lower ON users (lower(email));

CREATE TABLE groups (
	uuid TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	is_superuser BOOLEAN NOT NULL DEFAULT FALSE,
	parent TEXT REFERENCES groups (uuid) ON DELETE SET NULL,
	attributes JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX groups_parent ON groups (parent);

CREATE TABLE group_members (
	group_uuid TEXT NOT NULL REFERENCES groups (uuid) ON DELETE CASCADE,
	user_pk BIGINT NOT NULL REFERENCES users (pk) ON DELETE CASCADE,
	PRIMARY KEY (group_uuid, user_pk)
);
CREATE INDEX group_members_user ON group_members (user_pk);

CREATE TABLE tokens (
	identifier TEXT PRIMARY KEY,
	key_hash TEXT NOT NULL UNIQUE,
	user_pk BIGINT NOT NULL REFERENCES users (pk) ON DELETE CASCADE,
	intent TEXT NOT NULL DEFAULT 'api',
	description TEXT NOT NULL DEFAULT '',
	expires TIMESTAMPTZ,
	created TIMESTAMPTZ NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_pk);

CREATE TABLE sessions (
	id TEXT PRIMARY KEY,
	user_pk BIGINT REFERENCES users (pk) ON DELETE CASCADE,
	data BYTEA NOT NULL,
	expires TIMESTAMPTZ NOT NULL,
	created TIMESTAMPTZ NOT NULL,
	last_seen TIMESTAMPTZ NOT NULL,
	client_ip TEXT NOT NULL DEFAULT '',
	user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_expires ON sessions (expires);
CREATE INDEX sessions_user ON sessions (user_pk);

CREATE TABLE flows (
	uuid TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	slug TEXT NOT NULL UNIQUE,
	title TEXT NOT NULL DEFAULT '',
	designation TEXT NOT NULL,
	authentication TEXT NOT NULL DEFAULT 'none',
	layout TEXT NOT NULL DEFAULT 'stacked',
	policy_engine_mode TEXT NOT NULL DEFAULT 'any',
	denied_action TEXT NOT NULL DEFAULT 'message_continue',
	compatibility_mode BOOLEAN NOT NULL DEFAULT FALSE,
	background TEXT NOT NULL DEFAULT ''
);

CREATE TABLE stages (
	uuid TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL,
	settings JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX stages_kind ON stages (kind);

CREATE TABLE prompts (
	uuid TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	field_key TEXT NOT NULL,
	label TEXT NOT NULL DEFAULT '',
	type TEXT NOT NULL,
	required BOOLEAN NOT NULL DEFAULT TRUE,
	placeholder TEXT NOT NULL DEFAULT '',
	placeholder_expression BOOLEAN NOT NULL DEFAULT FALSE,
	initial_value TEXT NOT NULL DEFAULT '',
	initial_value_expression BOOLEAN NOT NULL DEFAULT FALSE,
	sort_order INTEGER NOT NULL DEFAULT 0,
	sub_text TEXT NOT NULL DEFAULT ''
);

CREATE TABLE policies (
	uuid TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL DEFAULT 'expression',
	expression TEXT NOT NULL DEFAULT '',
	execution_logging BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE prompt_stage_fields (
	stage_uuid TEXT NOT NULL REFERENCES stages (uuid) ON DELETE CASCADE,
	prompt_uuid TEXT NOT NULL REFERENCES prompts (uuid) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	PRIMARY KEY (stage_uuid, prompt_uuid)
);
CREATE INDEX prompt_stage_fields_prompt ON prompt_stage_fields (prompt_uuid);

CREATE TABLE prompt_stage_policies (
	stage_uuid TEXT NOT NULL REFERENCES stages (uuid) ON DELETE CASCADE,
	policy_uuid TEXT NOT NULL REFERENCES policies (uuid) ON DELETE CASCADE,
	position INTEGER NOT NULL,
	PRIMARY KEY (stage_uuid, policy_uuid)
);
CREATE INDEX prompt_stage_policies_policy ON prompt_stage_policies (policy_uuid);

CREATE TABLE flow_stage_bindings (
	uuid TEXT PRIMARY KEY,
	target TEXT NOT NULL REFERENCES flows (uuid) ON DELETE CASCADE,
	stage TEXT NOT NULL REFERENCES stages (uuid) ON DELETE CASCADE,
	sort_order INTEGER NOT NULL,
	evaluate_on_plan BOOLEAN NOT NULL DEFAULT FALSE,
	re_evaluate_policies BOOLEAN NOT NULL DEFAULT TRUE,
	invalid_response_action TEXT NOT NULL DEFAULT 'retry',
	policy_engine_mode TEXT NOT NULL DEFAULT 'any',
	UNIQUE (target, stage, sort_order)
);
CREATE INDEX flow_stage_bindings_stage ON flow_stage_bindings (stage);

CREATE TABLE invitations (
	invite_uuid TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	expires TIMESTAMPTZ,
	expiring BOOLEAN NOT NULL DEFAULT TRUE,
	flow TEXT REFERENCES flows (uuid) ON DELETE SET NULL,
	max_uses INTEGER,
	uses INTEGER NOT NULL DEFAULT 0,
	fixed_data JSONB NOT NULL DEFAULT '{}',
	created_by BIGINT NOT NULL REFERENCES users (pk) ON DELETE CASCADE,
	email TEXT NOT NULL DEFAULT '',
	revoked_at TIMESTAMPTZ,
	created TIMESTAMPTZ NOT NULL
);
CREATE INDEX invitations_expires ON invitations (expires);
CREATE INDEX invitations_name ON invitations (name);
CREATE INDEX invitations_created_by ON invitations (created_by);
CREATE INDEX invitations_flow ON invitations (flow);

CREATE TABLE invitation_uses (
	id BIGSERIAL PRIMARY KEY,
	invitation TEXT NOT NULL REFERENCES invitations (invite_uuid) ON DELETE CASCADE,
	user_pk BIGINT REFERENCES users (pk) ON DELETE SET NULL,
	username TEXT NOT NULL DEFAULT '',
	used_at TIMESTAMPTZ NOT NULL,
	client_ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX invitation_uses_invitation ON invitation_uses (invitation);
CREATE INDEX invitation_uses_user ON invitation_uses (user_pk);

CREATE TABLE policy_bindings (
	uuid TEXT PRIMARY KEY,
	target TEXT NOT NULL,
	policy TEXT REFERENCES policies (uuid) ON DELETE CASCADE,
	group_uuid TEXT REFERENCES groups (uuid) ON DELETE CASCADE,
	user_pk BIGINT REFERENCES users (pk) ON DELETE CASCADE,
	negate BOOLEAN NOT NULL DEFAULT FALSE,
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	sort_order INTEGER NOT NULL,
	timeout INTEGER NOT NULL DEFAULT 30,
	failure_result BOOLEAN NOT NULL DEFAULT FALSE,
	UNIQUE (policy, target, sort_order)
);
CREATE INDEX policy_bindings_target ON policy_bindings (target, sort_order);
CREATE INDEX policy_bindings_group ON policy_bindings (group_uuid);
CREATE INDEX policy_bindings_user ON policy_bindings (user_pk);

CREATE TABLE applications (
	uuid TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	slug TEXT NOT NULL UNIQUE,
	group_name TEXT NOT NULL DEFAULT '',
	meta_launch_url TEXT NOT NULL DEFAULT '',
	meta_icon TEXT NOT NULL DEFAULT '',
	meta_description TEXT NOT NULL DEFAULT '',
	meta_publisher TEXT NOT NULL DEFAULT '',
	open_in_new_tab BOOLEAN NOT NULL DEFAULT FALSE,
	policy_engine_mode TEXT NOT NULL DEFAULT 'any'
);

CREATE TABLE brands (
	uuid TEXT PRIMARY KEY,
	domain TEXT NOT NULL,
	is_default BOOLEAN NOT NULL DEFAULT FALSE,
	branding_title TEXT NOT NULL DEFAULT '',
	branding_logo TEXT NOT NULL DEFAULT '',
	branding_favicon TEXT NOT NULL DEFAULT '',
	flow_authentication TEXT REFERENCES flows (uuid) ON DELETE SET NULL,
	flow_invalidation TEXT REFERENCES flows (uuid) ON DELETE SET NULL,
	flow_recovery TEXT REFERENCES flows (uuid) ON DELETE SET NULL,
	flow_unenrollment TEXT REFERENCES flows (uuid) ON DELETE SET NULL,
	flow_user_settings TEXT REFERENCES flows (uuid) ON DELETE SET NULL,
	default_application TEXT REFERENCES applications (uuid) ON DELETE SET NULL,
	attributes JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX brands_flow_authentication ON brands (flow_authentication);
CREATE INDEX brands_flow_invalidation ON brands (flow_invalidation);
CREATE INDEX brands_flow_recovery ON brands (flow_recovery);
CREATE INDEX brands_flow_unenrollment ON brands (flow_unenrollment);
CREATE INDEX brands_flow_user_settings ON brands (flow_user_settings);
CREATE INDEX brands_default_application ON brands (default_application);

CREATE TABLE events (
	event_uuid TEXT PRIMARY KEY,
	action TEXT NOT NULL,
	app TEXT NOT NULL DEFAULT '',
	user_json JSONB NOT NULL DEFAULT '{}',
	context JSONB NOT NULL DEFAULT '{}',
	client_ip TEXT NOT NULL DEFAULT '',
	created TIMESTAMPTZ NOT NULL,
	brand JSONB NOT NULL DEFAULT '{}',
	expires TIMESTAMPTZ NOT NULL
);
CREATE INDEX events_created ON events (created);
CREATE INDEX events_action ON events (action, created);
CREATE INDEX events_expires ON events (expires);

CREATE TABLE blueprint_instances (
	uuid TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	path TEXT NOT NULL DEFAULT '',
	context JSONB NOT NULL DEFAULT '{}',
	last_applied TIMESTAMPTZ NOT NULL,
	last_applied_hash TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL DEFAULT 'unknown',
	enabled BOOLEAN NOT NULL DEFAULT TRUE,
	managed_models JSONB NOT NULL DEFAULT '[]',
	metadata JSONB NOT NULL DEFAULT '{}',
	content TEXT NOT NULL DEFAULT ''
);

CREATE TABLE outbox (
	id BIGSERIAL PRIMARY KEY,
	kind TEXT NOT NULL,
	payload BYTEA NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt TIMESTAMPTZ NOT NULL,
	locked_until TIMESTAMPTZ,
	last_error TEXT NOT NULL DEFAULT '',
	created TIMESTAMPTZ NOT NULL,
	sent_at TIMESTAMPTZ,
	failed BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX outbox_due ON outbox (next_attempt) WHERE sent_at IS NULL AND NOT failed;

CREATE TABLE leases (
	name TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	expires TIMESTAMPTZ NOT NULL
);

CREATE TABLE rate_limit_hits (
	key_name TEXT NOT NULL,
	window_start TIMESTAMPTZ NOT NULL,
	hits INTEGER NOT NULL DEFAULT 0,
	expires TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (key_name, window_start)
);
CREATE INDEX rate_limit_hits_expires ON rate_limit_hits (expires);
