-- Award rounds: one edition of the award, its categories, its eligible
-- countries and its rubric (the default of RUBRIC.md, copied per round).
-- Times are UTC timestamptz, entered and shown in the round's time zone.
-- The functions (round_phase(), round_save(), the admin views) are in
-- sql/30_rounds.sql.

CREATE TABLE rounds (
	id			bigserial PRIMARY KEY,
	slug			text NOT NULL UNIQUE
	    CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 60),
	title			text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
	description		text NOT NULL DEFAULT '',
	timezone		text NOT NULL DEFAULT 'Europe/Brussels',
	opens_at		timestamptz NOT NULL,
	closes_at		timestamptz NOT NULL,
	reviews_due		timestamptz,
	embargo_until		timestamptz,
	blind_review		boolean NOT NULL DEFAULT false,
	reviews_per_application	integer NOT NULL DEFAULT 3
	    CHECK (reviews_per_application BETWEEN 1 AND 10),
	max_files		integer NOT NULL DEFAULT 5 CHECK (max_files BETWEEN 0 AND 20),
	max_file_mb		integer NOT NULL DEFAULT 20 CHECK (max_file_mb BETWEEN 1 AND 100),
	review_closed_at	timestamptz,	-- admin: close review
	published_at		timestamptz,	-- admin: publish
	created_at		timestamptz NOT NULL DEFAULT now(),
	CHECK (closes_at > opens_at),
	CHECK (reviews_due IS NULL OR reviews_due >= closes_at)
);

CREATE TABLE round_categories (
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	position	integer NOT NULL,
	code		text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9 _-]{0,39}$'),
	description	text NOT NULL DEFAULT '',
	PRIMARY KEY (round_id, code),
	UNIQUE (round_id, position)
);

CREATE TABLE round_countries (
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	code		char(2) NOT NULL REFERENCES countries,
	PRIMARY KEY (round_id, code)
);

CREATE TABLE rubric_criteria (
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	position	integer NOT NULL,
	code		text NOT NULL,
	name		text NOT NULL,
	question	text NOT NULL,
	weight		numeric(6,2) NOT NULL CHECK (weight > 0),
	gate		numeric(3,1) CHECK (gate IS NULL OR gate BETWEEN 0 AND 5),
	level0		text NOT NULL,
	level1		text NOT NULL,
	level3		text NOT NULL,
	level5		text NOT NULL,
	PRIMARY KEY (round_id, code),
	UNIQUE (round_id, position)
);

-- The default rubric (RUBRIC.md), copied into every new round.
CREATE TABLE rubric_default (
	position	integer PRIMARY KEY,
	code		text NOT NULL,
	name		text NOT NULL,
	question	text NOT NULL,
	weight		numeric(6,2) NOT NULL,
	gate		numeric(3,1),
	level0		text NOT NULL,
	level1		text NOT NULL,
	level3		text NOT NULL,
	level5		text NOT NULL
);

INSERT INTO rubric_default VALUES
(1, 'C1', 'Lawful basis and purpose', 'Is the purpose specific and legitimate, with a valid legal basis for processing health data (GDPR Art. 6 and an Art. 9(2) condition)?', 15, 3,
 'No legal basis described.', 'Vague or wrong basis.', 'Documented basis and ethics approval.', 'As 3, plus a data-protection impact assessment, and any secondary use stays within the purposes the European Health Data Space allows.'),
(2, 'C2', 'Minimisation and safe access', 'Are only the necessary data used, de-identified as far as the purpose allows, and processed in a secure, controlled environment?', 15, 3,
 'Not described.', 'Identifiable copies, weak controls.', 'Pseudonymised data, access control, retention limits.', 'Anonymised by default, secure processing environment, vetted users, output checking ("Five Safes").'),
(3, 'C3', 'Transparency, consent and control', 'Are people clearly informed, and can they exercise choice and their rights?', 15, NULL,
 'Nothing.', 'Generic privacy notice.', 'Plain-language information, the consent or opt-out model explained.', 'Public register of data uses, granular choice, opt-outs honoured.'),
(4, 'C4', 'Patient and public involvement', 'Were patients and the public involved meaningfully, and did their involvement change anything?', 15, NULL,
 'None.', 'A one-off consultation.', 'Involved at several stages, with support.', 'Co-production, patients or citizens in the governance, documented influence on decisions.'),
(5, 'C5', 'Data quality and FAIR reuse', 'Are the data fit for purpose, standards-based and reusable under controls?', 10, NULL,
 'Unknown quality.', 'Ad-hoc formats.', 'Quality assessed, standards used (e.g. FHIR, OMOP, SNOMED CT), metadata published.', 'FAIR metadata and persistent identifiers, documented quality, governed sharing.'),
(6, 'C6', 'Fairness, bias and AI accountability', 'Are bias and representativeness addressed and, where AI is used, human oversight and robustness?', 10, NULL,
 'Not considered.', 'Acknowledged only.', 'Subgroup results reported, human oversight defined.', 'Systematic mitigation and monitoring; for AI, the AI Act / medical-device route mapped.'),
(7, 'C7', 'Innovation, outcomes and transferability', 'Is the practice novel, with evidence of benefit that can be sustained and transferred to other regions?', 20, NULL,
 'No evidence.', 'Claims only.', 'Early measurable results.', 'Robust outcomes, sustainable funding, adopted in at least two regions.');

GRANT SELECT, INSERT, UPDATE, DELETE ON rounds, round_categories,
    round_countries, rubric_criteria TO laurel_app;
GRANT SELECT ON rubric_default TO laurel_app;
GRANT USAGE, SELECT ON SEQUENCE rounds_id_seq TO laurel_app;
