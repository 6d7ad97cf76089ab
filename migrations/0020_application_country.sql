-- The country of an application's latest version beside it, as 0016 did
-- for its title and category: the round's dashboard counted countries
-- and the admins' list showed them by reading every application's
-- content, a TOASTed jsonb of several kilobytes, for 2,000 applications
-- on each view. application_save() keeps it.
--
-- The admins' list shows a page of the round's applications at a time,
-- in the order of their references: the index gives it without a sort.
ALTER TABLE applications ADD COLUMN country text;
CREATE INDEX applications_round_reference ON applications (round_id, reference)
    WHERE reference IS NOT NULL;

-- The applications of a published round are frozen (round_frozen(), a
-- trigger of sql/ that a new database does not have yet): the country
-- is no change to them, only what their content already says.
ALTER TABLE applications DISABLE TRIGGER USER;
UPDATE applications a SET country = v.content ->> 'country'
FROM application_versions v
WHERE v.application_id = a.id AND v.version = a.version;
ALTER TABLE applications ENABLE TRIGGER USER;
