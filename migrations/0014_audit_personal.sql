-- Personal data of audit entries (a name, an e-mail address) lives apart
-- from the hash chain: the chained entry keeps the event, the ids and, in
-- place of each personal value, the marker "(personal)"; the values are
-- here, deleted with the account (account_delete), and the chain still
-- verifies. audit_entries shows them together while they exist.
-- No foreign key to audit: it would make TRUNCATE audit fail for another
-- reason than the append-only trigger, which is the one that must say no.
CREATE TABLE audit_personal (
	audit_id	bigint PRIMARY KEY,
	user_id		bigint,
	before		jsonb,
	after		jsonb
);
CREATE INDEX audit_personal_user ON audit_personal (user_id);

CREATE VIEW audit_entries AS
	SELECT a.id, a.at, a.actor_id, a.action, a.subject, a.ip,
	    CASE WHEN p.before IS NULL THEN a.before
		ELSE a.before || p.before END AS before,
	    CASE WHEN p.after IS NULL THEN a.after
		ELSE a.after || p.after END AS after
	FROM audit a LEFT JOIN audit_personal p ON p.audit_id = a.id;
