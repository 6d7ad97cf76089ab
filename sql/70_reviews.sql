-- Reviewing (SPEC §4): the round's rubric, editable by admins until the
-- first review of the round is submitted.

-- Whether the round's rubric is fixed: a review was submitted.
CREATE OR REPLACE FUNCTION rubric_locked(p_round bigint) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT EXISTS (SELECT 1 FROM reviews v
		    JOIN assignments s ON s.id = v.assignment_id
		    WHERE s.round_id = p_round AND v.state = 'submitted')
	);
END
$$;

-- The rubric page: the criteria in order, the tie-break order, and
-- whether it can still change. NULL but for admins.
CREATE OR REPLACE FUNCTION rubric_view(p_slug text, p_user bigint)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT json_build_object('round', json_build_object('slug', r.slug,
		    'title', r.title),
		    'locked', rubric_locked(r.id),
		    'tie_break', array_to_string(r.tie_break, ' '),
		    'total_weight', (SELECT sum(k.weight)::text FROM rubric_criteria k
			WHERE k.round_id = r.id),
		    'criteria', (SELECT coalesce(json_agg(json_build_object(
			'code', k.code, 'name', k.name, 'question', k.question,
			'weight', trim_scale(k.weight)::text,
			'gate', trim_scale(k.gate)::text,
			'level0', k.level0, 'level1', k.level1, 'level3', k.level3,
			'level5', k.level5,
			'first', k.position = k.lo, 'last', k.position = k.hi)
			ORDER BY k.position), '[]')
			FROM (SELECT c.*, min(c.position) OVER () AS lo,
			    max(c.position) OVER () AS hi FROM rubric_criteria c
			    WHERE c.round_id = r.id) k))
		FROM round_of_admin(p_slug, p_user) r WHERE r.id IS NOT NULL
	);
END
$$;

-- One change to a round's rubric: 'save' a criterion, 'add' one (its
-- code the next Cn), 'remove' one, move it 'up' or 'down', or set the
-- 'tie_break' order. 'ok' (number: for add, nothing else), 'notfound',
-- 'closed' (a review was submitted: the rubric is fixed), 'too_many'
-- (number: 20, the most a rubric has), 'refused'
-- detail 'last' (a rubric keeps one criterion at least), 'invalid'
-- detail 'tie_break'.
CREATE OR REPLACE FUNCTION rubric_change(p_slug text, p_actor bigint,
    p_ip text, p_action text, p_code text, p_name text, p_question text,
    p_weight numeric, p_gate numeric, p_level0 text, p_level1 text,
    p_level3 text, p_level5 text, p_tie text[],
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
	k rubric_criteria;
	n rubric_criteria;
	v_code text;
	v_pos integer;
BEGIN
	SELECT * INTO r FROM rounds
	WHERE id = (round_of_admin(p_slug, p_actor)).id FOR UPDATE;
	IF NOT FOUND THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	IF rubric_locked(r.id) THEN
		outcome := 'closed';
		RETURN;
	END IF;

	IF p_action = 'tie_break' THEN
		IF cardinality(p_tie) = 0 OR (SELECT count(DISTINCT t) FROM
		    unnest(p_tie) t) <> cardinality(p_tie) OR EXISTS (SELECT 1
		    FROM unnest(p_tie) t WHERE NOT EXISTS (SELECT 1
		    FROM rubric_criteria c WHERE c.round_id = r.id
		    AND c.code = t)) THEN
			outcome := 'invalid';
			detail := 'tie_break';
			RETURN;
		END IF;
		UPDATE rounds SET tie_break = p_tie WHERE id = r.id;
		PERFORM audit_log(p_actor, 'rubric.tie_break', 'round:' || r.slug,
		    p_ip, jsonb_build_object('tie_break', to_jsonb(r.tie_break)),
		    jsonb_build_object('tie_break', to_jsonb(p_tie)));
		outcome := 'ok';
		RETURN;
	END IF;

	IF p_action = 'add' THEN
		-- core/score.c sums at most 20 criteria.
		IF (SELECT count(*) FROM rubric_criteria
		    WHERE round_id = r.id) >= 20 THEN
			outcome := 'too_many';
			number := 20;
			RETURN;
		END IF;
		SELECT 'C' || (coalesce(max(substring(c.code FROM '^C([0-9]+)$')
		    ::integer), 0) + 1), coalesce(max(c.position), 0) + 1
		INTO v_code, v_pos FROM rubric_criteria c WHERE c.round_id = r.id;
		INSERT INTO rubric_criteria (round_id, position, code, name,
		    question, weight, gate, level0, level1, level3, level5)
		VALUES (r.id, v_pos, v_code, p_name, p_question, p_weight, p_gate,
		    p_level0, p_level1, p_level3, p_level5);
		PERFORM audit_log(p_actor, 'rubric.add', 'round:' || r.slug, p_ip,
		    NULL, jsonb_build_object('code', v_code, 'name', p_name,
		    'weight', p_weight, 'gate', p_gate));
		outcome := 'ok';
		detail := v_code;
		RETURN;
	END IF;

	SELECT * INTO k FROM rubric_criteria
	WHERE round_id = r.id AND code = p_code;
	IF NOT FOUND THEN
		outcome := 'notfound';
		RETURN;
	END IF;

	IF p_action = 'save' THEN
		UPDATE rubric_criteria SET name = p_name, question = p_question,
		    weight = p_weight, gate = p_gate, level0 = p_level0,
		    level1 = p_level1, level3 = p_level3, level5 = p_level5
		WHERE round_id = r.id AND code = k.code;
		PERFORM audit_log(p_actor, 'rubric.save', 'round:' || r.slug, p_ip,
		    jsonb_build_object('code', k.code, 'name', k.name,
		    'weight', k.weight, 'gate', k.gate),
		    jsonb_build_object('code', k.code, 'name', p_name,
		    'weight', p_weight, 'gate', p_gate));
	ELSIF p_action = 'remove' THEN
		IF (SELECT count(*) FROM rubric_criteria
		    WHERE round_id = r.id) <= 1 THEN
			outcome := 'refused';
			detail := 'last';
			RETURN;
		END IF;
		DELETE FROM rubric_criteria WHERE round_id = r.id
		    AND code = k.code;
		UPDATE rounds SET tie_break = array_remove(tie_break, k.code)
		WHERE id = r.id;
		PERFORM audit_log(p_actor, 'rubric.remove', 'round:' || r.slug,
		    p_ip, jsonb_build_object('code', k.code, 'name', k.name),
		    NULL);
	ELSIF p_action IN ('up', 'down') THEN
		SELECT * INTO n FROM rubric_criteria c WHERE c.round_id = r.id
		    AND CASE p_action WHEN 'up' THEN c.position < k.position
			ELSE c.position > k.position END
		ORDER BY CASE p_action WHEN 'up' THEN -c.position
		    ELSE c.position END
		LIMIT 1;
		IF FOUND THEN
			-- Positions are unique: one steps aside first.
			UPDATE rubric_criteria SET position = -1
			WHERE round_id = r.id AND code = k.code;
			UPDATE rubric_criteria SET position = k.position
			WHERE round_id = r.id AND code = n.code;
			UPDATE rubric_criteria SET position = n.position
			WHERE round_id = r.id AND code = k.code;
			PERFORM audit_log(p_actor, 'rubric.move', 'round:' ||
			    r.slug, p_ip, NULL, jsonb_build_object('code',
			    k.code, 'direction', p_action));
		END IF;
	ELSE
		outcome := 'notfound';
		RETURN;
	END IF;
	outcome := 'ok';
END
$$;

-- A round's rubric for the review form: each criterion with its
-- question and descriptors, in order.
CREATE OR REPLACE FUNCTION rubric_of(p_round bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT coalesce(json_agg(json_build_object('code', k.code,
		    'name', k.name, 'question', k.question,
		    'weight', trim_scale(k.weight)::text,
		    'gate', trim_scale(k.gate)::text,
		    'level0', k.level0, 'level1', k.level1, 'level3', k.level3,
		    'level5', k.level5) ORDER BY k.position), '[]')
		FROM rubric_criteria k WHERE k.round_id = p_round
	);
END
$$;

-- Whether reviews of the round may still change: until reviews_due (if
-- set), and not once the admin closed the review.
CREATE OR REPLACE FUNCTION review_open(r rounds) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT r.review_closed_at IS NULL AND (r.reviews_due IS NULL OR
		    clock_timestamp() < r.reviews_due)
	);
END
$$;

-- A review as the form and the others' list show it: state, version,
-- scores (in half points) and comments by criterion, the texts.
CREATE OR REPLACE FUNCTION review_json(p_assignment bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT json_build_object('state', v.state, 'version', v.version,
		    'recommendation', v.recommendation, 'feedback', v.feedback,
		    'confidential', v.confidential,
		    'abstain_reason', v.abstain_reason,
		    'submitted_at', v.submitted_at,
		    'scores', (SELECT coalesce(json_object_agg(x.criterion, x.halves),
			'{}') FROM review_scores x WHERE x.assignment_id = v.assignment_id
			AND x.halves IS NOT NULL),
		    'comments', (SELECT coalesce(json_object_agg(x.criterion,
			x.comment), '{}') FROM review_scores x
			WHERE x.assignment_id = v.assignment_id AND x.comment <> ''))
		FROM reviews v WHERE v.assignment_id = p_assignment
	);
END
$$;

-- The others' reviews of the assignment's application, for its reviewer
-- once their own is submitted or abstained (HotCRP's rule): labelled
-- "Reviewer N" by the order of assignment, never named; only those of
-- assignments still active and done.
CREATE OR REPLACE FUNCTION review_others(p_assignment bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		WITH mine AS (SELECT s.* FROM assignments s WHERE s.id = p_assignment),
		peers AS (SELECT s.id, row_number() OVER (ORDER BY s.id) AS n
			FROM assignments s, mine
			WHERE s.application_id = mine.application_id
			AND s.ended_at IS NULL)
		SELECT coalesce(json_agg(json_build_object('label', 'Reviewer ' || p.n,
		    'review', review_json(p.id)) ORDER BY p.n), '[]')
		FROM peers p JOIN reviews v ON v.assignment_id = p.id
		WHERE p.id <> p_assignment AND v.state IN ('submitted', 'abstained')
	);
END
$$;

-- Saves a review: kind 'save' or 'autosave' (a draft, or an edit of a
-- submitted review, which must stay complete), 'submit' (every criterion
-- scored and a recommendation), 'abstain' (with a reason; counts as
-- done). p_scores: {code: halves or null}; p_comments: {code: text}.
-- p_base: the version the form was loaded with. 'saved' or 'submitted'
-- (number: the new version), 'same' (an autosave with nothing new),
-- 'conflict' (number: the latest version: another tab saved), 'closed'
-- (reviews are due, or closed), 'invalid' detail 'incomplete' or
-- 'abstain_reason', 'notfound'.
CREATE OR REPLACE FUNCTION review_save(p_assignment bigint, p_user bigint,
    p_ip text, p_base integer, p_kind text, p_scores jsonb,
    p_comments jsonb, p_feedback text, p_confidential text,
    p_recommendation text, p_abstain_reason text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	s assignments;
	r rounds;
	v reviews;
	v_state text;
	v_content jsonb;
	v_complete boolean;
BEGIN
	SELECT * INTO s FROM assignments WHERE id = p_assignment
	    AND user_id = p_user AND ended_at IS NULL FOR UPDATE;
	IF NOT FOUND OR NOT 'read' = ANY ((application_access(
	    s.application_id, p_user)).allows) OR p_kind NOT IN ('save',
	    'autosave', 'submit', 'abstain') THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	SELECT * INTO r FROM rounds WHERE id = s.round_id FOR SHARE;
	IF NOT review_open(r) THEN
		outcome := 'closed';
		RETURN;
	END IF;
	SELECT * INTO v FROM reviews WHERE assignment_id = s.id;

	v_content := jsonb_build_object('scores', coalesce(p_scores, '{}'),
	    'comments', coalesce(p_comments, '{}'), 'feedback', p_feedback,
	    'confidential', p_confidential,
	    'recommendation', p_recommendation,
	    'abstain_reason', p_abstain_reason);
	IF p_kind = 'autosave' AND v.assignment_id IS NOT NULL AND
	    (SELECT x.content FROM review_versions x WHERE x.assignment_id =
	    s.id AND x.version = v.version) = v_content THEN
		outcome := 'same';
		number := v.version;
		RETURN;
	END IF;
	IF p_base <> coalesce(v.version, 0) THEN
		outcome := 'conflict';
		number := coalesce(v.version, 0);
		RETURN;
	END IF;

	v_complete := p_recommendation IS NOT NULL AND NOT EXISTS (SELECT 1
	    FROM rubric_criteria k WHERE k.round_id = r.id
	    AND jsonb_typeof(p_scores -> k.code) IS DISTINCT FROM 'number');
	v_state := CASE p_kind WHEN 'submit' THEN 'submitted'
	    WHEN 'abstain' THEN 'abstained'
	    ELSE CASE WHEN v.state = 'submitted' THEN 'submitted'
		ELSE 'draft' END END;
	IF v_state = 'submitted' AND NOT v_complete THEN
		outcome := 'invalid';
		detail := 'incomplete';
		RETURN;
	END IF;
	IF v_state = 'abstained' AND btrim(coalesce(p_abstain_reason, ''))
	    = '' THEN
		outcome := 'invalid';
		detail := 'abstain_reason';
		RETURN;
	END IF;

	INSERT INTO reviews (assignment_id, state, version, recommendation,
	    feedback, confidential, abstain_reason, submitted_at)
	VALUES (s.id, v_state, 1, p_recommendation, coalesce(p_feedback, ''),
	    coalesce(p_confidential, ''), CASE WHEN v_state = 'abstained'
	    THEN p_abstain_reason END, CASE WHEN v_state <> 'draft' THEN
	    clock_timestamp() END)
	ON CONFLICT (assignment_id) DO UPDATE SET state = excluded.state,
	    version = reviews.version + 1,
	    recommendation = excluded.recommendation,
	    feedback = excluded.feedback, confidential = excluded.confidential,
	    abstain_reason = excluded.abstain_reason,
	    submitted_at = CASE WHEN excluded.state = 'draft' THEN NULL
		ELSE coalesce(reviews.submitted_at, excluded.submitted_at) END,
	    updated_at = clock_timestamp()
	RETURNING version INTO number;

	-- The scores as sent: the others removed, these written over the
	-- old ones only where they changed. A delete and an insert of all
	-- of them each time had review_halves (sql/85_ranking.sql) computed
	-- twice a save, autosaves included.
	DELETE FROM review_scores x WHERE x.assignment_id = s.id
	    AND NOT EXISTS (SELECT 1 FROM rubric_criteria k
		WHERE k.round_id = r.id AND k.code = x.criterion
		AND (p_scores ? k.code OR p_comments ? k.code));
	INSERT INTO review_scores (assignment_id, criterion, halves, comment)
	SELECT s.id, k.code, (p_scores ->> k.code)::smallint,
	    coalesce(p_comments ->> k.code, '')
	FROM rubric_criteria k WHERE k.round_id = r.id
	    AND (p_scores ? k.code OR p_comments ? k.code)
	ON CONFLICT (assignment_id, criterion) DO UPDATE
	SET halves = excluded.halves, comment = excluded.comment
	WHERE (review_scores.halves, review_scores.comment) IS DISTINCT FROM
	    (excluded.halves, excluded.comment);
	INSERT INTO review_versions (assignment_id, version, state, content,
	    kind)
	VALUES (s.id, number, v_state, v_content, p_kind);
	UPDATE assignments SET started_at = coalesce(started_at,
	    clock_timestamp()) WHERE id = s.id;

	IF p_kind <> 'autosave' OR v_state IS DISTINCT FROM v.state THEN
		PERFORM audit_log(p_user, 'review.' || p_kind,
		    'application:' || s.application_id, p_ip,
		    jsonb_build_object('state', v.state),
		    jsonb_build_object('assignment', s.id, 'state', v_state,
		    'version', number));
	END IF;
	outcome := CASE WHEN v_state = 'draft' THEN 'saved' ELSE 'submitted'
	    END;
END
$$;
