-- Groups an invitation puts its invitee in (issue 18): the enrollment adds
-- the new (or existing) account to each, in the transaction that records
-- the use. Deleting the invitation or the group drops the link.
CREATE TABLE invitation_groups (
	invitation TEXT NOT NULL REFERENCES invitations (invite_uuid) ON DELETE CASCADE,
	group_uuid TEXT NOT NULL REFERENCES groups (uuid) ON DELETE CASCADE,
	PRIMARY KEY (invitation, group_uuid)
) STRICT;
CREATE INDEX invitation_groups_group ON invitation_groups (group_uuid);

-- Where the invitee lands after enrolling (a path on this site, checked
-- like any next=); absent: the flow's usual end.
CREATE TABLE invitation_redirects (
	invitation TEXT PRIMARY KEY REFERENCES invitations (invite_uuid) ON DELETE CASCADE,
	redirect TEXT NOT NULL
) STRICT;

-- Delegated invitations: members of group may invite people to flow, each
-- with at most max_live live invitations and max_per_month created per
-- calendar month (UTC).
CREATE TABLE invitation_delegations (
	group_uuid TEXT PRIMARY KEY REFERENCES groups (uuid) ON DELETE CASCADE,
	flow TEXT NOT NULL REFERENCES flows (uuid) ON DELETE CASCADE,
	max_live INTEGER NOT NULL,
	max_per_month INTEGER NOT NULL
) STRICT;

-- One row per delegating user, locked while a quota is checked, so that
-- concurrent creations by the same user are counted one after the other.
CREATE TABLE invitation_quota_locks (
	user_pk INTEGER PRIMARY KEY REFERENCES users (pk) ON DELETE CASCADE,
	n INTEGER NOT NULL DEFAULT 0
) STRICT;
