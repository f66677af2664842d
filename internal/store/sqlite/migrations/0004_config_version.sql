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
	n INTEGER NOT NULL
) STRICT;
INSERT INTO config_version (n) VALUES (1);

-- SQLite has only row-level triggers: a statement touching many rows raises
-- n many times, which is fine, as only a change of n matters.
CREATE TRIGGER flows_config_insert AFTER INSERT ON flows BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER flows_config_update AFTER UPDATE ON flows BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER flows_config_delete AFTER DELETE ON flows BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER stages_config_insert AFTER INSERT ON stages BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER stages_config_update AFTER UPDATE ON stages BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER stages_config_delete AFTER DELETE ON stages BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER flow_stage_bindings_config_insert AFTER INSERT ON flow_stage_bindings BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER flow_stage_bindings_config_update AFTER UPDATE ON flow_stage_bindings BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER flow_stage_bindings_config_delete AFTER DELETE ON flow_stage_bindings BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER prompts_config_insert AFTER INSERT ON prompts BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER prompts_config_update AFTER UPDATE ON prompts BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER prompts_config_delete AFTER DELETE ON prompts BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER prompt_stage_fields_config_insert AFTER INSERT ON prompt_stage_fields BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER prompt_stage_fields_config_update AFTER UPDATE ON prompt_stage_fields BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER prompt_stage_fields_config_delete AFTER DELETE ON prompt_stage_fields BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER prompt_stage_policies_config_insert AFTER INSERT ON prompt_stage_policies BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER prompt_stage_policies_config_update AFTER UPDATE ON prompt_stage_policies BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER prompt_stage_policies_config_delete AFTER DELETE ON prompt_stage_policies BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER policies_config_insert AFTER INSERT ON policies BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER policies_config_update AFTER UPDATE ON policies BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER policies_config_delete AFTER DELETE ON policies BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER policy_bindings_config_insert AFTER INSERT ON policy_bindings BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER policy_bindings_config_update AFTER UPDATE ON policy_bindings BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER policy_bindings_config_delete AFTER DELETE ON policy_bindings BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER brands_config_insert AFTER INSERT ON brands BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER brands_config_update AFTER UPDATE ON brands BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER brands_config_delete AFTER DELETE ON brands BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER applications_config_insert AFTER INSERT ON applications BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER applications_config_update AFTER UPDATE ON applications BEGIN UPDATE config_version SET n = n + 1; END;
CREATE TRIGGER applications_config_delete AFTER DELETE ON applications BEGIN UPDATE config_version SET n = n + 1; END;
