-- Reviewing (SPEC §4): the round's tie-break order, one review per
-- assignment with its scores (in half points), every saved version, and
-- the panel's consensus per application. The functions are in
-- sql/70_reviews.sql.

-- The criteria that break a tie between equal totals, in order.
ALTER TABLE rounds ADD COLUMN tie_break text[] NOT NULL
    DEFAULT '{C1,C2,C7}';

-- state: draft (saved, anything may be missing), submitted (complete),
-- abstained (with a reason; counts as done). version: the latest saved,
-- so that two tabs never overwrite each other silently.
CREATE TABLE reviews (
	assignment_id	bigint PRIMARY KEY REFERENCES assignments ON DELETE CASCADE,
	state		text NOT NULL DEFAULT 'draft'
	    CHECK (state IN ('draft', 'submitted', 'abstained')),
	version		integer NOT NULL DEFAULT 0,
	recommendation	text CHECK (recommendation IN
	    ('award', 'finalist', 'not_recommended')),
	feedback	text NOT NULL DEFAULT '',
	confidential	text NOT NULL DEFAULT '',
	abstain_reason	text,
	submitted_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

-- halves: the score times two (0..10); NULL while a draft lacks it.
CREATE TABLE review_scores (
	assignment_id	bigint NOT NULL REFERENCES reviews ON DELETE CASCADE,
	criterion	text NOT NULL,
	halves		smallint CHECK (halves BETWEEN 0 AND 10),
	comment		text NOT NULL DEFAULT '',
	PRIMARY KEY (assignment_id, criterion)
);

-- Every save, never changed: what the review said at that moment.
CREATE TABLE review_versions (
	assignment_id	bigint NOT NULL REFERENCES reviews ON DELETE CASCADE,
	version		integer NOT NULL,
	state		text NOT NULL,
	content		jsonb NOT NULL,
	kind		text NOT NULL CHECK (kind IN ('save', 'autosave', 'submit',
	    'abstain')),
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (assignment_id, version)
);

-- The panel's consensus on an application, recorded by an admin as
-- rapporteur: a score per criterion, the reasoning, the feedback agreed
-- for the applicant, and any minority view.
CREATE TABLE consensus (
	application_id	bigint PRIMARY KEY REFERENCES applications ON DELETE CASCADE,
	version		integer NOT NULL DEFAULT 1,
	comment		text NOT NULL,
	feedback	text NOT NULL,
	minority	text NOT NULL DEFAULT '',
	recorded_by	bigint REFERENCES users ON DELETE SET NULL,
	recorded_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE consensus_scores (
	application_id	bigint NOT NULL REFERENCES consensus ON DELETE CASCADE,
	criterion	text NOT NULL,
	halves		smallint NOT NULL CHECK (halves BETWEEN 0 AND 10),
	PRIMARY KEY (application_id, criterion)
);
