-- Groups an invitation puts its invitee in (issue 18): the enrollment adds
-- the new (or existing) account to each, in the transaction that records
-- the use. Deleting the invitation or the group drops the link.
CREATE TABLE invitation_groups (
	invitation TEXT NOT NULL REFERENCES invitations (invite_uuid) ON DELETE CASCADE,
	group_uuid TEXT NOT NULL REFERENCES groups (uuid) ON DELETE CASCADE,
	PRIMARY KEY (invitation, group_uuid)
);
CREATE INDEX invitation_groups_group ON invitation_groups (group_uuid);
