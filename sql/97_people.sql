-- People and the audit trail (issue 14): the admins' list of people
-- (people_view), their changes of role and state (people_change), and
-- the audit trail filtered (audit_view) with the rows its hash chain is
-- recomputed from in C (audit_chain_rows). Admins only: each function
-- asks user_is_admin() of its caller.

-- One page (50) of people whose name or e-mail contains p_q, with their
-- roles and last sign-in (the latest sign-in entry of the audit log,
-- found by its subject's index: sessions are deleted when they end);
-- NULL for a non-admin.
CREATE OR REPLACE FUNCTION people_view(p_q text, p_page text, p_actor bigint)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_q text := left(btrim(coalesce(p_q, '')), 200);
	v_like text;
	v_page integer := 1;
	v_total bigint;
	v_pages integer;
	v_people jsonb;
BEGIN
	IF NOT user_is_admin(p_actor) THEN
		RETURN NULL;
	END IF;
	IF p_page ~ '^[0-9]{1,6}$' AND p_page::integer > 0 THEN
		v_page := p_page::integer;
	END IF;
	v_like := '%' || replace(replace(replace(v_q, '\', '\\'), '%', '\%'),
	    '_', '\_') || '%';

	SELECT count(*) INTO v_total FROM users u
	WHERE u.display_name ILIKE v_like OR u.email::text ILIKE v_like;
	v_pages := greatest(1, ((v_total + 49) / 50)::integer);

	SELECT coalesce(jsonb_agg(p ORDER BY p.ord), '[]') INTO v_people FROM (
		SELECT row_number() OVER (ORDER BY u.display_name, u.id) AS ord,
		    u.id, u.email, u.display_name, u.is_admin,
		    u.disabled_at IS NOT NULL AS disabled,
		    u.id = p_actor AS is_self,
		    to_char(u.disabled_at AT TIME ZONE 'Europe/Brussels',
			'YYYY-MM-DD HH24:MI') AS disabled_at,
		    nullif((SELECT count(*) FROM applications a
			WHERE a.owner_id = u.id), 0) AS applications,
		    (SELECT coalesce(jsonb_agg(jsonb_build_object('slug',
			r.slug, 'title', r.title) ORDER BY r.id), '[]')
			FROM panel_members m JOIN rounds r ON r.id = m.round_id
			WHERE m.user_id = u.id) AS rounds,
		    (SELECT to_char(max(a.at) AT TIME ZONE 'Europe/Brussels',
			'YYYY-MM-DD HH24:MI') FROM audit a
			WHERE a.subject = 'user:' || u.id
			AND a.action IN ('login.success', 'login.recovery_code'))
			AS last_sign_in
		FROM users u
		WHERE u.display_name ILIKE v_like OR u.email::text ILIKE v_like
		ORDER BY u.display_name, u.id
		LIMIT 50 OFFSET (v_page - 1) * 50
	) p;

	RETURN jsonb_build_object('q', nullif(v_q, ''), 'page', v_page,
	    'pages', v_pages,
	    'total', v_total, 'people', v_people,
	    'prev', CASE WHEN v_page > 1 THEN v_page - 1 END,
	    'next', CASE WHEN v_page < v_pages THEN v_page + 1 END);
END
$$;

-- An admin changes a person: 'promote', 'demote' (the admin role; the
-- page checked the actor's password first), 'disable' (signed out at
-- once: the sessions go) or 'enable'. 'ok', 'same' (nothing to change),
-- 'notfound', or 'refused' with detail 'last_admin' (nobody enabled
-- would be left to administer) or 'self' (an admin disabling themselves).
CREATE OR REPLACE FUNCTION people_change(p_actor bigint, p_ip text,
    p_action text, p_user bigint,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	u users;
	v_admins integer;
	v_ended integer := 0;
BEGIN
	IF NOT user_is_admin(p_actor) OR p_action NOT IN ('promote', 'demote',
	    'disable', 'enable') THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	-- The enabled admins locked, so that two admins demoting each other
	-- at once cannot both pass the last-admin check.
	SELECT count(*) INTO v_admins FROM (SELECT id FROM users
	    WHERE is_admin AND disabled_at IS NULL ORDER BY id FOR UPDATE) a;
	SELECT * INTO u FROM users WHERE id = p_user FOR UPDATE;
	IF NOT FOUND THEN
		outcome := 'notfound';
		RETURN;
	END IF;

	IF p_action = 'disable' AND u.id = p_actor THEN
		outcome := 'refused';
		detail := 'self';
		RETURN;
	END IF;
	IF p_action IN ('demote', 'disable') AND u.is_admin AND
	    u.disabled_at IS NULL AND v_admins <= 1 THEN
		outcome := 'refused';
		detail := 'last_admin';
		RETURN;
	END IF;
	IF (p_action = 'promote' AND u.is_admin) OR
	    (p_action = 'demote' AND NOT u.is_admin) OR
	    (p_action = 'disable' AND u.disabled_at IS NOT NULL) OR
	    (p_action = 'enable' AND u.disabled_at IS NULL) THEN
		outcome := 'same';
		RETURN;
	END IF;

	IF p_action IN ('promote', 'demote') THEN
		UPDATE users SET is_admin = p_action = 'promote' WHERE id = u.id;
		PERFORM audit_log(p_actor, 'user.' || p_action, 'user:' || u.id,
		    p_ip, jsonb_build_object('is_admin', u.is_admin),
		    jsonb_build_object('is_admin', p_action = 'promote'));
	ELSIF p_action = 'disable' THEN
		UPDATE users SET disabled_at = now() WHERE id = u.id;
		-- Signed out at once, everywhere.
		DELETE FROM sessions WHERE user_id = u.id;
		GET DIAGNOSTICS v_ended = ROW_COUNT;
		PERFORM audit_log(p_actor, 'user.disable', 'user:' || u.id, p_ip,
		    jsonb_build_object('disabled', false),
		    jsonb_build_object('disabled', true, 'sessions_ended',
		    v_ended));
	ELSE
		UPDATE users SET disabled_at = NULL WHERE id = u.id;
		PERFORM audit_log(p_actor, 'user.enable', 'user:' || u.id, p_ip,
		    jsonb_build_object('disabled', true,
		    'disabled_at', u.disabled_at),
		    jsonb_build_object('disabled', false));
	END IF;
	outcome := 'ok';
	number := u.id;
END
$$;

-- Whether an admin may see an audit entry about subject: not one of an
-- application they are conflicted with (conflict_between()).
CREATE OR REPLACE FUNCTION audit_subject_visible(p_subject text,
    p_actor bigint) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT CASE WHEN p_subject ~ '^application:[0-9]{1,18}$' THEN
	    NOT conflict_between(substring(p_subject FROM 13)::bigint, p_actor)
	    ELSE true END
$$;

-- One page (50) of the audit trail, newest first, filtered by actor
-- (e-mail or id), action (prefix), round (slug: the round and its
-- applications), application (id or reference) and dates (from, to,
-- inclusive, in Europe/Brussels). Each entry with its personal part
-- while it exists (audit_entries). NULL for a non-admin.
CREATE OR REPLACE FUNCTION audit_view(p_actor bigint, p_who text,
    p_action text, p_round text, p_app text, p_from text, p_to text,
    p_page text)
RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_who bigint;
	v_round bigint;
	v_app bigint;
	v_from timestamptz;
	v_to timestamptz;
	v_page integer := 1;
	v_subjects text[];
	v_entries jsonb;
	v_more boolean;
	v_errors jsonb := '[]';
BEGIN
	IF NOT user_is_admin(p_actor) THEN
		RETURN NULL;
	END IF;
	IF p_page ~ '^[0-9]{1,6}$' AND p_page::integer > 0 THEN
		v_page := p_page::integer;
	END IF;

	-- A filter that names nothing matches nothing (never everything).
	IF p_who ~ '^[0-9]{1,18}$' THEN
		v_who := p_who::bigint;
	ELSIF p_who <> '' THEN
		v_who := coalesce((SELECT id FROM users WHERE email = p_who), 0);
	END IF;
	IF p_round <> '' THEN
		v_round := coalesce((SELECT id FROM rounds WHERE slug = p_round),
		    0);
		v_subjects := ARRAY(SELECT 'application:' || a.id
		    FROM applications a WHERE a.round_id = v_round) ||
		    ('round:' || v_round);
	END IF;
	IF p_app ~ '^[0-9]{1,18}$' THEN
		v_app := p_app::bigint;
	ELSIF p_app <> '' THEN
		v_app := coalesce((SELECT id FROM applications
		    WHERE reference = p_app), 0);
	END IF;
	IF p_from ~ '^\d{4}-\d{2}-\d{2}$' THEN
		v_from := (p_from::date)::timestamp AT TIME ZONE 'Europe/Brussels';
	ELSIF p_from <> '' THEN
		v_errors := v_errors || '"from"';
	END IF;
	IF p_to ~ '^\d{4}-\d{2}-\d{2}$' THEN
		v_to := (p_to::date + 1)::timestamp AT TIME ZONE 'Europe/Brussels';
	ELSIF p_to <> '' THEN
		v_errors := v_errors || '"to"';
	END IF;

	-- 51 rows read: the 51st only says there is a next page.
	SELECT coalesce(jsonb_agg(to_jsonb(e) - 'n' ORDER BY e.id DESC)
	    FILTER (WHERE e.n <= 50), '[]'), count(*) > 50
	INTO v_entries, v_more
	FROM (
		SELECT row_number() OVER (ORDER BY p.id DESC) AS n, p.*
		FROM (
			SELECT a.id, to_char(a.at AT TIME ZONE 'Europe/Brussels',
			    'YYYY-MM-DD HH24:MI:SS') AS at,
			    a.actor_id, u.email AS actor, a.action, a.subject,
			    nullif(a.ip, '') AS ip,
			    jsonb_pretty(a.before) AS before,
			    jsonb_pretty(a.after) AS after
			FROM audit_entries a
			LEFT JOIN users u ON u.id = a.actor_id
			WHERE (v_who IS NULL OR a.actor_id = v_who)
			    AND (p_action = '' OR
				starts_with(a.action, p_action))
			    AND (v_subjects IS NULL OR
				a.subject = ANY (v_subjects))
			    AND (v_app IS NULL OR
				a.subject = 'application:' || v_app)
			    AND (v_from IS NULL OR a.at >= v_from)
			    AND (v_to IS NULL OR a.at < v_to)
			    AND audit_subject_visible(a.subject, p_actor)
			ORDER BY a.id DESC
			LIMIT 51 OFFSET (v_page - 1) * 50
		) p
	) e;

	RETURN jsonb_build_object('entries', v_entries, 'page', v_page,
	    'prev', CASE WHEN v_page > 1 THEN v_page - 1 END,
	    'next', CASE WHEN v_more THEN v_page + 1 END,
	    'filter_errors', v_errors);
END
$$;

-- The rows the chain is recomputed from (core/auditchain.c), in id order
-- after p_after, as laurelctl audit verify reads them; the hashed text of
-- every entry, so never for a non-admin (no row).
CREATE OR REPLACE FUNCTION audit_chain_rows(p_actor bigint, p_after bigint,
    p_limit integer)
RETURNS TABLE (id bigint, at_us bigint, actor_id bigint, action text,
    subject text, ip text, before text, after text, prev_hash text,
    hash text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT a.id, (extract(epoch FROM a.at) * 1000000)::bigint, a.actor_id,
	    a.action, a.subject, a.ip, a.before::text, a.after::text,
	    a.prev_hash, a.hash
	FROM audit a
	WHERE user_is_admin(p_actor) AND a.id > p_after
	ORDER BY a.id LIMIT least(p_limit, 5000)
$$;
