-- The public awards (SPEC §5 and §10, issue 13): /awards lists the
-- published rounds, /awards/{slug} a round's recognised practices,
-- /awards/{slug}/{ref} one practice. They read only the table awards,
-- the snapshot publication writes, never the applications.
--
-- A round is public once it is published and its embargo, if any, has
-- passed: award_public() is asked by every function here, in the query
-- itself, so a page appears at the embargo's second and not one before
-- (no timer to miss it). Before that the round is in no list and its
-- pages are NULL (the site's 404). The pages cache what they render
-- (web/pubcache.c) until awards_next_change_ms(), the next embargo to
-- end. The instance asks all three through award_page() (at the end),
-- which a streaming replica may answer (LAUREL_DB_PUBLIC).
--
-- The preview (decide/) renders the rows publication would write,
-- awards_preview(), through award_round_json_of(p_round, true): exactly
-- the public page's data, from another source. That door and its
-- helpers are revoked from PUBLIC: only functions of the schema's owner
-- (which check the admin themselves) call them.

-- Whether a round with these dates is public now.
CREATE OR REPLACE FUNCTION award_public(p_published timestamptz,
    p_embargo timestamptz) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT p_published IS NOT NULL AND
	    (p_embargo IS NULL OR p_embargo <= now())
$$;

-- When a round went (or goes) public: the later of publication and
-- embargo; a preview, never published yet, says now.
CREATE OR REPLACE FUNCTION award_date(r rounds) RETURNS timestamptz
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT coalesce(greatest(r.published_at, r.embargo_until),
	    greatest(now(), r.embargo_until))
$$;
REVOKE ALL ON FUNCTION award_date(rounds) FROM PUBLIC;

-- A round as every page names it: its date in its own time zone.
CREATE OR REPLACE FUNCTION award_round_head(r rounds) RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT json_build_object('slug', r.slug, 'title', r.title,
	    'url', '/awards/' || r.slug,
	    'published_on', to_char(award_date(r) AT TIME ZONE r.timezone,
		'YYYY-MM-DD'),
	    'published', to_char(award_date(r) AT TIME ZONE r.timezone,
		'FMDD FMMonth YYYY'))
$$;
REVOKE ALL ON FUNCTION award_round_head(rounds) FROM PUBLIC;

-- The recognised practices of a round: what went public (awards), or
-- for the preview what publication would write (awards_preview()).
CREATE OR REPLACE FUNCTION award_rows(p_round bigint, p_preview boolean)
RETURNS SETOF awards
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT * FROM awards a WHERE a.round_id = p_round AND NOT p_preview
	UNION ALL
	SELECT * FROM awards_preview(p_round) WHERE p_preview
$$;
REVOKE ALL ON FUNCTION award_rows(bigint, boolean) FROM PUBLIC;

-- One practice as the pages and their JSON show it. The summary is
-- NULL unless its applicant allowed its publication (awards_preview()).
CREATE OR REPLACE FUNCTION award_practice_json(a awards, p_slug text)
RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT json_build_object('reference', a.reference,
	    'url', '/awards/' || p_slug || '/' || a.reference,
	    'decision', a.decision, 'category', a.category, 'title', a.title,
	    'organisation', a.organisation, 'country', a.country,
	    'country_name', (SELECT c.name FROM countries c
		WHERE c.code = a.country),
	    'citation', a.citation, 'summary', a.summary)
$$;
REVOKE ALL ON FUNCTION award_practice_json(awards, text) FROM PUBLIC;

-- A round's practices of one decision, by category in the round's order
-- (a category the round no longer lists comes last), each category's by
-- organisation: [{category, practices: [...]}].
CREATE OR REPLACE FUNCTION award_section(p_round bigint, p_preview boolean,
    p_slug text, p_decision text) RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT coalesce(json_agg(json_build_object('category', g.category,
	    'practices', g.practices) ORDER BY g.pos, g.category), '[]')
	FROM (SELECT a.category, min(c.position) AS pos,
		json_agg(award_practice_json(a, p_slug)
		    ORDER BY a.organisation, a.reference) AS practices
	    FROM award_rows(p_round, p_preview) a
	    LEFT JOIN round_categories c ON c.round_id = p_round
		AND c.code = a.category
	    WHERE a.decision = p_decision
	    GROUP BY a.category) g
$$;
REVOKE ALL ON FUNCTION award_section(bigint, boolean, text, text) FROM PUBLIC;

-- The round page's data (NULL: no such round): the round, then its
-- winners, finalists and honourable mentions, each by category. No
-- check here: award_round() asks award_public() first, the preview its
-- admin.
CREATE OR REPLACE FUNCTION award_round_json_of(p_round bigint,
    p_preview boolean) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
BEGIN
	SELECT * INTO r FROM rounds WHERE id = p_round;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	RETURN json_build_object('round', award_round_head(r),
	    'winners', award_section(r.id, p_preview, r.slug, 'winner'),
	    'finalists', award_section(r.id, p_preview, r.slug, 'finalist'),
	    'honourable_mentions', award_section(r.id, p_preview, r.slug,
		'honourable_mention'));
END
$$;
REVOKE ALL ON FUNCTION award_round_json_of(bigint, boolean) FROM PUBLIC;

-- A practice page's data (NULL: not a recognised practice of the
-- round). The reference is matched whatever its case; the page links
-- with it as stored.
CREATE OR REPLACE FUNCTION award_practice_json_of(p_round bigint,
    p_ref text, p_preview boolean) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
BEGIN
	SELECT * INTO r FROM rounds WHERE id = p_round;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	RETURN (SELECT json_build_object('round', award_round_head(r),
	    'practice', award_practice_json(a, r.slug))
	    FROM award_rows(r.id, p_preview) a
	    WHERE upper(a.reference) = upper(p_ref)
	    ORDER BY a.reference LIMIT 1);
END
$$;
REVOKE ALL ON FUNCTION award_practice_json_of(bigint, text, boolean)
    FROM PUBLIC;

-- The public round of a slug; NULL while it is not public.
CREATE OR REPLACE FUNCTION award_round_id(p_slug text) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT r.id FROM rounds r
	WHERE r.slug = p_slug AND award_public(r.published_at, r.embargo_until)
$$;
REVOKE ALL ON FUNCTION award_round_id(text) FROM PUBLIC;

-- GET /awards: the public rounds, the latest first, each with its
-- count of winners and of practices recognised.
CREATE OR REPLACE FUNCTION awards_index() RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN json_build_object('rounds', (SELECT coalesce(json_agg(
	    (award_round_head(r)::jsonb || jsonb_build_object(
		'winners', (SELECT count(*) FROM awards a
		    WHERE a.round_id = r.id AND a.decision = 'winner'),
		'practices', (SELECT count(*) FROM awards a
		    WHERE a.round_id = r.id)))::json
	    ORDER BY award_date(r) DESC, r.id DESC), '[]')
	    FROM rounds r
	    WHERE award_public(r.published_at, r.embargo_until)));
END
$$;

-- GET /awards/{slug}; NULL unless the round is public.
CREATE OR REPLACE FUNCTION award_round(p_slug text) RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT award_round_json_of(award_round_id(p_slug), false)
$$;

-- GET /awards/{slug}/{ref}; NULL unless the round is public and the
-- practice one of its recognised ones.
CREATE OR REPLACE FUNCTION award_practice(p_slug text, p_ref text)
RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT award_practice_json_of(award_round_id(p_slug), p_ref, false)
$$;

-- In how many milliseconds what the public pages show changes by
-- itself: the end of the earliest embargo still running of a published
-- round (rounded down), NULL when none runs. A span, not a time: the
-- instance counts it from before it sent the query, on its own clock,
-- so a page cached with it is gone at the embargo's second or before,
-- however far the two clocks are apart. Anything else that changes the
-- pages (publication, a corrected citation) notifies laurel_awards.
CREATE OR REPLACE FUNCTION awards_next_change_ms() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT floor(extract(epoch FROM min(r.embargo_until) - now()) *
	    1000)::bigint
	FROM rounds r
	WHERE r.published_at IS NOT NULL AND r.embargo_until > now()
$$;

-- How far this server's data goes, as a position in the write-ahead log
-- (bytes): on a streaming replica (LAUREL_DB_PUBLIC, issue 15) the end
-- of the last record it replayed; on the primary the end of the last
-- one written, which a notification of laurel_awards, delivered after
-- its commit, is behind. The cache (web/pubcache.h) keeps a page read
-- on a replica only once the replica has replayed that far.
--
-- The primary's insert position is where the next record starts: past
-- the page header when the last one ended at a page's end (24 bytes,
-- 40 on a segment's first page), where a replica's replay ends. Insert,
-- not flush: with synchronous_commit off a commit notifies before its
-- record is flushed.
CREATE OR REPLACE FUNCTION awards_wal_position() RETURNS bigint
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
	v_pos bigint;
BEGIN
	IF pg_is_in_recovery() THEN
		RETURN pg_last_wal_replay_lsn() - '0/0'::pg_lsn;
	END IF;
	v_pos := pg_current_wal_insert_lsn() - '0/0'::pg_lsn;
	IF v_pos % pg_size_bytes(current_setting('wal_segment_size')) = 40 THEN
		RETURN v_pos - 40;
	END IF;
	IF v_pos % current_setting('wal_block_size')::bigint = 24 THEN
		RETURN v_pos - 24;
	END IF;
	RETURN v_pos;
END
$$;

-- A public page's data as the instance reads it, on the primary or on
-- a replica: the page (awards_index() when p_slug is NULL, award_round()
-- when p_ref is NULL, else award_practice()), awards_next_change_ms(),
-- and the server's position before the page was read. The order is the
-- point: a VOLATILE function reads each statement with a new snapshot
-- (READ COMMITTED), so the page shows at least what was replayed at
-- wal_position. Under another isolation the snapshot is the
-- transaction's, older than the position: wal_position is then 0, and
-- a replica's page is never cached.
CREATE OR REPLACE FUNCTION award_page(p_slug text, p_ref text,
    OUT wal_position bigint, OUT page json, OUT next_change_ms bigint)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
	wal_position := CASE WHEN current_setting('transaction_isolation') =
	    'read committed' THEN awards_wal_position() ELSE 0 END;
	SELECT CASE WHEN p_slug IS NULL THEN awards_index()
		WHEN p_ref IS NULL THEN award_round(p_slug)
		ELSE award_practice(p_slug, p_ref) END,
	    awards_next_change_ms()
	INTO page, next_change_ms;
END
$$;
