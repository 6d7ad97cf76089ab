-- The title and category of an application's latest version, beside it:
-- every list (the applicant's, the reviewer's, the admin's) read them out
-- of the version's content, a TOASTed jsonb of several kilobytes, once per
-- row. application_save() keeps them.
ALTER TABLE applications ADD COLUMN title text, ADD COLUMN category text;

UPDATE applications a SET title = v.content ->> 'title',
    category = v.content ->> 'category'
FROM application_versions v
WHERE v.application_id = a.id AND v.version = a.version;
