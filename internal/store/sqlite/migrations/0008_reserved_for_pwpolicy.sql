-- Placeholder: version 0008 belongs to the password policy branch (issue 16).
-- Delete this file when merging that branch; it exists only so this
-- branch's migrations stay contiguous.
SELECT 1;
