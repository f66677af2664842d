-- Settings of policies other than expression policies (password policies:
-- authentik's policies.password.PasswordPolicy fields), as JSON.
ALTER TABLE policies ADD COLUMN settings TEXT NOT NULL DEFAULT '{}';
