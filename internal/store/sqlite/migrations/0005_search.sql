-- Trigram full-text indexes for the users and invitations searches, so a
-- "contains" search of 3+ characters on a large directory looks up the
-- matching rows instead of reading every row with LIKE '%term%'
-- (sqlstore.ListUsers / ListInvitations; TestAdminPagesUseIndexes).
--
-- External-content tables: they index the rows in place (no second copy of
-- the text) and are kept in sync by the triggers below, whoever writes.
-- Trigram MATCH folds case for all of Unicode where LIKE folds ASCII only,
-- so the queries still apply LIKE to the rows found: results are exactly
-- those of LIKE.
--
-- invitations has no INTEGER PRIMARY KEY, so its index is keyed by the
-- implicit rowid, which UPDATE never changes and VACUUM preserves in the
-- SQLite usher embeds (checked when this was written). Should it ever
-- drift, INSERT INTO invitations_fts(invitations_fts) VALUES ('rebuild')
-- rebuilds the index from the table.

CREATE VIRTUAL TABLE users_fts USING fts5(username, name, email,
	content = 'users', content_rowid = 'pk', tokenize = 'trigram');
INSERT INTO users_fts (users_fts) VALUES ('rebuild');

CREATE TRIGGER users_fts_insert AFTER INSERT ON users BEGIN
	INSERT INTO users_fts (rowid, username, name, email) VALUES (new.pk, new.username, new.name, new.email);
END;
CREATE TRIGGER users_fts_delete AFTER DELETE ON users BEGIN
	INSERT INTO users_fts (users_fts, rowid, username, name, email) VALUES ('delete', old.pk, old.username, old.name, old.email);
END;
-- Only when a searched column changes: logins update users all the time.
CREATE TRIGGER users_fts_update AFTER UPDATE OF pk, username, name, email ON users
WHEN old.pk IS NOT new.pk OR old.username IS NOT new.username OR old.name IS NOT new.name OR old.email IS NOT new.email
BEGIN
	INSERT INTO users_fts (users_fts, rowid, username, name, email) VALUES ('delete', old.pk, old.username, old.name, old.email);
	INSERT INTO users_fts (rowid, username, name, email) VALUES (new.pk, new.username, new.name, new.email);
END;

CREATE VIRTUAL TABLE invitations_fts USING fts5(name,
	content = 'invitations', content_rowid = 'rowid', tokenize = 'trigram');
INSERT INTO invitations_fts (invitations_fts) VALUES ('rebuild');

CREATE TRIGGER invitations_fts_insert AFTER INSERT ON invitations BEGIN
	INSERT INTO invitations_fts (rowid, name) VALUES (new.rowid, new.name);
END;
CREATE TRIGGER invitations_fts_delete AFTER DELETE ON invitations BEGIN
	INSERT INTO invitations_fts (invitations_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
END;
-- Consuming an invitation updates uses only: no index work.
CREATE TRIGGER invitations_fts_update AFTER UPDATE OF name ON invitations
WHEN old.name IS NOT new.name OR old.rowid IS NOT new.rowid
BEGIN
	INSERT INTO invitations_fts (invitations_fts, rowid, name) VALUES ('delete', old.rowid, old.name);
	INSERT INTO invitations_fts (rowid, name) VALUES (new.rowid, new.name);
END;
