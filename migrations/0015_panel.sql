-- The panel (SPEC §4): invitations, members, their affiliations, the
-- organisations and domains of applications, conflicts of interest and
-- assignments. The functions are in sql/60_panel.sql.

CREATE TABLE panel_invitations (
	id		bigserial PRIMARY KEY,
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	email		citext NOT NULL CHECK (char_length(email) BETWEEN 3 AND 254),
	name		text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
	cap		integer CHECK (cap IS NULL OR cap BETWEEN 0 AND 10000),
	expertise	text[] NOT NULL DEFAULT '{}',
	token_hash	text NOT NULL UNIQUE,		-- hex SHA-256
	invited_by	bigint REFERENCES users ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	sent_at		timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	accepted_at	timestamptz,
	accepted_by	bigint REFERENCES users ON DELETE SET NULL,
	revoked_at	timestamptz
);
-- One open invitation per address and round: a second is a resend.
CREATE UNIQUE INDEX panel_invitations_open ON panel_invitations
    (round_id, email) WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- removed_at: no longer on the panel; the row stays for the record.
CREATE TABLE panel_members (
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	user_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	cap		integer CHECK (cap IS NULL OR cap BETWEEN 0 AND 10000),
	expertise	text[] NOT NULL DEFAULT '{}',
	joined_at	timestamptz NOT NULL DEFAULT now(),
	removed_at	timestamptz,
	PRIMARY KEY (round_id, user_id)
);
CREATE INDEX panel_members_user ON panel_members (user_id);

-- A reviewer's organisations, e-mail domains, and organisations they
-- declare a conflict with in advance (kind 'conflict'). key is the
-- core's normalised form (src/core/conflict.c): 'org:<name>' or
-- 'dom:<domain>'; conflicts are equal keys, so SQL only compares.
CREATE TABLE affiliations (
	id		bigserial PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	kind		text NOT NULL
	    CHECK (kind IN ('organisation', 'domain', 'conflict')),
	name		text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 300),
	country		char(2) REFERENCES countries,
	key		text NOT NULL CHECK (key ~ '^(org|dom):.'),
	created_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (user_id, kind, key)
);
CREATE INDEX affiliations_key ON affiliations (key);

-- The same keys of an application's latest version: its organisation,
-- its partners and its contact's e-mail domain (webmail ones never).
CREATE TABLE application_keys (
	application_id	bigint NOT NULL REFERENCES applications ON DELETE CASCADE,
	kind		text NOT NULL
	    CHECK (kind IN ('organisation', 'partner', 'domain')),
	name		text NOT NULL,
	key		text NOT NULL CHECK (key ~ '^(org|dom):.'),
	PRIMARY KEY (application_id, kind, key)
);
CREATE INDEX application_keys_key ON application_keys (key);

-- Conflicts recorded by people: declared by the reviewer on an
-- assignment, set by an admin, or 'cleared': an admin's decision that an
-- automatic match is not a conflict. Automatic ones are not stored: they
-- are the keys that match, always current (conflict_between()).
CREATE TABLE conflicts (
	application_id	bigint NOT NULL REFERENCES applications ON DELETE CASCADE,
	user_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	source		text NOT NULL CHECK (source IN ('declared', 'admin', 'cleared')),
	reason		text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 1000),
	created_by	bigint REFERENCES users ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (application_id, user_id, source)
);
CREATE INDEX conflicts_user ON conflicts (user_id);

-- ended_at: the assignment no longer counts (the reviewer declared a
-- conflict, or left the panel after starting the review); admins still
-- see it. cost_*: the terms of an automatic assignment's cost, shown to
-- admins (NULL for manual ones).
CREATE TABLE assignments (
	id		bigserial PRIMARY KEY,
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	application_id	bigint NOT NULL REFERENCES applications ON DELETE CASCADE,
	user_id		bigint NOT NULL REFERENCES users ON DELETE CASCADE,
	source		text NOT NULL CHECK (source IN ('manual', 'auto')),
	expertise	boolean NOT NULL DEFAULT false,
	cost_expertise	bigint,
	cost_load	bigint,
	load_after	integer,
	created_by	bigint REFERENCES users ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	confirmed_at	timestamptz,	-- the reviewer confirmed no conflict
	started_at	timestamptz,	-- the review was begun (reviewing)
	ended_at	timestamptz,
	ended_reason	text CHECK (ended_reason IN ('conflict', 'member_removed')),
	UNIQUE (application_id, user_id)
);
CREATE INDEX assignments_user ON assignments (user_id, round_id);
CREATE INDEX assignments_round ON assignments (round_id, application_id);
