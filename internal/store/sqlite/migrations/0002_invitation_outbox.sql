-- Which outbox messages carried an invitation (its emails), so the admin
-- console can show their delivery status on the invitation's row.
CREATE TABLE invitation_outbox (
	invitation TEXT NOT NULL REFERENCES invitations (invite_uuid) ON DELETE CASCADE,
	outbox_id INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,
	PRIMARY KEY (invitation, outbox_id)
) STRICT;
CREATE INDEX invitation_outbox_outbox ON invitation_outbox (outbox_id);
