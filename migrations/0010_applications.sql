-- Applications: one per applicant and round, its immutable versions, its
-- documents (encrypted by the app before they get here) and its receipts.
-- Every change is one function call (sql/40_applications.sql), so it
-- commits whole or not at all; each checks ownership through
-- application_owned() and the deadline on the database clock.

CREATE TABLE applications (
	id		bigserial PRIMARY KEY,
	round_id	bigint NOT NULL REFERENCES rounds,
	owner_id	bigint REFERENCES users ON DELETE SET NULL,	-- NULL: anonymised
	state		text NOT NULL DEFAULT 'draft'
	    CHECK (state IN ('draft', 'submitted', 'withdrawn')),
	version		integer NOT NULL DEFAULT 0,	-- the latest
	reference	text UNIQUE,			-- from the first submit
	fingerprint	text,				-- of the latest receipt
	submitted_at	timestamptz,			-- of the latest receipt
	withdrawn_at	timestamptz,
	anonymised_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX applications_owner ON applications (owner_id, id);
CREATE INDEX applications_round ON applications (round_id, state);

-- content: the form's fields by name, partners as an array of
-- {name, country, role}. Never updated (only anonymised, see below).
CREATE TABLE application_versions (
	application_id	bigint NOT NULL REFERENCES applications ON DELETE CASCADE,
	version		integer NOT NULL,
	content		jsonb NOT NULL,
	kind		text NOT NULL CHECK (kind IN ('save', 'autosave', 'submit')),
	created_at	timestamptz NOT NULL DEFAULT clock_timestamp(),
	PRIMARY KEY (application_id, version)
);

-- sealed: filecrypt's format (LFC1 header, secretstream chunks) under the
-- key whose id is key_id; sha256 and size are of the plaintext.
CREATE TABLE application_files (
	id		bigserial PRIMARY KEY,
	application_id	bigint NOT NULL REFERENCES applications ON DELETE CASCADE,
	name		text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255),
	size		bigint NOT NULL CHECK (size > 0),
	sha256		text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	key_id		text NOT NULL,
	sealed		bytea NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX application_files_app ON application_files (application_id, id);
CREATE INDEX application_files_key ON application_files (key_id);
ALTER TABLE application_files ALTER COLUMN sealed SET STORAGE EXTERNAL;

-- Every receipt given: the first submit and each change after it.
CREATE TABLE application_receipts (
	application_id	bigint NOT NULL REFERENCES applications ON DELETE CASCADE,
	at		timestamptz NOT NULL,
	version		integer NOT NULL,
	reference	text NOT NULL,
	fingerprint	text NOT NULL,
	files		jsonb NOT NULL,	-- [{id, name, sha256}] at that moment
	PRIMARY KEY (application_id, at)
);

-- References BPR-{year}-{NNNN}: one counter per year, taken under the
-- row lock of its year, so concurrent submits never share a number.
CREATE TABLE reference_counters (
	year	integer PRIMARY KEY,
	last	integer NOT NULL
);

GRANT SELECT, INSERT, UPDATE ON applications, application_receipts,
    reference_counters TO laurel_app;
GRANT SELECT, INSERT ON application_versions TO laurel_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON application_files TO laurel_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO laurel_app;
