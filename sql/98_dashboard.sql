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

-- Raises p_round's generation, once per transaction.
CREATE OR REPLACE FUNCTION dashboard_touch(p_round bigint) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_done text := coalesce(current_setting('laurel.dashboard_touched',
	    true), '');
BEGIN
	IF p_round IS NULL OR position(',' || p_round || ',' IN v_done) > 0 THEN
		RETURN;
	END IF;
	-- A round deleted in this transaction has nothing left to count.
	INSERT INTO round_generations (round_id, gen)
	SELECT p_round, 1 WHERE EXISTS (SELECT 1 FROM rounds WHERE id = p_round)
	ON CONFLICT (round_id) DO UPDATE SET gen = round_generations.gen + 1;
	PERFORM set_config('laurel.dashboard_touched',
	    CASE v_done WHEN '' THEN ',' ELSE v_done END || p_round || ',', true);
END
$$;
REVOKE ALL ON FUNCTION dashboard_touch(bigint) FROM PUBLIC;

-- The rounds a changed row shows in: its own (applications,
-- assignments, decisions, panel_members, rubric_criteria,
-- round_categories), its application's (consensus_scores; conflicts and
-- application_keys: conflicts are of submitted applications), its
-- assignment's (reviews, review_scores), itself (rounds), every round
-- the user reviews in (users, for their name), or is on the panel of
-- (affiliations).
CREATE OR REPLACE FUNCTION dashboard_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_old bigint;
	v_new bigint;
	v_round bigint;
BEGIN
	CASE TG_TABLE_NAME
	WHEN 'rounds' THEN
		PERFORM dashboard_touch(NEW.id);
	WHEN 'users' THEN
		FOR v_round IN SELECT DISTINCT s.round_id FROM assignments s
		    WHERE s.user_id = NEW.id ORDER BY s.round_id LOOP
			PERFORM dashboard_touch(v_round);
		END LOOP;
	WHEN 'affiliations' THEN
		FOR v_round IN SELECT DISTINCT m.round_id FROM panel_members m
		    WHERE m.user_id IN (CASE WHEN TG_OP <> 'DELETE' THEN
			NEW.user_id END, CASE WHEN TG_OP <> 'INSERT' THEN
			OLD.user_id END) ORDER BY m.round_id LOOP
			PERFORM dashboard_touch(v_round);
		END LOOP;
	WHEN 'reviews', 'review_scores' THEN
		-- A review deleted with its assignment: the assignment's
		-- own trigger touches the round.
		FOR v_round IN SELECT s.round_id FROM assignments s
		    WHERE s.id IN (CASE WHEN TG_OP <> 'DELETE' THEN
			NEW.assignment_id END, CASE WHEN TG_OP <> 'INSERT' THEN
			OLD.assignment_id END) ORDER BY s.round_id LOOP
			PERFORM dashboard_touch(v_round);
		END LOOP;
	WHEN 'consensus_scores' THEN
		FOR v_round IN SELECT a.round_id FROM applications a
		    WHERE a.id IN (CASE WHEN TG_OP <> 'DELETE' THEN
			NEW.application_id END, CASE WHEN TG_OP <> 'INSERT' THEN
			OLD.application_id END) ORDER BY a.round_id LOOP
			PERFORM dashboard_touch(v_round);
		END LOOP;
	WHEN 'conflicts', 'application_keys' THEN
		IF TG_OP <> 'INSERT' THEN
			v_old := OLD.application_id;
		END IF;
		IF TG_OP <> 'DELETE' THEN
			v_new := NEW.application_id;
		END IF;
		FOR v_round IN SELECT DISTINCT a.round_id FROM applications a
		    WHERE a.id IN (v_old, v_new) AND a.state = 'submitted'
		    ORDER BY a.round_id LOOP
			PERFORM dashboard_touch(v_round);
		END LOOP;
	ELSE
		IF TG_OP <> 'INSERT' THEN
			PERFORM dashboard_touch(OLD.round_id);
		END IF;
		IF TG_OP <> 'DELETE' THEN
			PERFORM dashboard_touch(NEW.round_id);
		END IF;
	END CASE;
	RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION dashboard_changed() FROM PUBLIC;

-- Constraint triggers, to be deferred, cannot be replaced: each is made
-- again, as it reads here, on every run of migrate. An UPDATE fires them
-- only where a column shown changed: an applicant's autosave of a draft,
-- the most frequent write there is, fires nothing (a draft is in no list
-- and no count but its state's until it has a reference, given at its
-- first submission). A submitted application's new version may change
-- its keys, hence its conflicts.
DROP TRIGGER IF EXISTS applications_dashboard ON applications;
CREATE CONSTRAINT TRIGGER applications_dashboard
	AFTER INSERT OR DELETE ON applications
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS applications_dashboard_update ON applications;
CREATE CONSTRAINT TRIGGER applications_dashboard_update
	AFTER UPDATE ON applications
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	WHEN (OLD.round_id IS DISTINCT FROM NEW.round_id
	    OR OLD.state IS DISTINCT FROM NEW.state
	    OR OLD.owner_id IS DISTINCT FROM NEW.owner_id
	    OR OLD.reference IS DISTINCT FROM NEW.reference
	    OR OLD.submitted_at IS DISTINCT FROM NEW.submitted_at
	    OR NEW.reference IS NOT NULL
		AND (OLD.title IS DISTINCT FROM NEW.title
		OR OLD.category IS DISTINCT FROM NEW.category
		OR OLD.country IS DISTINCT FROM NEW.country
		OR OLD.version IS DISTINCT FROM NEW.version))
	EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS assignments_dashboard ON assignments;
CREATE CONSTRAINT TRIGGER assignments_dashboard
	AFTER INSERT OR DELETE ON assignments
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS assignments_dashboard_update ON assignments;
CREATE CONSTRAINT TRIGGER assignments_dashboard_update
	AFTER UPDATE ON assignments
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	WHEN (OLD.round_id IS DISTINCT FROM NEW.round_id
	    OR OLD.application_id IS DISTINCT FROM NEW.application_id
	    OR OLD.user_id IS DISTINCT FROM NEW.user_id
	    OR OLD.ended_at IS DISTINCT FROM NEW.ended_at)
	EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS reviews_dashboard ON reviews;
CREATE CONSTRAINT TRIGGER reviews_dashboard
	AFTER INSERT OR DELETE ON reviews
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS reviews_dashboard_update ON reviews;
CREATE CONSTRAINT TRIGGER reviews_dashboard_update
	AFTER UPDATE ON reviews
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	WHEN (OLD.assignment_id IS DISTINCT FROM NEW.assignment_id
	    OR OLD.state IS DISTINCT FROM NEW.state
	    OR OLD.updated_at IS DISTINCT FROM NEW.updated_at)
	EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS decisions_dashboard ON decisions;
CREATE CONSTRAINT TRIGGER decisions_dashboard
	AFTER INSERT OR UPDATE OR DELETE ON decisions
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION dashboard_changed();
-- The ranking's own: scores, consensus, the rubric, the categories.
DROP TRIGGER IF EXISTS review_scores_dashboard ON review_scores;
CREATE CONSTRAINT TRIGGER review_scores_dashboard
	AFTER INSERT OR UPDATE OR DELETE ON review_scores
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS consensus_scores_dashboard ON consensus_scores;
CREATE CONSTRAINT TRIGGER consensus_scores_dashboard
	AFTER INSERT OR UPDATE OR DELETE ON consensus_scores
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS rubric_criteria_dashboard ON rubric_criteria;
CREATE CONSTRAINT TRIGGER rubric_criteria_dashboard
	AFTER INSERT OR UPDATE OR DELETE ON rubric_criteria
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS round_categories_dashboard ON round_categories;
CREATE CONSTRAINT TRIGGER round_categories_dashboard
	AFTER INSERT OR UPDATE OR DELETE ON round_categories
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS panel_members_dashboard ON panel_members;
CREATE CONSTRAINT TRIGGER panel_members_dashboard
	AFTER INSERT OR DELETE ON panel_members
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS panel_members_dashboard_update ON panel_members;
CREATE CONSTRAINT TRIGGER panel_members_dashboard_update
	AFTER UPDATE ON panel_members
	DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
	WHEN (OLD.round_id IS DISTINCT FROM NEW.round_id
	    OR OLD.user_id IS DISTINCT FROM NEW.user_id
	    OR OLD.removed_at IS DISTINCT FROM NEW.removed_at)
	EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS conflicts_dashboard ON conflicts;
CREATE CONSTRAINT TRIGGER conflicts_dashboard
	AFTER INSERT OR UPDATE OR DELETE ON conflicts
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS application_keys_dashboard ON application_keys;
CREATE CONSTRAINT TRIGGER application_keys_dashboard
	AFTER INSERT OR UPDATE OR DELETE ON application_keys
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION dashboard_changed();
DROP TRIGGER IF EXISTS affiliations_dashboard ON affiliations;
CREATE CONSTRAINT TRIGGER affiliations_dashboard
	AFTER INSERT OR UPDATE OR DELETE ON affiliations
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION dashboard_changed();
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

-- Country names, changed by a migration if ever: every round.
CREATE OR REPLACE FUNCTION countries_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	PERFORM dashboard_touch(r.id) FROM rounds r ORDER BY r.id;
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
-- kept: the row of dashboard_cache. Counts every admin may see
-- (nobody's conflict hides anything) are kept once for all of them.
CREATE OR REPLACE FUNCTION dashboard_counts(p_round bigint, p_user bigint)
RETURNS dashboard_cache
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	c dashboard_cache;
	v_hidden bigint[];
	v_gen bigint;
BEGIN
	v_hidden := ARRAY(SELECT DISTINCT x.application_id
	    FROM ranking_conflicts(p_round, p_user) x ORDER BY 1);
	-- Before the counts, never after: see above.
	v_gen := coalesce((SELECT gen FROM round_generations
	    WHERE round_id = p_round), 0);
	SELECT * INTO c FROM dashboard_cache
	WHERE round_id = p_round AND hidden = v_hidden AND gen = v_gen;
	IF FOUND THEN
		RETURN c;
	END IF;
	c.round_id := p_round;
	c.hidden := v_hidden;
	c.gen := v_gen;
	c.counts := dashboard_counts_of(p_round, v_hidden);
	c.submitted := (c.counts ->> 'submitted')::bigint;
	c.drafts := (c.counts ->> 'drafts')::bigint;
	c.reviews_done := (c.counts ->> 'reviews_done')::bigint;
	c.reviews_assigned := (c.counts ->> 'reviews_assigned')::bigint;
	INSERT INTO dashboard_cache SELECT c.*
	ON CONFLICT (round_id, hidden) DO UPDATE
	    SET gen = excluded.gen, submitted = excluded.submitted,
		drafts = excluded.drafts, reviews_done = excluded.reviews_done,
		reviews_assigned = excluded.reviews_assigned,
		counts = excluded.counts
	    WHERE dashboard_cache.gen < excluded.gen;
	RETURN c;
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
	CROSS JOIN LATERAL dashboard_counts(r.id, p_user) c);
END
$$;

-- One round's dashboard: its counts (kept), whether reviews are past
-- due (the page marks the reviewers behind), and the latest reminders.
CREATE OR REPLACE FUNCTION round_dashboard(p_slug text, p_user bigint)
RETURNS json
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
BEGIN
	SELECT * INTO r FROM rounds WHERE slug = p_slug;
	IF NOT FOUND OR NOT user_is_admin(p_user) THEN
		RETURN NULL;
	END IF;
	RETURN json_build_object('counts',
	    (SELECT c.counts FROM dashboard_counts(r.id, p_user) c),
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
