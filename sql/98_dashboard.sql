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

/*
 * The counts, the admin's list and the ranking, kept (migrations 0022
 * and 0023, issue 16).
 *
 * A transaction that changes what a dashboard counts, the admin's list
 * of applications shows (round_applications_view(), sql/60_panel.sql)
 * or the ranking reads (ranking_data(), sql/85_ranking.sql) raises its
 * round's generation once, at its commit: the triggers below are
 * deferred, so the row of round_generations is locked only while the
 * transaction commits, after every other lock it takes (taken earlier,
 * it would queue submissions behind each other, and could deadlock with
 * a transaction that locks the same rows the other way round). What is
 * kept is kept with the generation read before it was computed: a change
 * committed in between is in it or raised the generation, so nothing
 * kept is older than its generation says.
 */

-- Raises the generation of each of p_rounds, once per transaction,
-- in the rounds' order (two transactions never wait on each other's).
CREATE OR REPLACE FUNCTION dashboard_touch(p_rounds bigint[]) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_done bigint[] := coalesce(string_to_array(nullif(current_setting(
	    'laurel.dashboard_touched', true), ''), ',')::bigint[], '{}');
	v_new bigint[];
BEGIN
	v_new := ARRAY(SELECT DISTINCT x FROM unnest(p_rounds) x
	    WHERE x IS NOT NULL AND x <> ALL (v_done) ORDER BY x);
	IF cardinality(v_new) = 0 THEN
		RETURN;
	END IF;
	-- A round deleted in this transaction has nothing left to count.
	INSERT INTO round_generations (round_id, gen)
	SELECT r.id, 1 FROM rounds r WHERE r.id = ANY (v_new) ORDER BY r.id
	ON CONFLICT (round_id) DO UPDATE SET gen = round_generations.gen + 1;
	PERFORM set_config('laurel.dashboard_touched',
	    array_to_string(v_done || v_new, ','), true);
END
$$;
REVOKE ALL ON FUNCTION dashboard_touch(bigint[]) FROM PUBLIC;

-- The rounds a changed row shows in: its own (a round_id column), its
-- application's (consensus_scores; conflicts and application_keys:
-- conflicts are of submitted applications), its assignment's (reviews,
-- review_scores), itself (rounds), every round the user reviews in
-- (users, for their name), or is on the panel of (affiliations).
CREATE OR REPLACE FUNCTION dashboard_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	o jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
	n jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
	v_rows jsonb[] := ARRAY[o, n];
BEGIN
	PERFORM dashboard_touch(CASE
	WHEN TG_TABLE_NAME = 'rounds' THEN ARRAY[(n ->> 'id')::bigint]
	WHEN TG_TABLE_NAME = 'users' THEN ARRAY(SELECT s.round_id
	    FROM assignments s WHERE s.user_id = (n ->> 'id')::bigint)
	WHEN TG_TABLE_NAME = 'affiliations' THEN ARRAY(SELECT m.round_id
	    FROM panel_members m WHERE m.user_id IN
	    (SELECT (x ->> 'user_id')::bigint FROM unnest(v_rows) x))
	WHEN TG_TABLE_NAME IN ('reviews', 'review_scores') THEN
	    ARRAY(SELECT s.round_id FROM assignments s WHERE s.id IN
	    (SELECT (x ->> 'assignment_id')::bigint FROM unnest(v_rows) x))
	WHEN TG_TABLE_NAME IN ('conflicts', 'application_keys',
	    'consensus_scores') THEN ARRAY(SELECT a.round_id
	    FROM applications a WHERE a.id IN
	    (SELECT (x ->> 'application_id')::bigint FROM unnest(v_rows) x)
	    AND (a.state = 'submitted' OR TG_TABLE_NAME = 'consensus_scores'))
	ELSE ARRAY(SELECT (x ->> 'round_id')::bigint FROM unnest(v_rows) x)
	END);
	RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION dashboard_changed() FROM PUBLIC;

-- The triggers, deferred constraint triggers, which cannot be replaced:
-- each is made again, as listed here, on every run of migrate. A row
-- gives the table and, for UPDATE, the condition under which a change
-- shows (NULL: any); a table with a condition has a trigger of its own
-- for INSERT and DELETE. An applicant's autosave of a draft, the most
-- frequent write there is, fires nothing: a draft is in no list and no
-- count but its state's until it has a reference, given at its first
-- submission. A submitted application's new version may change its
-- keys, hence its conflicts.
DO $$
DECLARE
	t record;
BEGIN
	FOR t IN SELECT * FROM (VALUES
	    ('applications', 'OLD.round_id IS DISTINCT FROM NEW.round_id
		OR OLD.state IS DISTINCT FROM NEW.state
		OR OLD.owner_id IS DISTINCT FROM NEW.owner_id
		OR OLD.reference IS DISTINCT FROM NEW.reference
		OR OLD.submitted_at IS DISTINCT FROM NEW.submitted_at
		OR NEW.reference IS NOT NULL
		    AND (OLD.title IS DISTINCT FROM NEW.title
		    OR OLD.category IS DISTINCT FROM NEW.category
		    OR OLD.country IS DISTINCT FROM NEW.country
		    OR OLD.version IS DISTINCT FROM NEW.version)'),
	    ('assignments', 'OLD.round_id IS DISTINCT FROM NEW.round_id
		OR OLD.application_id IS DISTINCT FROM NEW.application_id
		OR OLD.user_id IS DISTINCT FROM NEW.user_id
		OR OLD.ended_at IS DISTINCT FROM NEW.ended_at'),
	    ('reviews', 'OLD.assignment_id IS DISTINCT FROM NEW.assignment_id
		OR OLD.state IS DISTINCT FROM NEW.state
		OR OLD.updated_at IS DISTINCT FROM NEW.updated_at'),
	    ('panel_members', 'OLD.round_id IS DISTINCT FROM NEW.round_id
		OR OLD.user_id IS DISTINCT FROM NEW.user_id
		OR OLD.removed_at IS DISTINCT FROM NEW.removed_at'),
	    ('decisions', NULL), ('review_scores', NULL),
	    ('consensus_scores', NULL), ('rubric_criteria', NULL),
	    ('round_categories', NULL), ('conflicts', NULL),
	    ('application_keys', NULL), ('affiliations', NULL))
	    AS x(tbl, changed) LOOP
		EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I',
		    t.tbl || '_dashboard', t.tbl);
		EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I',
		    t.tbl || '_dashboard_update', t.tbl);
		EXECUTE format('CREATE CONSTRAINT TRIGGER %I AFTER %s ON %I '
		    'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW '
		    'EXECUTE FUNCTION dashboard_changed()', t.tbl || '_dashboard',
		    CASE WHEN t.changed IS NULL THEN 'INSERT OR UPDATE OR DELETE'
		    ELSE 'INSERT OR DELETE' END, t.tbl);
		IF t.changed IS NOT NULL THEN
			EXECUTE format('CREATE CONSTRAINT TRIGGER %I AFTER UPDATE '
			    'ON %I DEFERRABLE INITIALLY DEFERRED FOR EACH ROW '
			    'WHEN (%s) EXECUTE FUNCTION dashboard_changed()',
			    t.tbl || '_dashboard_update', t.tbl, t.changed);
		END IF;
	END LOOP;
END
$$;

-- A round itself (any change: its dates, zone, k, title) and a
-- reviewer's name, on UPDATE alone.
DROP TRIGGER IF EXISTS rounds_dashboard ON rounds;
CREATE CONSTRAINT TRIGGER rounds_dashboard
	AFTER UPDATE ON rounds
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS users_dashboard ON users;
CREATE CONSTRAINT TRIGGER users_dashboard
	AFTER UPDATE ON users
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)
	EXECUTE FUNCTION dashboard_changed();

-- What round p_round keeps of p_page for an admin who sees all but
-- p_hidden: its data if it was kept at the round's generation, else
-- NULL; and the generation, read first. Whatever the caller computes
-- after this is at least that new (see above): kept_put() keeps it so.
CREATE OR REPLACE FUNCTION kept_get(p_round bigint, p_page text,
    p_hidden bigint[], OUT gen bigint, OUT data json)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	gen := coalesce((SELECT g.gen FROM round_generations g
	    WHERE g.round_id = p_round), 0);
	data := (SELECT k.data FROM round_kept k WHERE k.round_id = p_round
	    AND k.page = p_page AND k.hidden = p_hidden AND k.gen = kept_get.gen);
END
$$;
REVOKE ALL ON FUNCTION kept_get(bigint, text, bigint[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION kept_put(p_round bigint, p_page text,
    p_hidden bigint[], p_gen bigint, p_data json) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	INSERT INTO round_kept (round_id, page, hidden, gen, data)
	VALUES (p_round, p_page, p_hidden, p_gen, p_data)
	ON CONFLICT (round_id, page, hidden) DO UPDATE
	    SET gen = excluded.gen, data = excluded.data
	    WHERE round_kept.gen < excluded.gen;
END
$$;
REVOKE ALL ON FUNCTION kept_put(bigint, text, bigint[], bigint, json)
    FROM PUBLIC;

-- Country names, changed by a migration if ever: every round.
CREATE OR REPLACE FUNCTION countries_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	PERFORM dashboard_touch(ARRAY(SELECT r.id FROM rounds r));
	RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION countries_changed() FROM PUBLIC;

CREATE OR REPLACE TRIGGER countries_dashboard
	AFTER INSERT OR UPDATE OR DELETE ON countries
	FOR EACH STATEMENT EXECUTE FUNCTION countries_changed();

-- A round's counts for an admin who sees all but p_hidden: applications
-- by state, category and country, submissions per day over the open
-- period (in the round's zone), each reviewer's progress, and what the
-- next phase needs; first the figures /admin lists for each round.
-- Everything in them changes only with a row the triggers above watch.
CREATE OR REPLACE FUNCTION dashboard_counts_of(p_round bigint,
    p_hidden bigint[]) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
BEGIN
	SELECT * INTO r FROM rounds WHERE id = p_round;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;

	-- One pass over the round's applications and one over its active
	-- assignments (the country kept beside each application, migration
	-- 0020); every count below reads these two. A count per application
	-- or per day, each a scan of its own, made the page 200 ms.
	RETURN (WITH dash_apps AS MATERIALIZED (
	SELECT a.id, a.state, a.category, a.country,
	    (a.submitted_at AT TIME ZONE r.timezone)::date AS day
	FROM applications a
	WHERE a.round_id = r.id AND a.id <> ALL (p_hidden)),
	work AS MATERIALIZED (
	SELECT s.application_id, s.user_id, w.state, w.updated_at
	FROM assignments s
	JOIN applications d ON d.id = s.application_id
	    AND d.state = 'submitted' AND d.id <> ALL (p_hidden)
	LEFT JOIN reviews w ON w.assignment_id = s.id
	WHERE s.round_id = r.id AND s.ended_at IS NULL),
	states AS (
	SELECT count(*) FILTER (WHERE state = 'draft') AS draft,
	    count(*) FILTER (WHERE state = 'submitted') AS submitted,
	    count(*) FILTER (WHERE state = 'withdrawn') AS withdrawn
	FROM dash_apps),
	progress AS (
	SELECT count(*) AS assigned,
	    count(*) FILTER (WHERE state IN ('submitted', 'abstained')) AS done
	FROM work),
	ready AS (
	SELECT count(*) AS n FROM (SELECT application_id FROM work
	    WHERE state IN ('submitted', 'abstained')
	    GROUP BY application_id
	    HAVING count(*) >= r.reviews_per_application) x)
	SELECT json_build_object(
	    'submitted', (SELECT submitted FROM states),
	    'drafts', (SELECT draft FROM states),
	    'reviews_done', (SELECT done FROM progress),
	    'reviews_assigned', (SELECT assigned FROM progress),
	    'states', (SELECT json_build_object('draft', draft,
		'submitted', submitted, 'withdrawn', withdrawn) FROM states),
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
	    -- Whether each is overdue depends on the clock: the page says.
	    'reviewers', (SELECT coalesce(json_agg(json_build_object(
		'name', u.display_name, 'done', x.done,
		'assigned', x.assigned,
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
	    'lacking', (SELECT submitted FROM states) - (SELECT n FROM ready),
	    'ready', (SELECT n FROM ready),
	    'pending', (SELECT assigned - done FROM progress),
	    'undecided', (SELECT count(*) FROM dash_apps d
		WHERE d.state = 'submitted' AND NOT EXISTS (SELECT 1
		    FROM decisions x WHERE x.application_id = d.id)),
	    'due', coalesce(to_char(r.reviews_due AT TIME ZONE r.timezone,
		'DD Mon YYYY, HH24:MI') || ' (' || r.timezone || ')', ''),
	    'timezone', r.timezone));
END
$$;
REVOKE ALL ON FUNCTION dashboard_counts_of(bigint, bigint[]) FROM PUBLIC;

-- The counts of round p_round for admin p_user, kept or computed and
-- kept. Counts every admin may see (nobody's conflict hides anything)
-- are kept once for all of them.
CREATE OR REPLACE FUNCTION dashboard_counts(p_round bigint, p_user bigint)
RETURNS json
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_hidden bigint[] := ranking_hidden(p_round, p_user);
	k record;
BEGIN
	k := kept_get(p_round, 'dashboard', v_hidden);
	IF k.data IS NULL THEN
		k.data := dashboard_counts_of(p_round, v_hidden);
		PERFORM kept_put(p_round, 'dashboard', v_hidden, k.gen, k.data);
	END IF;
	RETURN k.data;
END
$$;
REVOKE ALL ON FUNCTION dashboard_counts(bigint, bigint) FROM PUBLIC;

-- The rounds for /admin with their headline counts. Every count leaves
-- out the applications the admin is conflicted with.
CREATE OR REPLACE FUNCTION round_dashboard_list(p_user bigint) RETURNS json
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF NOT user_is_admin(p_user) THEN
		RETURN NULL;
	END IF;
	RETURN (SELECT coalesce(json_agg(json_build_object('slug', r.slug,
	    'title', r.title, 'phase', round_phase(r),
	    'closes', to_char(r.closes_at AT TIME ZONE r.timezone,
		'DD Mon YYYY, HH24:MI') || ' (' || r.timezone || ')',
	    'submitted', c.submitted, 'drafts', c.drafts,
	    'reviews_done', c.reviews_done,
	    'reviews_assigned', c.reviews_assigned)
	    ORDER BY r.opens_at DESC), '[]'::json)
	FROM rounds r
	CROSS JOIN LATERAL json_to_record(dashboard_counts(r.id, p_user))
	    AS c(submitted bigint, drafts bigint, reviews_done bigint,
		reviews_assigned bigint));
END
$$;

-- One round's dashboard: its counts (kept), whether reviews are past
-- due (the page marks the reviewers behind), and the latest reminders.
CREATE OR REPLACE FUNCTION round_dashboard(p_slug text, p_user bigint)
RETURNS json
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds := round_of_admin(p_slug, p_user);
BEGIN
	IF r.id IS NULL THEN
		RETURN NULL;
	END IF;
	RETURN json_build_object('counts', dashboard_counts(r.id, p_user),
	    'past_due', coalesce(r.reviews_due < now(), false),
	    'reminders', (SELECT coalesce(json_agg(json_build_object(
		'name', u.display_name, 'kind', m.kind,
		'at', to_char(m.sent_at AT TIME ZONE r.timezone,
		    'DD Mon YYYY, HH24:MI')) ORDER BY m.sent_at DESC), '[]')
		FROM (SELECT * FROM reminders WHERE round_id = r.id
		    ORDER BY sent_at DESC LIMIT 20) m
		JOIN users u ON u.id = m.user_id));
END
$$;
