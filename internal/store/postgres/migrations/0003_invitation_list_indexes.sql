-- Indexes for the admin console's invitations list on large directories
-- (BenchmarkAdminPages, TestAdminPagesUseIndexes in internal/web).

-- Counting the invitations list (a page needs the total) joins the creator
-- and the flow; this index covers both join columns, so the count reads
-- the index instead of every invitation row.
CREATE INDEX invitations_created_by_flow ON invitations (created_by, flow);

-- The invitations list's default order (-expires, then pk) straight from
-- an index, so a page deep in the list needs no sort.
CREATE INDEX invitations_expires_order ON invitations (expires DESC NULLS LAST, invite_uuid);
