-- A round's ranking data, kept (issue 16): for SPEC §8's round,
-- ranking_data() computed 2,000 applications' counted reviews (conflicts
-- and all) in 55-75 ms of PostgreSQL's time on every view of the ranking
-- and calibration pages. Kept like the dashboard's counts (migration
-- 0022): for an admin who sees all but `hidden`, at the round's
-- generation, which the triggers of sql/98_dashboard.sql raise for
-- anything the ranking shows. The data (320 KiB there) is stored apart
-- and not compressed.
CREATE TABLE ranking_cache (
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	hidden		bigint[] NOT NULL,
	gen		bigint NOT NULL,
	data		json NOT NULL,
	PRIMARY KEY (round_id, hidden)
);
ALTER TABLE ranking_cache ALTER data SET STORAGE EXTERNAL;
