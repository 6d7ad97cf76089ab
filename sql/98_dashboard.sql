-- The round dashboard and the reminders to reviewers (issue 14). Every
-- count leaves out the applications the admin is conflicted with
-- (ranking_conflicts()): they see nothing of those. The reminder's
-- wording lives here alone, for the page's reminders and the mailer's
-- automatic ones.

-- A reviewer's pending reviews in a round: active assignments of
-- submitted applications whose review is neither submitted nor abstained.
CREATE OR REPLACE FUNCTION reminder_pending(p_round bigint, p_user bigint)
RETURNS TABLE (assignment_id bigint, reference text, title text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT s.id, a.reference, a.title
	FROM assignments s
	JOIN applications a ON a.id = s.application_id AND a.state = 'submitted'
	LEFT JOIN reviews v ON v.assignment_id = s.id
	WHERE s.round_id = p_round AND s.user_id = p_user
	    AND s.ended_at IS NULL
	    AND coalesce(v.state, 'draft') NOT IN ('submitted', 'abstained')
	ORDER BY a.reference, s.id
$$;
REVOKE ALL ON FUNCTION reminder_pending(bigint, bigint) FROM PUBLIC;

-- The reviewers of a round with pending reviews.
CREATE OR REPLACE FUNCTION reminder_reviewers(p_round bigint)
RETURNS TABLE (user_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT DISTINCT s.user_id
	FROM assignments s
	JOIN applications a ON a.id = s.application_id AND a.state = 'submitted'
	JOIN users u ON u.id = s.user_id AND u.disabled_at IS NULL
	LEFT JOIN reviews v ON v.assignment_id = s.id
	WHERE s.round_id = p_round AND s.ended_at IS NULL
	    AND coalesce(v.state, 'draft') NOT IN ('submitted', 'abstained')
$$;
REVOKE ALL ON FUNCTION reminder_reviewers(bigint) FROM PUBLIC;

-- The one text of a reminder: the pending reviews (reference, and title
-- unless the round is blind), a link to each, and the deadline in the
-- round's zone. p_base: the public address, without a trailing slash.
CREATE OR REPLACE FUNCTION reminder_mail(p_round bigint, p_user bigint,
    p_base text, OUT subject text, OUT body text)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
	v_name text;
	v_list text;
	v_n integer;
BEGIN
	SELECT * INTO r FROM rounds WHERE id = p_round;
	SELECT display_name INTO v_name FROM users WHERE id = p_user;
	SELECT count(*), string_agg('- ' || coalesce(p.reference, 'Application') ||
	    CASE WHEN r.blind_review OR coalesce(p.title, '') = '' THEN ''
		ELSE ': ' || p.title END ||
	    E'\n  ' || rtrim(p_base, '/') || '/review/' || p.assignment_id,
	    E'\n' ORDER BY p.reference, p.assignment_id)
	INTO v_n, v_list
	FROM reminder_pending(p_round, p_user) p;

	subject := r.title || ': ' || v_n ||
	    CASE WHEN v_n = 1 THEN ' review' ELSE ' reviews' END ||
	    ' still to finish';
	body := 'Hello ' || v_name || E',\n\n' ||
	    'This is a reminder: ' ||
	    CASE WHEN v_n = 1 THEN 'one review is' ELSE v_n || ' reviews are' END ||
	    ' still to finish for ' || r.title || E'.\n\n' ||
	    coalesce(v_list, '') || E'\n\n' ||
	    CASE WHEN r.reviews_due IS NULL THEN
		E'No deadline has been set for the reviews yet.\n'
	    ELSE 'Reviews are due by ' ||
		to_char(r.reviews_due AT TIME ZONE r.timezone,
		    'FMDay DD FMMonth YYYY, HH24:MI') ||
		' (' || r.timezone || E' time).\n' END ||
	    E'\nThank you for your work on the panel.\n';
END
$$;
REVOKE ALL ON FUNCTION reminder_mail(bigint, bigint, text) FROM PUBLIC;

-- Sends one reminder unless the reviewer had one for this round within
-- the day (or already had this automatic one). sent: whether it went;
-- at: when it went, or when the last one did.
CREATE OR REPLACE FUNCTION reminder_send(p_round bigint, p_user bigint,
    p_kind text, p_actor bigint, p_base text, OUT sent boolean,
    OUT at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	m record;
	v_to text;
BEGIN
	-- Two mailers, or a mailer and an admin, decide one at a time.
	PERFORM pg_advisory_xact_lock(hashtext('laurel_reminders'),
	    (p_round % 2147483647)::int);
	SELECT max(x.sent_at) INTO at FROM reminders x
	WHERE x.round_id = p_round AND x.user_id = p_user
	    AND (x.sent_at > now() - interval '1 day' OR x.kind = p_kind
		AND p_kind <> 'manual');
	IF at IS NOT NULL THEN
		sent := false;
		RETURN;
	END IF;

	INSERT INTO reminders (round_id, user_id, kind, sent_by)
	VALUES (p_round, p_user, p_kind, p_actor)
	RETURNING sent_at INTO at;
	SELECT email INTO v_to FROM users WHERE id = p_user;
	m := reminder_mail(p_round, p_user, p_base);
	PERFORM outbox_add(v_to, m.subject, m.body);
	sent := true;
END
$$;
REVOKE ALL ON FUNCTION reminder_send(bigint, bigint, text, bigint, text)
    FROM PUBLIC;

-- The admin's "Send reminders": every reviewer with pending reviews, one
-- e-mail each, audited. NULL when there is no such round for this admin.
CREATE OR REPLACE FUNCTION round_remind(p_slug text, p_user bigint,
    p_ip text, p_base text) RETURNS json
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
	u record;
	s record;
	v_sent json[] := '{}';
	v_skipped json[] := '{}';
	v_item json;
BEGIN
	SELECT * INTO r FROM rounds WHERE slug = p_slug;
	IF NOT FOUND OR NOT user_is_admin(p_user) THEN
		RETURN NULL;
	END IF;
	-- Once review is closed, pending reviews can no longer be done.
	IF r.review_closed_at IS NOT NULL OR r.published_at IS NOT NULL THEN
		RETURN json_build_object('slug', r.slug, 'title', r.title,
		    'closed', true, 'reminded', '[]'::json,
		    'skipped', '[]'::json);
	END IF;

	FOR u IN SELECT x.user_id, us.display_name
	    FROM reminder_reviewers(r.id) x JOIN users us ON us.id = x.user_id
	    ORDER BY us.display_name, x.user_id LOOP
		s := reminder_send(r.id, u.user_id, 'manual', p_user, p_base);
		v_item := json_build_object('name', u.display_name,
		    'at', to_char(s.at AT TIME ZONE r.timezone,
			'DD Mon YYYY, HH24:MI') || ' (' || r.timezone || ')');
		IF s.sent THEN
			v_sent := v_sent || v_item;
		ELSE
			v_skipped := v_skipped || v_item;
		END IF;
	END LOOP;

	PERFORM audit_log(p_user, 'round.remind', 'round:' || r.id, p_ip, NULL,
	    jsonb_build_object('reminded', cardinality(v_sent),
		'skipped', cardinality(v_skipped)));
	RETURN json_build_object('slug', r.slug, 'title', r.title,
	    'reminded', array_to_json(v_sent),
	    'skipped', array_to_json(v_skipped));
END
$$;

-- The mailer's automatic reminders, 7 and 2 days before reviews are
-- due, each once per reviewer and round, within the one-a-day rule.
-- Runs in the caller's one transaction; answers how many were queued.
CREATE OR REPLACE FUNCTION reminders_auto(p_base text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
	u record;
	v_kind text;
	v_n integer := 0;
BEGIN
	FOR r IN SELECT * FROM rounds
	    WHERE reviews_due > now() AND reviews_due <= now() + interval '7 days'
		AND review_closed_at IS NULL AND published_at IS NULL LOOP
		v_kind := CASE WHEN r.reviews_due <= now() + interval '2 days'
		    THEN 'auto2' ELSE 'auto7' END;
		FOR u IN SELECT x.user_id FROM reminder_reviewers(r.id) x
		    WHERE NOT EXISTS (SELECT 1 FROM reminders m
			WHERE m.round_id = r.id AND m.user_id = x.user_id
			AND m.kind = v_kind) LOOP
			IF (reminder_send(r.id, u.user_id, v_kind, NULL,
			    p_base)).sent THEN
				v_n := v_n + 1;
			END IF;
		END LOOP;
	END LOOP;
	RETURN v_n;
END
$$;

-- The rounds for /admin with their headline counts.
CREATE OR REPLACE FUNCTION round_dashboard_list(p_user bigint) RETURNS json
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT coalesce(json_agg(json_build_object('slug', r.slug,
	    'title', r.title, 'phase', round_phase(r),
	    'closes', to_char(r.closes_at AT TIME ZONE r.timezone,
		'DD Mon YYYY, HH24:MI') || ' (' || r.timezone || ')',
	    'submitted', c.submitted, 'drafts', c.drafts,
	    'reviews_done', c.done, 'reviews_assigned', c.assigned)
	    ORDER BY r.opens_at DESC), '[]'::json)
	FROM rounds r
	CROSS JOIN LATERAL (SELECT
	    count(DISTINCT a.id) FILTER (WHERE a.state = 'submitted') AS submitted,
	    count(DISTINCT a.id) FILTER (WHERE a.state = 'draft') AS drafts,
	    count(s.id) FILTER (WHERE a.state = 'submitted'
		AND v.state IN ('submitted', 'abstained')) AS done,
	    count(s.id) FILTER (WHERE a.state = 'submitted') AS assigned
	    FROM applications a
	    LEFT JOIN assignments s ON s.application_id = a.id
		AND s.ended_at IS NULL
	    LEFT JOIN reviews v ON v.assignment_id = s.id
	    WHERE a.round_id = r.id AND a.id NOT IN
		(SELECT application_id FROM ranking_conflicts(r.id, p_user))) c
	HAVING user_is_admin(p_user)
$$;

-- One round's dashboard: applications by state, category and country,
-- submissions per day over the open period (in the round's zone), each
-- reviewer's progress, and what the next phase needs.
CREATE OR REPLACE FUNCTION round_dashboard(p_slug text, p_user bigint)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
	v_hidden bigint[];
BEGIN
	SELECT * INTO r FROM rounds WHERE slug = p_slug;
	IF NOT FOUND OR NOT user_is_admin(p_user) THEN
		RETURN NULL;
	END IF;
	v_hidden := ARRAY(SELECT application_id
	    FROM ranking_conflicts(r.id, p_user));

	-- One pass over the round's applications and one over its active
	-- assignments (the country kept beside each application, migration
	-- 0020); every count below reads these two. A count per application
	-- or per day, each a scan of its own, made the page 200 ms.
	RETURN (WITH dash_apps AS MATERIALIZED (
	SELECT a.id, a.state, a.category, a.country,
	    (a.submitted_at AT TIME ZONE r.timezone)::date AS day
	FROM applications a
	WHERE a.round_id = r.id AND a.id <> ALL (v_hidden)),
	work AS MATERIALIZED (
	SELECT s.application_id, s.user_id, w.state, w.updated_at
	FROM assignments s
	JOIN applications d ON d.id = s.application_id
	    AND d.state = 'submitted' AND d.id <> ALL (v_hidden)
	LEFT JOIN reviews w ON w.assignment_id = s.id
	WHERE s.round_id = r.id AND s.ended_at IS NULL),
	ready AS (
	SELECT count(*) AS n FROM (SELECT application_id FROM work
	    WHERE state IN ('submitted', 'abstained')
	    GROUP BY application_id
	    HAVING count(*) >= r.reviews_per_application) x)
	SELECT json_build_object(
	    'states', (SELECT json_build_object(
		'draft', count(*) FILTER (WHERE state = 'draft'),
		'submitted', count(*) FILTER (WHERE state = 'submitted'),
		'withdrawn', count(*) FILTER (WHERE state = 'withdrawn'))
		FROM dash_apps),
	    'categories', (SELECT coalesce(json_agg(json_build_object(
		'name', x.name, 'count', x.n) ORDER BY x.n DESC, x.name), '[]')
		FROM (SELECT coalesce(category, '(none)') AS name,
		    count(*) AS n FROM dash_apps WHERE state = 'submitted'
		    GROUP BY 1) x),
	    'countries', (SELECT coalesce(json_agg(json_build_object(
		'name', coalesce(c.name, x.code, '(none)'), 'count', x.n)
		ORDER BY x.n DESC, coalesce(c.name, x.code, '(none)')), '[]')
		FROM (SELECT country AS code, count(*) AS n FROM dash_apps
		    WHERE state = 'submitted' GROUP BY 1) x
		LEFT JOIN countries c ON c.code = x.code),
	    'days', (SELECT json_agg(json_build_object(
		'day', to_char(g.day, 'YYYY-MM-DD'),
		'count', coalesce(n.n, 0)) ORDER BY g.day)
		FROM generate_series((r.opens_at AT TIME ZONE r.timezone)::date,
		    (r.closes_at AT TIME ZONE r.timezone)::date,
		    interval '1 day') AS g(day)
		LEFT JOIN (SELECT day, count(*) AS n FROM dash_apps
		    WHERE state = 'submitted' GROUP BY day) n ON n.day = g.day),
	    'reviewers', (SELECT coalesce(json_agg(json_build_object(
		'name', u.display_name, 'done', x.done,
		'assigned', x.assigned,
		'overdue', r.reviews_due < now() AND x.done < x.assigned,
		'last', coalesce(to_char(x.last AT TIME ZONE r.timezone,
		    'DD Mon YYYY, HH24:MI'), ''))
		ORDER BY u.display_name, u.id), '[]')
		FROM (SELECT user_id,
		    count(*) FILTER (WHERE state IN ('submitted',
			'abstained')) AS done,
		    count(*) AS assigned, max(updated_at) AS last
		    FROM work GROUP BY user_id) x
		-- 150 reviewers of 20,000 users: by the key, not a hash of all.
		CROSS JOIN LATERAL (SELECT u.id, u.display_name FROM users u
		    WHERE u.id = x.user_id OFFSET 0) u),
	    'k', r.reviews_per_application,
	    -- k is at least 1: an application without a review lacks one.
	    'lacking', (SELECT count(*) FROM dash_apps
		WHERE state = 'submitted') - (SELECT n FROM ready),
	    'ready', (SELECT n FROM ready),
	    'pending', (SELECT count(*) FROM work
		WHERE coalesce(state, 'draft') NOT IN ('submitted',
		    'abstained')),
	    'undecided', (SELECT count(*) FROM dash_apps d
		WHERE d.state = 'submitted' AND NOT EXISTS (SELECT 1
		    FROM decisions x WHERE x.application_id = d.id)),
	    'due', coalesce(to_char(r.reviews_due AT TIME ZONE r.timezone,
		'DD Mon YYYY, HH24:MI') || ' (' || r.timezone || ')', ''),
	    'timezone', r.timezone,
	    'reminders', (SELECT coalesce(json_agg(json_build_object(
		'name', u.display_name, 'kind', m.kind,
		'at', to_char(m.sent_at AT TIME ZONE r.timezone,
		    'DD Mon YYYY, HH24:MI')) ORDER BY m.sent_at DESC), '[]')
		FROM (SELECT * FROM reminders WHERE round_id = r.id
		    ORDER BY sent_at DESC LIMIT 20) m
		JOIN users u ON u.id = m.user_id)));
END
$$;
