-- Reviewing (SPEC §4): the round's rubric, editable by admins until the
-- first review of the round is submitted.

-- Whether the round's rubric is fixed: a review was submitted.
CREATE OR REPLACE FUNCTION rubric_locked(p_round bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT EXISTS (SELECT 1 FROM reviews v
	    JOIN assignments s ON s.id = v.assignment_id
	    WHERE s.round_id = p_round AND v.state = 'submitted')
$$;

-- The rubric page: the criteria in order, the tie-break order, and
-- whether it can still change. NULL but for admins.
CREATE OR REPLACE FUNCTION rubric_view(p_slug text, p_user bigint)
RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT json_build_object('round', json_build_object('slug', r.slug,
	    'title', r.title),
	    'locked', rubric_locked(r.id),
	    'tie_break', array_to_string(r.tie_break, ' '),
	    'total_weight', (SELECT sum(k.weight)::text FROM rubric_criteria k
		WHERE k.round_id = r.id),
	    'criteria', (SELECT coalesce(json_agg(json_build_object(
		'code', k.code, 'name', k.name, 'question', k.question,
		'weight', trim_scale(k.weight)::text,
		'gate', coalesce(trim_scale(k.gate)::text, ''),
		'level0', k.level0, 'level1', k.level1, 'level3', k.level3,
		'level5', k.level5,
		'first', k.position = k.lo, 'last', k.position = k.hi)
		ORDER BY k.position), '[]')
		FROM (SELECT c.*, min(c.position) OVER () AS lo,
		    max(c.position) OVER () AS hi FROM rubric_criteria c
		    WHERE c.round_id = r.id) k))
	FROM round_of_admin(p_slug, p_user) r WHERE r.id IS NOT NULL
$$;

-- One change to a round's rubric: 'save' a criterion, 'add' one (its
-- code the next Cn), 'remove' one, move it 'up' or 'down', or set the
-- 'tie_break' order. 'ok' (number: for add, nothing else), 'notfound',
-- 'closed' (a review was submitted: the rubric is fixed), 'refused'
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
