-- The admin exports of a round (SPEC §6, issue 14): the applications and
-- the scores as CSV, an application's documents as a ZIP. Each function
-- asks user_is_admin() (through round_of_admin()) itself, and leaves out
-- every application the admin is conflicted with (ranking_conflicts(),
-- the set-wise conflict_between()): a conflicted admin sees nothing of
-- it, not even its row. Each export is audited (export_audit()) once
-- the page has counted its rows.

-- The round's applications (drafts, submitted, withdrawn) for the
-- applications CSV, NULL but for admins: each with its latest content,
-- the submission time in the round's time zone, its reviews done and
-- due (as ranking_data() counts them) and its decision (NULL when none).
CREATE OR REPLACE FUNCTION export_applications_data(p_slug text,
    p_user bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
BEGIN
	SELECT * INTO r FROM round_of_admin(p_slug, p_user);
	IF r.id IS NULL THEN
		RETURN NULL;
	END IF;
	RETURN (
	WITH mine AS (SELECT DISTINCT m.application_id
		FROM ranking_conflicts(r.id, p_user) m),
	apps AS (SELECT a.* FROM applications a
		WHERE a.round_id = r.id AND NOT EXISTS (SELECT 1 FROM mine
		    WHERE mine.application_id = a.id)),
	act AS (SELECT s.application_id, coalesce(v.state, 'none') AS state
		FROM round_counted_assignments(r.id) s
		JOIN apps ON apps.id = s.application_id
		LEFT JOIN reviews v ON v.assignment_id = s.id),
	byapp AS (SELECT act.application_id, count(*) AS due,
		count(*) FILTER (WHERE act.state IN ('submitted', 'abstained'))
		    AS done
		FROM act GROUP BY act.application_id)
	SELECT json_build_object('round', json_build_object('id', r.id,
	    'slug', r.slug, 'title', r.title, 'timezone', r.timezone),
	    'applications', (SELECT coalesce(json_agg(json_build_object(
		'id', apps.id, 'reference', apps.reference,
		'state', apps.state, 'category', apps.category,
		'title', apps.title, 'content', v.content,
		'submitted', to_char(apps.submitted_at AT TIME ZONE r.timezone,
		    'YYYY-MM-DD HH24:MI:SS'),
		'done', coalesce(byapp.done, 0),
		'due', coalesce(byapp.due, 0),
		'decision', d.decision)
		ORDER BY apps.reference NULLS LAST, apps.id), '[]')
		FROM apps
		LEFT JOIN application_versions v ON v.application_id = apps.id
		    AND v.version = apps.version
		LEFT JOIN byapp ON byapp.application_id = apps.id
		LEFT JOIN decisions d ON d.application_id = apps.id)));
END
$$;

-- The round's submitted reviews for the scores CSV, NULL but for
-- admins: the rubric (consensus_rubric(), for core/score.c's total) and
-- each review that counts (an active assignment of a submitted
-- application, its reviewer not conflicted with it) of the applications
-- the admin may see, with its reviewer's name (even in blind rounds:
-- only admins read this) and its half points by criterion code.
CREATE OR REPLACE FUNCTION export_scores_data(p_slug text, p_user bigint)
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
	WITH mine AS (SELECT DISTINCT m.application_id
		FROM ranking_conflicts(r.id, p_user) m),
	act AS (SELECT s.id, s.application_id, s.user_id
		FROM round_counted_assignments(r.id) s
		JOIN reviews v ON v.assignment_id = s.id
		    AND v.state = 'submitted'
		WHERE NOT EXISTS (SELECT 1 FROM mine
		    WHERE mine.application_id = s.application_id))
	SELECT json_build_object('round', json_build_object('id', r.id,
	    'slug', r.slug, 'title', r.title),
	    'rubric', consensus_rubric(r.id),
	    'reviews', (SELECT coalesce(json_agg(json_build_object(
		'reference', a.reference, 'reviewer', u.display_name,
		'halves', (SELECT coalesce(json_object_agg(x.criterion,
		    x.halves), '{}') FROM review_scores x
		    WHERE x.assignment_id = act.id))
		ORDER BY a.reference, u.display_name, act.id), '[]')
		FROM act
		JOIN applications a ON a.id = act.application_id
		JOIN users u ON u.id = act.user_id)));
END
$$;

-- The application whose documents an admin takes as a ZIP: {id,
-- reference} when it is an application of the round (any state) that
-- the admin is not conflicted with, else NULL.
CREATE OR REPLACE FUNCTION export_documents_app(p_slug text, p_app bigint,
    p_user bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
BEGIN
	SELECT * INTO r FROM round_of_admin(p_slug, p_user);
	IF r.id IS NULL OR conflict_between(p_app, p_user) THEN
		RETURN NULL;
	END IF;
	RETURN (SELECT json_build_object('id', a.id,
	    'reference', a.reference,
	    'bytes', (SELECT coalesce(sum(f.size), 0) FROM application_files f
		WHERE f.application_id = a.id)) FROM applications a
	    WHERE a.id = p_app AND a.round_id = r.id);
END
$$;

-- Its documents, sealed, for the page to open (web/document.c's
-- columns): no row but for an admin who may see the application.
CREATE OR REPLACE FUNCTION export_documents(p_slug text, p_app bigint,
    p_user bigint)
RETURNS TABLE (id bigint, name text, key_id text, sha256 text, sealed bytea)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF export_documents_app(p_slug, p_app, p_user) IS NULL THEN
		RETURN;
	END IF;
	RETURN QUERY SELECT f.id, f.name, f.key_id, f.sha256, f.sealed
	    FROM application_files f WHERE f.application_id = p_app
	    ORDER BY f.id;
END
$$;

-- The audit entry of an export: who, which round (and application),
-- which export ('applications.csv', 'scores.csv', 'documents.zip'), how
-- many rows (files for the ZIP). 'recorded', or NULL when the caller is
-- no admin of the round (nothing written).
CREATE OR REPLACE FUNCTION export_audit(p_slug text, p_user bigint,
    p_ip text, p_export text, p_app bigint, p_rows integer) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
BEGIN
	SELECT * INTO r FROM round_of_admin(p_slug, p_user);
	IF r.id IS NULL OR p_export NOT IN ('applications.csv', 'scores.csv',
	    'documents.zip') THEN
		RETURN NULL;
	END IF;
	PERFORM audit_log(p_user, 'export.' || p_export,
	    CASE WHEN p_app IS NULL THEN 'round:' || r.id
		ELSE 'application:' || p_app END, p_ip, NULL,
	    jsonb_build_object('round', r.slug, 'application', p_app,
		'export', p_export, 'rows', p_rows));
	RETURN 'recorded';
END
$$;
