-- The ranking of a round (SPEC §5, issue 13): each submitted
-- application with its reviews' half points, its consensus, how many
-- reviews are in and the decision recorded so far, for core/score.c to
-- sum up and core/rank.c to normalise and order. The same data serves
-- the calibration view (each reviewer beside the round) and the
-- decisions form, which re-renders the ranking page with its errors.
--
-- The function asks user_is_admin() (through round_of_admin()) itself.
-- An admin conflicted with an application sees nothing of it: it is left
-- out of everything computed for that admin (its reviews too, so that no
-- reviewer's figures betray it), and only their number is told. The
-- helper, which asks nobody, is revoked from PUBLIC.

-- The applications of a round that p_user is conflicted with: the rule
-- of conflict_between() set-wise (user_conflicts(), sql/60_panel.sql),
-- found from the user's side: their own applications, their declared
-- conflicts, their affiliations' keys, each by its index and then kept
-- to the round. Asking user_conflicts() about the round's 2,000
-- applications (SPEC §8) planned and probed an array of 2,000 ids:
-- 1.7 ms of PostgreSQL's CPU a call for an admin with no conflict at
-- all, 5.3 ms for a reviewer with 40 (issue 16).
-- PL/pgSQL: its plan is kept.
CREATE OR REPLACE FUNCTION ranking_conflicts(p_round bigint, p_user bigint)
RETURNS TABLE (application_id bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN QUERY
	SELECT a.id FROM applications a
	WHERE a.owner_id = p_user AND a.round_id = p_round
	UNION
	SELECT c.application_id FROM conflicts c
	JOIN applications a ON a.id = c.application_id AND a.round_id = p_round
	WHERE c.user_id = p_user AND c.source IN ('declared', 'admin')
	UNION
	SELECT k.application_id FROM affiliations f
	-- Each of the user's keys by the index: hashing every application's
	-- keys (6,000) cost 3 ms for a reviewer with 40 (issue 16).
	CROSS JOIN LATERAL (SELECT x.application_id FROM application_keys x
	    WHERE x.key = f.key OFFSET 0) k
	JOIN applications a ON a.id = k.application_id AND a.round_id = p_round
	WHERE f.user_id = p_user
	    AND (f.kind = 'conflict' OR NOT EXISTS (SELECT 1 FROM conflicts c
		WHERE c.application_id = k.application_id
		AND c.user_id = p_user AND c.source = 'cleared'));
END
$$;
REVOKE ALL ON FUNCTION ranking_conflicts(bigint, bigint) FROM PUBLIC;

-- The same as a sorted array: what an admin's kept pages are kept by
-- (round_kept.hidden, migrations/0022).
CREATE OR REPLACE FUNCTION ranking_hidden(p_round bigint, p_user bigint)
RETURNS bigint[]
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT ARRAY(SELECT DISTINCT c.application_id
	    FROM ranking_conflicts(p_round, p_user) c ORDER BY 1)
$$;
REVOKE ALL ON FUNCTION ranking_hidden(bigint, bigint) FROM PUBLIC;

-- review_halves (migrations/0021): each review's scores in its round's
-- rubric order, kept here so that the ranking reads a row per review
-- rather than sorting every score. review_halves_refresh() computes the
-- given reviews again from review_scores; the triggers call it for the
-- reviews a statement touched, and for a whole round when its rubric's
-- codes or order change. Two transactions refreshing one review take
-- turns on its reviews row, and each statement after the lock reads what
-- the other committed: without it, the later one could write scores
-- read before the earlier one's commit (review_save() and rubric_change()
-- already take turns on the round; this holds for any writer).
CREATE OR REPLACE FUNCTION review_halves_refresh(p_ids bigint[])
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	-- A statement that changed nothing still fires its trigger.
	IF cardinality(p_ids) = 0 THEN
		RETURN;
	END IF;
	PERFORM 1 FROM reviews WHERE assignment_id = ANY (p_ids)
	ORDER BY assignment_id FOR NO KEY UPDATE;
	DELETE FROM review_halves h WHERE h.assignment_id = ANY (p_ids)
	    AND NOT EXISTS (SELECT 1 FROM review_scores x
		WHERE x.assignment_id = h.assignment_id);
	INSERT INTO review_halves (assignment_id, criteria, halves)
	SELECT x.assignment_id,
	    array_agg(x.criterion ORDER BY k.position NULLS LAST, x.criterion),
	    array_agg(x.halves ORDER BY k.position NULLS LAST, x.criterion)
	FROM review_scores x
	JOIN assignments s ON s.id = x.assignment_id
	LEFT JOIN rubric_criteria k ON k.round_id = s.round_id
	    AND k.code = x.criterion
	WHERE x.assignment_id = ANY (p_ids)
	GROUP BY x.assignment_id
	ON CONFLICT (assignment_id) DO UPDATE SET criteria = excluded.criteria,
	    halves = excluded.halves;
END
$$;
REVOKE ALL ON FUNCTION review_halves_refresh(bigint[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION review_scores_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	-- A score never moves to another review: new rows say which.
	IF TG_OP = 'DELETE' THEN
		PERFORM review_halves_refresh(ARRAY(SELECT DISTINCT
		    o.assignment_id FROM old_rows o));
	ELSE
		PERFORM review_halves_refresh(ARRAY(SELECT DISTINCT
		    n.assignment_id FROM new_rows n));
	END IF;
	RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION review_scores_changed() FROM PUBLIC;

-- A trigger with transition tables takes one event.
CREATE OR REPLACE TRIGGER review_scores_inserted AFTER INSERT
	ON review_scores REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION review_scores_changed();
CREATE OR REPLACE TRIGGER review_scores_updated AFTER UPDATE
	ON review_scores REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION review_scores_changed();
CREATE OR REPLACE TRIGGER review_scores_deleted AFTER DELETE
	ON review_scores REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION review_scores_changed();

-- Rounds whose rubric changed: their reviews again. A rename refreshes
-- too, which it need not; the rubric is locked once a review is in
-- (rubric_locked()), so only drafts are read again.
CREATE OR REPLACE FUNCTION rubric_criteria_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_rounds bigint[];
BEGIN
	-- A criterion never moves to another round: new rows say which.
	IF TG_OP = 'DELETE' THEN
		v_rounds := ARRAY(SELECT DISTINCT o.round_id FROM old_rows o);
	ELSE
		v_rounds := ARRAY(SELECT DISTINCT n.round_id FROM new_rows n);
	END IF;
	PERFORM review_halves_refresh(ARRAY(SELECT x.assignment_id
	    FROM reviews x JOIN assignments s ON s.id = x.assignment_id
	    WHERE s.round_id = ANY (v_rounds)));
	RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION rubric_criteria_changed() FROM PUBLIC;

CREATE OR REPLACE TRIGGER rubric_criteria_inserted AFTER INSERT
	ON rubric_criteria REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION rubric_criteria_changed();
CREATE OR REPLACE TRIGGER rubric_criteria_updated AFTER UPDATE
	ON rubric_criteria REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION rubric_criteria_changed();
CREATE OR REPLACE TRIGGER rubric_criteria_deleted AFTER DELETE
	ON rubric_criteria REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION rubric_criteria_changed();

-- The round's ranking data for an admin who sees all but p_hidden: the
-- round and its tie-break order, its categories, the rubric, each
-- submitted application not hidden, in reference order; the reviewers
-- of its counted reviews, named; and hidden, the number of applications
-- left out for the admin's own conflicts. One round trip, set-based: no
-- function is called per application.
--
-- SPEC §8 asks for 2,000 applications and 6,000 reviews in 150 ms, page
-- included, so an application is a positional array that the page reads
-- by place, not an object by name (core/scorejson.h):
--   [id, reference, title, category, due, done, abstained, consensus,
--    decision, citation, reviews]
-- due: its active assignments whose reviewer is not conflicted with it
-- (as consensus_agenda_data()); done: of those, submitted or abstained;
-- consensus: half points by criterion code, NULL when none is recorded;
-- decision and citation NULL before one is recorded; reviews: each
-- submitted review as its reviewer's user id and its half points in
-- rubric order, all in one text of comma-separated numbers, so that
-- 48,000 numbers are not 48,000 JSON values to allocate. A review that
-- misses a score (the rubric changed) has every score empty: core/score.c
-- leaves such a review out of every figure whichever score it misses.
CREATE OR REPLACE FUNCTION ranking_data_of(p_round bigint, p_hidden bigint[])
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
	codes text[];
BEGIN
	SELECT * INTO r FROM rounds WHERE id = p_round;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	-- A score's place in a review is its code's place here: no join to
	-- the rubric, whose few rows the planner may not have counted (a
	-- guess of one row turned the scores' merge into 42,000 probes).
	SELECT coalesce(array_agg(k.code ORDER BY k.position), '{}') INTO codes
	FROM rubric_criteria k WHERE k.round_id = r.id;
	RETURN (
	WITH mine AS (SELECT DISTINCT m.application_id
		FROM unnest(p_hidden) m(application_id)),
	sub AS (SELECT a.id, a.reference, a.title, a.category,
		mine.application_id IS NOT NULL AS mine
		FROM applications a
		LEFT JOIN mine ON mine.application_id = a.id
		WHERE a.round_id = r.id AND a.state = 'submitted'),
	apps AS (SELECT * FROM sub WHERE NOT sub.mine),
	-- The reviews that count, of the applications the admin may see.
	act AS (SELECT s.id, s.application_id, s.user_id,
		coalesce(v.state, 'none') AS state
		FROM round_counted_assignments(r.id) s
		JOIN apps ON apps.id = s.application_id
		LEFT JOIN reviews v ON v.assignment_id = s.id),
	-- Each submitted review as its reviewer and its scores, from
	-- review_halves (kept in rubric order): the first as many as the
	-- rubric has criteria when they are its codes; a review without all
	-- the rubric's scores has them empty.
	revs AS (SELECT act.application_id,
		string_agg(act.user_id || ',' ||
		    CASE WHEN c.criteria[1:cardinality(codes)] = codes
		    THEN array_to_string(c.halves[1:cardinality(codes)], ',')
		    ELSE repeat(',', cardinality(codes) - 1) END, ','
		    ORDER BY act.id) AS reviews
		FROM act JOIN review_halves c ON c.assignment_id = act.id
		WHERE act.state = 'submitted' GROUP BY act.application_id),
	byapp AS (SELECT act.application_id,
		count(*) AS due,
		count(*) FILTER (WHERE act.state IN ('submitted', 'abstained'))
		    AS done,
		count(*) FILTER (WHERE act.state = 'abstained') AS abstained
		FROM act GROUP BY act.application_id),
	cons AS (SELECT x.application_id,
		json_object_agg(x.criterion, x.halves) AS h
		FROM consensus_scores x JOIN apps ON apps.id = x.application_id
		GROUP BY x.application_id)
	SELECT json_build_object('round', json_build_object('slug', r.slug,
	    'title', r.title),
	    'tie_break', to_json(r.tie_break),
	    'rubric', consensus_rubric(r.id),
	    'categories', (SELECT coalesce(json_agg(json_build_object(
		'code', c.code, 'description', c.description)
		ORDER BY c.position), '[]')
		FROM round_categories c WHERE c.round_id = r.id),
	    'hidden', (SELECT count(*) FROM sub WHERE sub.mine),
	    'reviewers', (SELECT coalesce(json_agg(json_build_object(
		'id', u.id, 'name', u.display_name) ORDER BY u.id), '[]')
		FROM users u WHERE u.id IN (SELECT act.user_id FROM act
		    WHERE act.state = 'submitted')),
	    'applications', (SELECT coalesce(json_agg(json_build_array(
		apps.id, apps.reference, apps.title, apps.category,
		coalesce(byapp.due, 0), coalesce(byapp.done, 0),
		coalesce(byapp.abstained, 0), cons.h, d.decision, d.citation,
		coalesce(revs.reviews, ''))
		ORDER BY apps.reference, apps.id), '[]')
		FROM apps
		LEFT JOIN byapp ON byapp.application_id = apps.id
		LEFT JOIN revs ON revs.application_id = apps.id
		LEFT JOIN cons ON cons.application_id = apps.id
		LEFT JOIN decisions d ON d.application_id = apps.id)));
END
$$;
REVOKE ALL ON FUNCTION ranking_data_of(bigint, bigint[]) FROM PUBLIC;

-- The ranking data for admin p_user (NULL for anyone else): kept, as
-- "kept", beside the round's phase, which the clock moves.
CREATE OR REPLACE FUNCTION ranking_data(p_slug text, p_user bigint)
RETURNS json
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds := round_of_admin(p_slug, p_user);
	v_hidden bigint[];
	k record;
BEGIN
	IF r.id IS NULL THEN
		RETURN NULL;
	END IF;
	v_hidden := ranking_hidden(r.id, p_user);
	k := kept_get(r.id, 'ranking', v_hidden);
	IF k.data IS NULL THEN
		k.data := ranking_data_of(r.id, v_hidden);
		PERFORM kept_put(r.id, 'ranking', v_hidden, k.gen, k.data);
	END IF;
	RETURN json_build_object('phase', round_phase(r), 'kept', k.data);
END
$$;
