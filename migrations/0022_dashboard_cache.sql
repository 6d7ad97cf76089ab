-- A round's dashboard counts and its admin list of applications, kept
-- (issue 16). For SPEC §8's round, counting its applications, assignments
-- and reviews took 15 ms of PostgreSQL's time per view of
-- /admin/rounds/{slug}, and a page of /admin/rounds/{slug}/applications
-- (each application's reviewers and conflicts) 6 ms; both now change
-- only when what they show does.
--
-- round_generations: a number each transaction that changes something
-- these pages show raises for its round, at its commit (the deferred
-- triggers of sql/98_dashboard.sql). dashboard_cache: the counts computed
-- for a round at a generation, for an admin who sees all but `hidden`
-- (the applications they are conflicted with, sorted); applist_cache:
-- a page of the list. Each serves only while the round's generation is
-- still the one it was computed at.
CREATE TABLE round_generations (
	round_id	bigint PRIMARY KEY REFERENCES rounds ON DELETE CASCADE,
	gen		bigint NOT NULL
);

-- The figures /admin lists for each round are also columns of their
-- own, read without parsing the counts. The counts (17 KiB for SPEC §8's
-- round) are stored apart and not compressed: read on every view, they
-- are written once a generation.
CREATE TABLE dashboard_cache (
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	hidden		bigint[] NOT NULL,
	gen		bigint NOT NULL,
	submitted	bigint NOT NULL,
	drafts		bigint NOT NULL,
	reviews_done	bigint NOT NULL,
	reviews_assigned bigint NOT NULL,
	counts		json NOT NULL,
	PRIMARY KEY (round_id, hidden)
);
ALTER TABLE dashboard_cache ALTER counts SET STORAGE EXTERNAL;

CREATE TABLE applist_cache (
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	page		integer NOT NULL,
	gen		bigint NOT NULL,
	body		json NOT NULL,
	PRIMARY KEY (round_id, page)
);
ALTER TABLE applist_cache ALTER body SET STORAGE EXTERNAL;
