-- The panel's consensus (SPEC §4, issue 12): once an application's
-- reviews are in, an admin acting as the panel's rapporteur records a
-- score per criterion, the panel's reasoning, the feedback agreed for
-- the applicant and any minority view; recording again replaces it
-- (version + 1, the earlier text kept in the audit log). The round's
-- agenda lists the applications that need a discussion first: the rule
-- is core/score.c's, so these functions hand the reviews' half points
-- to C and never judge them.
--
-- Every function the pages call asks user_is_admin() (through
-- round_of_admin()) itself, and an admin conflicted with an application
-- sees neither its page nor its line of the agenda: conflict trumps
-- every other role. The helpers, which ask nobody, are revoked from
-- PUBLIC: only these functions (as the schema's owner) call them.

-- A round's rubric for the arithmetic: each criterion in order, its
-- weight, and its gate in half points and as shown (NULL: none).
CREATE OR REPLACE FUNCTION consensus_rubric(p_round bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT coalesce(json_agg(json_build_object('code', k.code,
		    'name', k.name, 'weight', k.weight,
		    'gate', (k.gate * 2)::integer,
		    'gate_text', trim_scale(k.gate)::text)
		    ORDER BY k.position), '[]')
		FROM rubric_criteria k WHERE k.round_id = p_round
	);
END
$$;
REVOKE ALL ON FUNCTION consensus_rubric(bigint) FROM PUBLIC;

-- The application a consensus page is about: a submitted application of
-- the admin's round that the admin is not conflicted with; a row of
-- NULLs for anything else.
CREATE OR REPLACE FUNCTION consensus_application(p_slug text, p_app bigint,
    p_user bigint) RETURNS applications
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a applications;
BEGIN
	SELECT x.* INTO a FROM applications x
	JOIN rounds r ON r.id = x.round_id
	WHERE x.id = p_app AND x.state = 'submitted' AND r.slug = p_slug
	    AND user_is_admin(p_user);
	IF NOT FOUND OR conflict_between(a.id, p_user) THEN
		RETURN NULL;
	END IF;
	RETURN a;
END
$$;
REVOKE ALL ON FUNCTION consensus_application(text, bigint, bigint) FROM PUBLIC;

-- The reviews an application's consensus rests on: its active
-- assignments (round_active_assignments()), each with where the review
-- stands ('none' before it is begun) and whether the reviewer is
-- conflicted with it after all (a conflict found after the assignment:
-- that reviewer cannot write the review, and it does not count).
CREATE OR REPLACE FUNCTION consensus_reviewers(p_round bigint, p_app bigint)
RETURNS TABLE (assignment_id bigint, user_id bigint, state text,
    conflicted boolean)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN QUERY
	SELECT s.id, s.user_id, coalesce(v.state, 'none'),
	    conflict_between(p_app, s.user_id)
	FROM round_active_assignments(p_round) s
	LEFT JOIN reviews v ON v.assignment_id = s.id
	WHERE s.application_id = p_app;
END
$$;
REVOKE ALL ON FUNCTION consensus_reviewers(bigint, bigint) FROM PUBLIC;

-- Why a consensus cannot be recorded yet, NULL once it can:
-- 'no_reviewers' (no reviewer who may review it is assigned),
-- 'reviews_missing' (a review is neither submitted nor abstained),
-- 'no_scores' (every reviewer abstained: there is nothing to agree on).
CREATE OR REPLACE FUNCTION consensus_blocked(p_round bigint, p_app bigint)
RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_n integer;
	v_done integer;
	v_scored integer;
BEGIN
	SELECT count(*), count(*) FILTER (WHERE c.state IN ('submitted',
	    'abstained')), count(*) FILTER (WHERE c.state = 'submitted')
	INTO v_n, v_done, v_scored
	FROM consensus_reviewers(p_round, p_app) c WHERE NOT c.conflicted;
	RETURN CASE WHEN v_n = 0 THEN 'no_reviewers'
	    WHEN v_done < v_n THEN 'reviews_missing'
	    WHEN v_scored = 0 THEN 'no_scores' END;
END
$$;
REVOKE ALL ON FUNCTION consensus_blocked(bigint, bigint) FROM PUBLIC;

-- An application's consensus as the page shows it and the audit log
-- keeps it (NULL when none is recorded): scores in half points by
-- criterion code.
CREATE OR REPLACE FUNCTION consensus_json(p_app bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT jsonb_build_object('version', c.version, 'comment', c.comment,
		    'feedback', c.feedback, 'minority', c.minority,
		    'scores', (SELECT coalesce(jsonb_object_agg(x.criterion, x.halves),
			'{}') FROM consensus_scores x WHERE x.application_id = c.application_id))
		FROM consensus c WHERE c.application_id = p_app
	);
END
$$;
REVOKE ALL ON FUNCTION consensus_json(bigint) FROM PUBLIC;

-- The consensus page (NULL for anyone but an admin not conflicted with
-- a submitted application of the round): the application, the rubric,
-- each active assignment's reviewer (named: an admin page) with their
-- review once it is submitted or abstained (a draft stays the
-- reviewer's), why the consensus cannot be recorded yet, and the
-- consensus recorded so far.
CREATE OR REPLACE FUNCTION consensus_view(p_slug text, p_app bigint,
    p_user bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a applications;
	r rounds;
BEGIN
	SELECT * INTO a FROM consensus_application(p_slug, p_app, p_user);
	IF a.id IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT * INTO r FROM rounds WHERE id = a.round_id;
	RETURN json_build_object('round', json_build_object('slug', r.slug,
	    'title', r.title),
	    'application', json_build_object('id', a.id,
		'reference', a.reference, 'title', a.title,
		'category', a.category),
	    'rubric', consensus_rubric(r.id),
	    'blocked', consensus_blocked(r.id, a.id),
	    'reviews', (SELECT coalesce(json_agg(json_build_object(
		'assignment', c.assignment_id, 'user', u.id,
		'name', u.display_name, 'state', c.state,
		'conflicted', c.conflicted,
		'review', CASE WHEN c.state IN ('submitted', 'abstained') AND
		    NOT c.conflicted THEN review_json(c.assignment_id) END)
		ORDER BY u.display_name, u.id), '[]')
		FROM consensus_reviewers(r.id, a.id) c
		JOIN users u ON u.id = c.user_id),
	    'consensus', (SELECT consensus_json(a.id) || jsonb_build_object(
		'recorded_by', coalesce(u.display_name, ''),
		'recorded_at', to_char(c.recorded_at AT TIME ZONE r.timezone,
		    'YYYY-MM-DD HH24:MI') || ' (' || r.timezone || ')')
		FROM consensus c LEFT JOIN users u ON u.id = c.recorded_by
		WHERE c.application_id = a.id));
END
$$;

-- Records the panel's consensus on an application, or replaces it
-- (version + 1). p_scores: {code: halves}, a whole number from 0 to 10
-- for every criterion of the rubric. 'ok' (number: the version),
-- 'notfound' (as consensus_view()), 'refused' detail as
-- consensus_blocked(), 'invalid' detail 'incomplete' (a criterion
-- without a score), 'consensus_comment' or 'consensus_feedback' (empty).
CREATE OR REPLACE FUNCTION consensus_record(p_slug text, p_actor bigint,
    p_ip text, p_app bigint, p_scores jsonb, p_comment text,
    p_feedback text, p_minority text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a applications;
	v_before jsonb;
	v_after jsonb;
BEGIN
	-- Two rapporteurs at once write one version after the other, and
	-- the application is still submitted once its row is locked.
	SELECT * INTO a FROM applications
	WHERE id = (consensus_application(p_slug, p_app, p_actor)).id
	    AND state = 'submitted' FOR UPDATE;
	IF NOT FOUND THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	-- No review changes state while they are read (review_save() locks
	-- its assignment too).
	PERFORM 1 FROM assignments WHERE application_id = a.id
	    AND ended_at IS NULL FOR SHARE;

	detail := consensus_blocked(a.round_id, a.id);
	IF detail IS NOT NULL THEN
		outcome := 'refused';
		RETURN;
	END IF;
	IF jsonb_typeof(p_scores) IS DISTINCT FROM 'object' OR EXISTS (
	    SELECT 1 FROM rubric_criteria k WHERE k.round_id = a.round_id
	    AND NOT (jsonb_typeof(p_scores -> k.code) IS NOT DISTINCT FROM
		'number' AND (p_scores ->> k.code) ~ '^([0-9]|10)$')) THEN
		outcome := 'invalid';
		detail := 'incomplete';
		RETURN;
	END IF;
	IF btrim(coalesce(p_comment, '')) = '' THEN
		outcome := 'invalid';
		detail := 'consensus_comment';
		RETURN;
	END IF;
	IF btrim(coalesce(p_feedback, '')) = '' THEN
		outcome := 'invalid';
		detail := 'consensus_feedback';
		RETURN;
	END IF;

	v_before := consensus_json(a.id);
	INSERT INTO consensus (application_id, comment, feedback, minority,
	    recorded_by)
	VALUES (a.id, p_comment, p_feedback, coalesce(p_minority, ''),
	    p_actor)
	ON CONFLICT (application_id) DO UPDATE SET
	    version = consensus.version + 1, comment = excluded.comment,
	    feedback = excluded.feedback, minority = excluded.minority,
	    recorded_by = excluded.recorded_by, recorded_at = now()
	RETURNING version INTO number;
	DELETE FROM consensus_scores WHERE application_id = a.id;
	INSERT INTO consensus_scores (application_id, criterion, halves)
	SELECT a.id, k.code, (p_scores ->> k.code)::smallint
	FROM rubric_criteria k WHERE k.round_id = a.round_id;

	v_after := consensus_json(a.id);
	PERFORM audit_log(p_actor, 'consensus.record', 'application:' || a.id,
	    p_ip, v_before, v_after);
	outcome := 'ok';
END
$$;

-- The round's consensus agenda (NULL but for admins): the rubric, and
-- each submitted application the admin is not conflicted with, with its
-- active reviewers (named), how many of their reviews are in, whether a
-- consensus is recorded, and the half points of each submitted review
-- by criterion code ({code: halves}, a missing score left out), for
-- core/score.c to sum up and judge. hidden: the applications left out for the admin's
-- own conflicts. Counted once per round, not per application (SPEC §8:
-- 2,000 applications).
CREATE OR REPLACE FUNCTION consensus_agenda_data(p_slug text, p_user bigint)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
BEGIN
	SELECT * INTO r FROM round_of_admin(p_slug, p_user);
	IF r.id IS NULL THEN
		RETURN NULL;
	END IF;
	RETURN (
	WITH apps AS (SELECT a.id, a.reference, a.title, a.category,
		conflict_between(a.id, p_user) AS mine
		FROM applications a
		WHERE a.round_id = r.id AND a.state = 'submitted'),
	-- As consensus_reviewers(), for the whole round at once.
	act AS (SELECT s.id, s.application_id, s.user_id,
		coalesce(v.state, 'none') AS state
		FROM round_counted_assignments(r.id) s
		LEFT JOIN reviews v ON v.assignment_id = s.id),
	-- By code, not in rubric order: one hash join for the round, where
	-- rubric order cost an index probe per score.
	halves AS (SELECT act.id, coalesce(json_object_agg(x.criterion,
		    x.halves) FILTER (WHERE x.halves IS NOT NULL), '{}') AS h
		FROM act LEFT JOIN review_scores x ON x.assignment_id = act.id
		WHERE act.state = 'submitted' GROUP BY act.id),
	byapp AS (SELECT act.application_id,
		count(*) AS assigned,
		count(*) FILTER (WHERE act.state IN ('submitted', 'abstained'))
		    AS done,
		count(*) FILTER (WHERE act.state = 'abstained') AS abstained,
		json_agg(json_build_object('name', u.display_name,
		    'state', act.state) ORDER BY u.display_name, u.id)
		    AS reviewers,
		coalesce(json_agg(halves.h ORDER BY act.id)
		    FILTER (WHERE halves.h IS NOT NULL), '[]') AS reviews
		FROM act JOIN users u ON u.id = act.user_id
		LEFT JOIN halves ON halves.id = act.id
		GROUP BY act.application_id)
	SELECT json_build_object('round', json_build_object('slug', r.slug,
	    'title', r.title),
	    'rubric', consensus_rubric(r.id),
	    'hidden', (SELECT count(*) FROM apps WHERE apps.mine),
	    'applications', (SELECT coalesce(json_agg(json_build_object(
		'id', apps.id, 'reference', apps.reference,
		'title', apps.title, 'category', apps.category,
		'assigned', coalesce(byapp.assigned, 0),
		'done', coalesce(byapp.done, 0),
		'abstained', coalesce(byapp.abstained, 0),
		-- As consensus_blocked(): a consensus may be recorded.
		'ready', coalesce(byapp.done = byapp.assigned AND
		    byapp.done > byapp.abstained, false),
		'reviewers', coalesce(byapp.reviewers, '[]'::json),
		'reviews', coalesce(byapp.reviews, '[]'::json),
		'consensus', c.version)
		ORDER BY apps.reference), '[]')
		FROM apps
		LEFT JOIN byapp ON byapp.application_id = apps.id
		LEFT JOIN consensus c ON c.application_id = apps.id
		WHERE NOT apps.mine)));
END
$$;
