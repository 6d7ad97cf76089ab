-- What the admin's heavy pages compute, kept (issue 16): for SPEC §8's
-- round, the dashboard's counts took 15 ms of PostgreSQL's time per view
-- of /admin/rounds/{slug}, a page of its list of applications 6 ms, and
-- the ranking's data 75 ms; each now changes only when what it shows
-- does.
--
-- round_generations: a number each transaction that changes something
-- these pages show raises for its round, at its commit (the deferred
-- triggers of sql/98_dashboard.sql). round_kept: a page's data computed
-- for a round at a generation, for an admin who sees all but `hidden`
-- (the applications they are conflicted with, sorted); it serves only
-- while the round's generation is still the one it was computed at.
-- page: 'dashboard', 'ranking', or 'applications N' (the list's page N).
-- The data (up to 320 KiB, the ranking's) is stored apart and not
-- compressed: read on every view, it is written once a generation.
CREATE TABLE round_generations (
	round_id	bigint PRIMARY KEY REFERENCES rounds ON DELETE CASCADE,
	gen		bigint NOT NULL
);

CREATE TABLE round_kept (
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	page		text NOT NULL,
	hidden		bigint[] NOT NULL,
	gen		bigint NOT NULL,
	data		json NOT NULL,
	PRIMARY KEY (round_id, page, hidden)
);
ALTER TABLE round_kept ALTER data SET STORAGE EXTERNAL;
