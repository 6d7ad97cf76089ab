-- Deciding and publishing (SPEC §5, issue 13): the panel's decision on
-- each application, and the public record written when the round is
-- published. The functions, and the trigger that keeps a published
-- round as it was published, are in sql/90_decisions.sql.

-- One decision per application, recorded while the round is deciding.
-- feedback: what the applicant is told, fixed at publication
-- ([{label, text}]: the consensus feedback, else each reviewer's,
-- labelled Reviewer 1, 2, 3), so that a reviewer leaving later does not
-- change a result already given.
CREATE TABLE decisions (
	application_id	bigint PRIMARY KEY REFERENCES applications ON DELETE CASCADE,
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	decision	text NOT NULL CHECK (decision IN ('winner', 'finalist',
	    'honourable_mention', 'not_selected')),
	citation	text NOT NULL DEFAULT '',
	feedback	jsonb,
	decided_by	bigint REFERENCES users ON DELETE SET NULL,
	decided_at	timestamptz NOT NULL DEFAULT now(),
	corrected_by	bigint REFERENCES users ON DELETE SET NULL,
	corrected_at	timestamptz,
	CHECK (decision = 'not_selected' OR char_length(citation) > 0)
);
CREATE INDEX decisions_round ON decisions (round_id, decision);

-- What went public, copied from the application at publication: the
-- public pages read only this, so deleting an account or an application
-- later never changes an award already given, and nothing personal (the
-- contact person, the owner) is ever in it. summary: NULL unless the
-- applicant allowed its publication.
CREATE TABLE awards (
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	reference	text NOT NULL,
	application_id	bigint REFERENCES applications ON DELETE SET NULL,
	decision	text NOT NULL CHECK (decision IN ('winner', 'finalist',
	    'honourable_mention')),
	category	text NOT NULL,
	title		text NOT NULL,
	organisation	text NOT NULL,
	country		char(2),
	summary		text,
	citation	text NOT NULL,
	PRIMARY KEY (round_id, reference)
);
CREATE INDEX awards_application ON awards (application_id);
