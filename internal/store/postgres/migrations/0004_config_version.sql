-- A counter of configuration writes, so that every instance can keep the
-- flow configuration in memory and check with one cheap read per request
-- that it is still current (internal/flow/config_cache.go). Triggers raise
-- it on every insert, update and delete of the tables the flow executor and
-- the flow pages read as configuration, whoever writes them: the API, the
-- admin console, blueprints, another instance or a manual SQL statement.
-- A table the cache starts reading must get its triggers here too.
--
-- One row; n only grows.
CREATE TABLE config_version (
	n BIGINT NOT NULL
);
INSERT INTO config_version (n) VALUES (1);

-- Statement-level triggers: a statement touching many rows (a cascade, a
-- blueprint) raises n once. PostgreSQL fires them for statements that touch
-- no row too (deleting a user runs the cascade to policy_bindings whether
-- or not any binding names the user), so the AFTER function looks at the
-- statement's rows, which each trigger passes as the transition table
-- "changed"; a table can have one per event, hence three AFTER triggers a
-- table, plus TRUNCATE, which has none.
--
-- The row of config_version stays locked until the writing transaction
-- ends, so concurrent writers take turns and n never goes back or loses a
-- raise. The BEFORE trigger takes that lock before the statement locks any
-- configuration row: otherwise a transaction could hold a new row (a
-- unique name) while waiting for the counter held by another that goes on
-- to write the same name, and one of them would fail with a deadlock
-- instead of the unique violation a blueprint apply retries.
CREATE FUNCTION lock_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM 1 FROM config_version FOR UPDATE;
	RETURN NULL;
END;
$$;

CREATE FUNCTION raise_config_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		UPDATE config_version SET n = n + 1;
	ELSIF EXISTS (SELECT 1 FROM changed) THEN
		UPDATE config_version SET n = n + 1;
	END IF;
	RETURN NULL;
END;
$$;

CREATE TRIGGER flows_config_lock BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON flows
	FOR EACH STATEMENT EXECUTE FUNCTION lock_config_version();
CREATE TRIGGER flows_config_insert AFTER INSERT ON flows REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER flows_config_update AFTER UPDATE ON flows REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER flows_config_delete AFTER DELETE ON flows REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER flows_config_truncate AFTER TRUNCATE ON flows
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER stages_config_lock BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON stages
	FOR EACH STATEMENT EXECUTE FUNCTION lock_config_version();
CREATE TRIGGER stages_config_insert AFTER INSERT ON stages REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER stages_config_update AFTER UPDATE ON stages REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER stages_config_delete AFTER DELETE ON stages REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER stages_config_truncate AFTER TRUNCATE ON stages
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER flow_stage_bindings_config_lock BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON flow_stage_bindings
	FOR EACH STATEMENT EXECUTE FUNCTION lock_config_version();
CREATE TRIGGER flow_stage_bindings_config_insert AFTER INSERT ON flow_stage_bindings REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER flow_stage_bindings_config_update AFTER UPDATE ON flow_stage_bindings REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER flow_stage_bindings_config_delete AFTER DELETE ON flow_stage_bindings REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER flow_stage_bindings_config_truncate AFTER TRUNCATE ON flow_stage_bindings
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER prompts_config_lock BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON prompts
	FOR EACH STATEMENT EXECUTE FUNCTION lock_config_version();
CREATE TRIGGER prompts_config_insert AFTER INSERT ON prompts REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER prompts_config_update AFTER UPDATE ON prompts REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER prompts_config_delete AFTER DELETE ON prompts REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER prompts_config_truncate AFTER TRUNCATE ON prompts
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER prompt_stage_fields_config_lock BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON prompt_stage_fields
	FOR EACH STATEMENT EXECUTE FUNCTION lock_config_version();
CREATE TRIGGER prompt_stage_fields_config_insert AFTER INSERT ON prompt_stage_fields REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER prompt_stage_fields_config_update AFTER UPDATE ON prompt_stage_fields REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER prompt_stage_fields_config_delete AFTER DELETE ON prompt_stage_fields REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER prompt_stage_fields_config_truncate AFTER TRUNCATE ON prompt_stage_fields
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER prompt_stage_policies_config_lock BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON prompt_stage_policies
	FOR EACH STATEMENT EXECUTE FUNCTION lock_config_version();
CREATE TRIGGER prompt_stage_policies_config_insert AFTER INSERT ON prompt_stage_policies REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER prompt_stage_policies_config_update AFTER UPDATE ON prompt_stage_policies REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER prompt_stage_policies_config_delete AFTER DELETE ON prompt_stage_policies REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER prompt_stage_policies_config_truncate AFTER TRUNCATE ON prompt_stage_policies
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER policies_config_lock BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON policies
	FOR EACH STATEMENT EXECUTE FUNCTION lock_config_version();
CREATE TRIGGER policies_config_insert AFTER INSERT ON policies REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER policies_config_update AFTER UPDATE ON policies REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER policies_config_delete AFTER DELETE ON policies REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER policies_config_truncate AFTER TRUNCATE ON policies
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER policy_bindings_config_lock BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON policy_bindings
	FOR EACH STATEMENT EXECUTE FUNCTION lock_config_version();
CREATE TRIGGER policy_bindings_config_insert AFTER INSERT ON policy_bindings REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER policy_bindings_config_update AFTER UPDATE ON policy_bindings REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER policy_bindings_config_delete AFTER DELETE ON policy_bindings REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER policy_bindings_config_truncate AFTER TRUNCATE ON policy_bindings
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER brands_config_lock BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON brands
	FOR EACH STATEMENT EXECUTE FUNCTION lock_config_version();
CREATE TRIGGER brands_config_insert AFTER INSERT ON brands REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER brands_config_update AFTER UPDATE ON brands REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER brands_config_delete AFTER DELETE ON brands REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER brands_config_truncate AFTER TRUNCATE ON brands
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER applications_config_lock BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON applications
	FOR EACH STATEMENT EXECUTE FUNCTION lock_config_version();
CREATE TRIGGER applications_config_insert AFTER INSERT ON applications REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER applications_config_update AFTER UPDATE ON applications REFERENCING NEW TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER applications_config_delete AFTER DELETE ON applications REFERENCING OLD TABLE AS changed
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
CREATE TRIGGER applications_config_truncate AFTER TRUNCATE ON applications
	FOR EACH STATEMENT EXECUTE FUNCTION raise_config_version();
