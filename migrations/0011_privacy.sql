-- GDPR: everything about a person as JSON (account_export), and the
-- deletion of an account (account_delete), which keeps submitted
-- applications of rounds not yet published, anonymised, for the jury.
-- Both functions are in sql/50_privacy.sql; here, the indexes they use.

CREATE INDEX audit_actor ON audit (actor_id);
CREATE INDEX audit_subject ON audit (subject);
