-- Reminders to reviewers (issue 14): one row per e-mail sent, so that a
-- reviewer gets at most one a day per round, and each automatic one
-- (7 and 2 days before reviews are due) at most once. The functions are
-- in sql/98_dashboard.sql.

CREATE TABLE reminders (
	id		bigserial PRIMARY KEY,
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	user_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	kind		text NOT NULL CHECK (kind IN ('manual', 'auto7', 'auto2')),
	sent_by		bigint REFERENCES users ON DELETE SET NULL,
	sent_at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reminders_user ON reminders (round_id, user_id, sent_at);

-- An automatic reminder goes once; a manual one may go again another day.
CREATE UNIQUE INDEX reminders_auto_once ON reminders (round_id, user_id, kind)
    WHERE kind <> 'manual';
