-- Trigram indexes for the users and invitations searches (ILIKE
-- '%term%'), so a search on a large directory looks up the matching rows
-- instead of reading every row. pg_trgm is a trusted extension, but a
-- server may lack it (contrib not installed) or forbid creating it; then
-- the searches stay correct, only slower, and the migration still passes.
DO $$
BEGIN
	CREATE EXTENSION IF NOT EXISTS pg_trgm;
	CREATE INDEX IF NOT EXISTS users_username_trgm ON users USING gin (username gin_trgm_ops);
	CREATE INDEX IF NOT EXISTS users_name_trgm ON users USING gin (name gin_trgm_ops);
	CREATE INDEX IF NOT EXISTS users_email_trgm ON users USING gin (email gin_trgm_ops);
	CREATE INDEX IF NOT EXISTS invitations_name_trgm ON invitations USING gin (name gin_trgm_ops);
EXCEPTION WHEN insufficient_privilege OR undefined_file OR undefined_object OR feature_not_supported THEN
	RAISE NOTICE 'pg_trgm is not available (%): searches will not use trigram indexes', SQLERRM;
END
$$;
