-- The panel (SPEC §4): invitations and members, affiliations, conflicts of
-- interest from three sources under one rule (conflict_between()), and
-- assignment, manual and automatic (the problem is built here, solved by
-- src/core/assign.c, and written back by assignment_auto_save()).
--
-- Every function an admin page calls checks user_is_admin() itself; every
-- function a reviewer's page calls goes through application_access()
-- (sql/40_applications.sql), which asks conflict_between().

-- The one rule: a user is conflicted with an application when it is
-- their own, when they or an admin recorded a conflict, when they
-- declared its organisation in advance, or when one of their
-- organisations or domains matches the application's (keys normalised by
-- src/core/conflict.c), unless an admin cleared that automatic match.
CREATE OR REPLACE FUNCTION conflict_between(p_app bigint, p_user bigint)
RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	-- PL/pgSQL: its plan is kept per connection; as a SQL function it
	-- was planned again at every call, which lists make per row.
	RETURN EXISTS (SELECT 1 FROM applications a
		WHERE a.id = p_app AND a.owner_id = p_user)
	    OR EXISTS (SELECT 1 FROM conflicts c WHERE c.application_id = p_app
		AND c.user_id = p_user AND c.source IN ('declared', 'admin'))
	    OR EXISTS (SELECT 1 FROM application_keys k
		JOIN affiliations f ON f.key = k.key AND f.user_id = p_user
		WHERE k.application_id = p_app AND (f.kind = 'conflict' OR
		    NOT EXISTS (SELECT 1 FROM conflicts c
			WHERE c.application_id = p_app AND c.user_id = p_user
			AND c.source = 'cleared')));
END
$$;

-- The same rule set-wise for one user: which of p_apps they are
-- conflicted with. A list asks it once for all its rows, where
-- conflict_between() per row cost 1.5 ms of a reviewer's 40 (issue 16).
-- PL/pgSQL, so that each connection keeps its plan (a page asks it).
CREATE OR REPLACE FUNCTION user_conflicts(p_user bigint, p_apps bigint[])
RETURNS TABLE (application_id bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN QUERY
	SELECT a.id FROM applications a
	WHERE a.id = ANY (p_apps) AND a.owner_id = p_user
	UNION
	SELECT c.application_id FROM conflicts c
	WHERE c.application_id = ANY (p_apps) AND c.user_id = p_user
	    AND c.source IN ('declared', 'admin')
	UNION
	SELECT k.application_id FROM affiliations f
	JOIN application_keys k ON k.key = f.key
	WHERE f.user_id = p_user AND k.application_id = ANY (p_apps)
	    AND (f.kind = 'conflict' OR NOT EXISTS (SELECT 1 FROM conflicts c
		WHERE c.application_id = k.application_id
		AND c.user_id = p_user AND c.source = 'cleared'));
END
$$;
REVOKE ALL ON FUNCTION user_conflicts(bigint, bigint[]) FROM PUBLIC;

-- Every conflict of a round's submitted applications with its members,
-- with its source and the reason shown to admins; cleared: an automatic
-- match an admin set aside. One row per reason (a pair may have several).
-- p_apps: only those applications (a page of a list), by the same rule.
--
-- This and the two set-returning helpers below are SQL functions without
-- SECURITY DEFINER or SET, so that PostgreSQL inlines them into the
-- calling statement and plans them with the caller's round: called as a
-- function, planned without knowing it, round_counted_assignments() cost
-- 33 ms for SPEC §8's round, inlined 16 ms (issue 16). They read tables
-- the app's role may not read, so only the owner's functions (which run
-- as the owner, with search_path set) can call them: EXECUTE is revoked
-- from PUBLIC.
CREATE OR REPLACE FUNCTION round_conflicts(p_round bigint,
    p_apps bigint[] DEFAULT NULL)
RETURNS TABLE (application_id bigint, user_id bigint, source text,
    reason text, cleared boolean)
LANGUAGE sql STABLE AS $$
	WITH apps AS (
		SELECT a.id, a.owner_id FROM applications a
		WHERE a.round_id = p_round AND a.state = 'submitted'
		    AND (p_apps IS NULL OR a.id = ANY (p_apps))),
	members AS (
		SELECT m.user_id FROM panel_members m
		WHERE m.round_id = p_round AND m.removed_at IS NULL)
	SELECT a.id, a.owner_id, 'own', 'their own application', false
	FROM apps a JOIN members m ON m.user_id = a.owner_id
	UNION ALL
	SELECT c.application_id, c.user_id, c.source, c.reason, false
	FROM conflicts c JOIN apps a ON a.id = c.application_id
	WHERE c.source IN ('declared', 'admin')
	UNION ALL
	SELECT k.application_id, f.user_id,
	    CASE f.kind WHEN 'conflict' THEN 'declared' ELSE 'automatic' END,
	    CASE f.kind WHEN 'domain' THEN 'e-mail domain: '
		WHEN 'conflict' THEN 'declared in advance: '
		ELSE 'organisation: ' END || f.name || ' ↔ ' || k.name ||
	    CASE k.kind WHEN 'partner' THEN ' (partner)' ELSE '' END,
	    f.kind <> 'conflict' AND EXISTS (SELECT 1 FROM conflicts c
		WHERE c.application_id = k.application_id
		AND c.user_id = f.user_id AND c.source = 'cleared')
	FROM application_keys k
	JOIN apps a ON a.id = k.application_id
	JOIN affiliations f ON f.key = k.key
	JOIN members m ON m.user_id = f.user_id
$$;
REVOKE ALL ON FUNCTION round_conflicts(bigint, bigint[]) FROM PUBLIC;

-- An application's keys, replaced with each version the applicant saves
-- (application_save()); p_keys: [{kind, name, key}] from the core.
-- Keys the same as before (most saves: the organisations stay) are left
-- as they are: no rows rewritten, no trigger fired.
CREATE OR REPLACE FUNCTION application_keys_set(p_app bigint, p_keys jsonb)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_new application_keys[];
BEGIN
	-- A key given twice: its first name, as ON CONFLICT DO NOTHING kept.
	v_new := ARRAY(SELECT DISTINCT ON (x ->> 'kind', x ->> 'key')
	    ROW(p_app, x ->> 'kind', left(x ->> 'name', 300),
		x ->> 'key')::application_keys
	    FROM jsonb_array_elements(coalesce(p_keys, '[]'::jsonb))
		WITH ORDINALITY AS e(x, n)
	    WHERE x ->> 'key' ~ '^(org|dom):.'
		AND x ->> 'kind' IN ('organisation', 'partner', 'domain')
	    ORDER BY x ->> 'kind', x ->> 'key', n);
	IF NOT EXISTS (SELECT * FROM unnest(v_new)
	    EXCEPT SELECT * FROM application_keys WHERE application_id = p_app)
	    AND NOT EXISTS (SELECT * FROM application_keys
	    WHERE application_id = p_app EXCEPT SELECT * FROM unnest(v_new)) THEN
		RETURN;
	END IF;
	DELETE FROM application_keys WHERE application_id = p_app;
	INSERT INTO application_keys SELECT * FROM unnest(v_new);
END
$$;

-- Only application_save() (and laurelctl, as the owner) sets keys: with
-- them, the app's role could hide a conflict.
REVOKE ALL ON FUNCTION application_keys_set(bigint, jsonb) FROM PUBLIC;

-- For `laurelctl migrate`: latest versions whose keys were never computed
-- (applications saved before the panel existed).
CREATE OR REPLACE FUNCTION application_keys_missing()
RETURNS TABLE (application_id bigint, content jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT a.id, v.content FROM applications a
	JOIN application_versions v ON v.application_id = a.id
	    AND v.version = a.version
	WHERE a.version > 0 AND NOT EXISTS (SELECT 1 FROM application_keys k
	    WHERE k.application_id = a.id)
	ORDER BY a.id
$$;
REVOKE ALL ON FUNCTION application_keys_missing() FROM PUBLIC;

-- The round an admin page is about (NULL row for others).
CREATE OR REPLACE FUNCTION round_of_admin(p_slug text, p_user bigint)
RETURNS rounds
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
BEGIN
	SELECT * INTO r FROM rounds WHERE slug = p_slug AND user_is_admin(p_user);
	RETURN r;
END
$$;

CREATE OR REPLACE FUNCTION round_categories_of(p_round bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT coalesce(json_agg(c.code ORDER BY c.position), '[]')
		FROM round_categories c WHERE c.round_id = p_round
	);
END
$$;

-- Active assignments: of submitted applications, to members still on
-- the panel, not ended. p_apps: only those applications.
CREATE OR REPLACE FUNCTION round_active_assignments(p_round bigint,
    p_apps bigint[] DEFAULT NULL)
RETURNS SETOF assignments
LANGUAGE sql STABLE AS $$
	SELECT s.* FROM assignments s
	JOIN applications a ON a.id = s.application_id AND a.state = 'submitted'
	JOIN panel_members m ON m.round_id = s.round_id
	    AND m.user_id = s.user_id AND m.removed_at IS NULL
	WHERE s.round_id = p_round AND s.ended_at IS NULL
	    AND (p_apps IS NULL OR s.application_id = ANY (p_apps))
$$;
REVOKE ALL ON FUNCTION round_active_assignments(bigint, bigint[])
    FROM PUBLIC;

-- The assignments whose reviews count: active, and their reviewer not
-- conflicted with the application after all (round_conflicts(), the
-- set-wise conflict_between()). The agenda, the ranking, the exports and
-- the publication all count reviews by this one rule.
CREATE OR REPLACE FUNCTION round_counted_assignments(p_round bigint)
RETURNS SETOF assignments
LANGUAGE sql STABLE AS $$
	WITH conf AS (SELECT DISTINCT c.application_id, c.user_id
		FROM round_conflicts(p_round) c WHERE NOT c.cleared)
	SELECT s.* FROM round_active_assignments(p_round) s
	WHERE NOT EXISTS (SELECT 1 FROM conf
	    WHERE conf.application_id = s.application_id
	    AND conf.user_id = s.user_id)
$$;
REVOKE ALL ON FUNCTION round_counted_assignments(bigint) FROM PUBLIC;

/*
 * Invitations and members.
 */

CREATE OR REPLACE FUNCTION invitation_state(i panel_invitations) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT CASE WHEN i.accepted_at IS NOT NULL THEN 'accepted'
	    WHEN i.revoked_at IS NOT NULL THEN 'revoked'
	    WHEN i.expires_at <= now() THEN 'expired'
	    ELSE 'pending' END
$$;

-- Whether the user is on any round's panel (their account page links to
-- their assignments).
CREATE OR REPLACE FUNCTION panel_is_member(p_user bigint) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT EXISTS (SELECT 1 FROM panel_members m
		    WHERE m.user_id = p_user AND m.removed_at IS NULL)
	);
END
$$;

-- The panel page: the round, its invitations and its members.
CREATE OR REPLACE FUNCTION panel_view(p_slug text, p_user bigint)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		WITH r AS (SELECT * FROM round_of_admin(p_slug, p_user) WHERE id IS NOT NULL),
		act AS (SELECT s.user_id, count(*) AS n
			FROM r, round_active_assignments(r.id) s GROUP BY s.user_id),
		conf AS (SELECT c.user_id, count(DISTINCT c.application_id) AS n
			FROM r, round_conflicts(r.id) c WHERE NOT c.cleared
			GROUP BY c.user_id),
		kept AS (SELECT s.user_id, count(*) AS n FROM r
			JOIN assignments s ON s.round_id = r.id
			WHERE s.ended_reason = 'member_removed' GROUP BY s.user_id)
		SELECT json_build_object('round', json_build_object('id', r.id,
		    'slug', r.slug, 'title', r.title,
		    'k', r.reviews_per_application, 'blind', r.blind_review,
		    'categories', round_categories_of(r.id)),
		    'invitations', (SELECT coalesce(json_agg(json_build_object(
			'id', i.id, 'email', i.email, 'name', i.name, 'cap', i.cap,
			'expertise', array_to_string(i.expertise, ', '),
			'state', invitation_state(i),
			'is_pending', invitation_state(i) = 'pending',
			'is_open', i.accepted_at IS NULL AND i.revoked_at IS NULL,
			'sent', to_char(i.sent_at AT TIME ZONE r.timezone,
			    'YYYY-MM-DD HH24:MI'),
			'expires', to_char(i.expires_at AT TIME ZONE r.timezone,
			    'YYYY-MM-DD HH24:MI')) ORDER BY i.id DESC), '[]')
			FROM panel_invitations i WHERE i.round_id = r.id),
		    'members', (SELECT coalesce(json_agg(json_build_object(
			'user', u.id, 'name', u.display_name, 'email', u.email,
			'cap', coalesce(m.cap::text, 'none'), 'load', coalesce(act.n, 0),
			'expertise', array_to_string(m.expertise, ', '),
			'cap_value', coalesce(m.cap::text, ''),
			'categories', (SELECT json_agg(json_build_object('code', c.code,
			    'checked', c.code = ANY (m.expertise)) ORDER BY c.position)
			    FROM round_categories c WHERE c.round_id = r.id),
			'conflicts', coalesce(conf.n, 0),
			'active', m.removed_at IS NULL,
			'kept', coalesce(kept.n, 0))
			ORDER BY m.removed_at IS NOT NULL, u.display_name, u.id), '[]')
			FROM panel_members m JOIN users u ON u.id = m.user_id
			LEFT JOIN act ON act.user_id = m.user_id
			LEFT JOIN conf ON conf.user_id = m.user_id
			LEFT JOIN kept ON kept.user_id = m.user_id
			WHERE m.round_id = r.id))
		FROM r
	);
END
$$;

-- Invites (or, for an address whose invitation has expired, invites
-- again). 'created' (number: the invitation), 'refused' with detail
-- 'member' (already on the panel) or 'pending' (an open invitation:
-- resend it), 'invalid' detail 'expertise', 'notfound'.
CREATE OR REPLACE FUNCTION panel_invite(p_slug text, p_actor bigint,
    p_ip text, p_email text, p_name text, p_cap integer,
    p_expertise text[], p_token_hash text, p_subject text, p_body text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
	i panel_invitations;
BEGIN
	SELECT * INTO r FROM rounds
	WHERE id = (round_of_admin(p_slug, p_actor)).id FOR UPDATE;
	IF NOT FOUND THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	IF EXISTS (SELECT 1 FROM unnest(p_expertise) e WHERE NOT EXISTS
	    (SELECT 1 FROM round_categories c WHERE c.round_id = r.id
	    AND c.code = e)) THEN
		outcome := 'invalid';
		detail := 'expertise';
		RETURN;
	END IF;
	IF EXISTS (SELECT 1 FROM panel_members m JOIN users u ON u.id = m.user_id
	    WHERE m.round_id = r.id AND m.removed_at IS NULL
	    AND u.email = p_email::citext) THEN
		outcome := 'refused';
		detail := 'member';
		RETURN;
	END IF;
	SELECT * INTO i FROM panel_invitations WHERE round_id = r.id
	    AND email = p_email::citext AND accepted_at IS NULL
	    AND revoked_at IS NULL;
	IF FOUND AND i.expires_at > now() THEN
		outcome := 'refused';
		detail := 'pending';
		number := i.id;
		RETURN;
	END IF;
	IF FOUND THEN
		UPDATE panel_invitations SET revoked_at = now() WHERE id = i.id;
	END IF;

	INSERT INTO panel_invitations (round_id, email, name, cap, expertise,
	    token_hash, invited_by, expires_at)
	VALUES (r.id, p_email, p_name, p_cap, coalesce(p_expertise, '{}'),
	    p_token_hash, p_actor, now() + interval '14 days')
	RETURNING id INTO number;
	PERFORM outbox_add(p_email, p_subject, p_body);
	PERFORM audit_log(p_actor, 'panel.invite', 'round:' || r.slug, p_ip,
	    NULL, jsonb_build_object('invitation', number, 'email', p_email,
	    'cap', p_cap, 'expertise', to_jsonb(p_expertise)));
	outcome := 'created';
END
$$;

-- Resends an open invitation with a new link (the old one stops
-- working) and 14 more days; revokes one. 'ok' or 'notfound'.
CREATE OR REPLACE FUNCTION panel_invitation_change(p_slug text,
    p_actor bigint, p_ip text, p_invitation bigint, p_action text,
    p_token_hash text, p_subject text, p_body text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	i panel_invitations;
BEGIN
	SELECT * INTO i FROM panel_invitations
	WHERE id = p_invitation AND accepted_at IS NULL AND revoked_at IS NULL
	    AND round_id = (round_of_admin(p_slug, p_actor)).id
	FOR UPDATE;
	IF NOT FOUND OR p_action NOT IN ('resend', 'revoke') THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	IF p_action = 'revoke' THEN
		UPDATE panel_invitations SET revoked_at = now() WHERE id = i.id;
	ELSE
		UPDATE panel_invitations SET token_hash = p_token_hash,
		    sent_at = now(), expires_at = now() + interval '14 days'
		WHERE id = i.id;
		PERFORM outbox_add(i.email::text, p_subject, p_body);
	END IF;
	PERFORM audit_log(p_actor, 'panel.' || p_action, 'round:' || p_slug,
	    p_ip, NULL, jsonb_build_object('invitation', i.id,
	    'email', i.email));
	outcome := 'ok';
	number := i.id;
END
$$;

-- The invitation an /invite link stands for, for its page (NULL when the
-- link is unknown). state: pending, accepted, revoked or expired.
CREATE OR REPLACE FUNCTION invitation_view(p_token_hash text) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT json_build_object('round', r.title, 'slug', r.slug,
		    'name', i.name, 'email', i.email, 'state', invitation_state(i),
		    'has_account', EXISTS (SELECT 1 FROM users u WHERE u.email = i.email))
		FROM panel_invitations i JOIN rounds r ON r.id = i.round_id
		WHERE i.token_hash = p_token_hash
	);
END
$$;

-- Attaches the reviewer role for the invitation's round to p_user. The
-- link is single-use: 'ok' (number: the round) for its first use, and
-- again for the same account; 'refused' detail 'used', 'expired' or
-- 'revoked'; 'notfound'. p_domain_key: the account's own e-mail domain
-- ('dom:…', NULL for a webmail one), recorded as an affiliation.
CREATE OR REPLACE FUNCTION invitation_accept(p_token_hash text,
    p_user bigint, p_ip text, p_domain text, p_domain_key text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	i panel_invitations;
BEGIN
	SELECT * INTO i FROM panel_invitations WHERE token_hash = p_token_hash
	FOR UPDATE;
	IF NOT FOUND THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	number := i.round_id;
	IF i.accepted_at IS NOT NULL THEN
		outcome := CASE WHEN i.accepted_by = p_user THEN 'ok'
		    ELSE 'refused' END;
		detail := 'used';
		RETURN;
	END IF;
	IF i.revoked_at IS NOT NULL OR i.expires_at <= now() THEN
		outcome := 'refused';
		detail := CASE WHEN i.revoked_at IS NOT NULL THEN 'revoked'
		    ELSE 'expired' END;
		RETURN;
	END IF;

	UPDATE panel_invitations SET accepted_at = now(), accepted_by = p_user
	WHERE id = i.id;
	INSERT INTO panel_members (round_id, user_id, cap, expertise)
	VALUES (i.round_id, p_user, i.cap, i.expertise)
	ON CONFLICT (round_id, user_id) DO UPDATE SET removed_at = NULL,
	    cap = excluded.cap, expertise = excluded.expertise,
	    joined_at = now();
	IF p_domain_key IS NOT NULL THEN
		INSERT INTO affiliations (user_id, kind, name, key)
		VALUES (p_user, 'domain', p_domain, p_domain_key)
		ON CONFLICT DO NOTHING;
	END IF;
	PERFORM audit_log(p_user, 'panel.join', 'round:' || i.round_id, p_ip,
	    NULL, jsonb_build_object('invitation', i.id));
	outcome := 'ok';
END
$$;

-- A new account from an invitation: verified by the invitation itself
-- (the link came to that address), then attached as above. 'created'
-- (number: the user), 'exists' (the address has an account: sign in),
-- or what invitation_accept() refuses.
CREATE OR REPLACE FUNCTION invitation_register(p_token_hash text,
    p_name text, p_hash text, p_ip text, p_domain text, p_domain_key text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	i panel_invitations;
	v_id bigint;
	x record;
BEGIN
	SELECT * INTO i FROM panel_invitations WHERE token_hash = p_token_hash
	    AND accepted_at IS NULL AND revoked_at IS NULL
	    AND expires_at > now();
	IF NOT FOUND THEN
		SELECT * INTO x FROM invitation_accept(p_token_hash, NULL, p_ip,
		    NULL, NULL);
		outcome := x.outcome;
		detail := x.detail;
		RETURN;
	END IF;
	IF EXISTS (SELECT 1 FROM users WHERE email = i.email) THEN
		outcome := 'exists';
		RETURN;
	END IF;
	INSERT INTO users (email, display_name, password_hash, verified_at)
	VALUES (i.email, p_name, p_hash, now())
	RETURNING id INTO v_id;
	PERFORM audit_log(NULL, 'user.register', 'user:' || v_id, p_ip, NULL,
	    jsonb_build_object('email', i.email, 'display_name', p_name,
	    'invitation', i.id));
	SELECT * INTO x FROM invitation_accept(p_token_hash, v_id, p_ip,
	    p_domain, p_domain_key);
	outcome := 'created';
	number := v_id;
EXCEPTION WHEN unique_violation THEN
	outcome := 'exists';
END
$$;

-- Changes a member's cap and expertise. 'ok', 'notfound', 'invalid'
-- detail 'expertise'. A cap below their load takes nothing away: it only
-- stops further assignments.
CREATE OR REPLACE FUNCTION panel_member_set(p_slug text, p_actor bigint,
    p_ip text, p_user bigint, p_cap integer, p_expertise text[],
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
	m panel_members;
BEGIN
	SELECT * INTO r FROM rounds
	WHERE id = (round_of_admin(p_slug, p_actor)).id FOR UPDATE;
	SELECT * INTO m FROM panel_members WHERE round_id = r.id
	    AND user_id = p_user AND removed_at IS NULL;
	IF r.id IS NULL OR NOT FOUND THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	IF EXISTS (SELECT 1 FROM unnest(p_expertise) e WHERE NOT EXISTS
	    (SELECT 1 FROM round_categories c WHERE c.round_id = r.id
	    AND c.code = e)) THEN
		outcome := 'invalid';
		detail := 'expertise';
		RETURN;
	END IF;
	UPDATE panel_members SET cap = p_cap,
	    expertise = coalesce(p_expertise, '{}')
	WHERE round_id = r.id AND user_id = p_user;
	PERFORM audit_log(p_actor, 'panel.member', 'round:' || r.slug, p_ip,
	    jsonb_build_object('user', p_user, 'cap', m.cap,
	    'expertise', to_jsonb(m.expertise)),
	    jsonb_build_object('user', p_user, 'cap', p_cap,
	    'expertise', to_jsonb(p_expertise)));
	outcome := 'ok';
END
$$;

-- Takes a member off the panel: assignments without a started review
-- are released (deleted), the others end and stay for admins to see.
-- 'ok' (number: released), 'notfound'.
CREATE OR REPLACE FUNCTION panel_remove(p_slug text, p_actor bigint,
    p_ip text, p_user bigint,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
	v_kept integer;
BEGIN
	SELECT * INTO r FROM rounds
	WHERE id = (round_of_admin(p_slug, p_actor)).id FOR UPDATE;
	UPDATE panel_members SET removed_at = now()
	WHERE round_id = r.id AND user_id = p_user AND removed_at IS NULL;
	IF r.id IS NULL OR NOT FOUND THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	DELETE FROM assignments WHERE round_id = r.id AND user_id = p_user
	    AND started_at IS NULL AND ended_at IS NULL;
	GET DIAGNOSTICS number = ROW_COUNT;
	UPDATE assignments SET ended_at = now(), ended_reason = 'member_removed'
	WHERE round_id = r.id AND user_id = p_user AND ended_at IS NULL;
	GET DIAGNOSTICS v_kept = ROW_COUNT;
	PERFORM audit_log(p_actor, 'panel.remove', 'round:' || r.slug, p_ip,
	    NULL, jsonb_build_object('user', p_user, 'released', number,
	    'kept', v_kept));
	outcome := 'ok';
END
$$;

/*
 * Affiliations.
 */

CREATE OR REPLACE FUNCTION affiliations_view(p_user bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT json_build_object(
		    'organisations', (SELECT coalesce(json_agg(json_build_object(
			'id', f.id, 'name', f.name, 'country', f.country,
			'country_name', c.name) ORDER BY f.id), '[]')
			FROM affiliations f LEFT JOIN countries c ON c.code = f.country
			WHERE f.user_id = p_user AND f.kind = 'organisation'),
		    'domains', (SELECT coalesce(json_agg(json_build_object('id', f.id,
			'name', f.name) ORDER BY f.id), '[]') FROM affiliations f
			WHERE f.user_id = p_user AND f.kind = 'domain'),
		    'conflicts', (SELECT coalesce(json_agg(json_build_object('id', f.id,
			'name', f.name) ORDER BY f.id), '[]') FROM affiliations f
			WHERE f.user_id = p_user AND f.kind = 'conflict'),
		    'is_member', EXISTS (SELECT 1 FROM panel_members m
			WHERE m.user_id = p_user AND m.removed_at IS NULL))
	);
END
$$;

-- 'created', 'exists', 'too_many' (number: the limit), 'invalid' detail
-- 'country'.
CREATE OR REPLACE FUNCTION affiliation_add(p_user bigint, p_ip text,
    p_kind text, p_name text, p_country text, p_key text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	PERFORM 1 FROM users WHERE id = p_user FOR NO KEY UPDATE;
	IF (SELECT count(*) FROM affiliations WHERE user_id = p_user) >= 50 THEN
		outcome := 'too_many';
		number := 50;
		RETURN;
	END IF;
	IF p_country IS NOT NULL AND NOT EXISTS (SELECT 1 FROM countries
	    WHERE code = p_country) THEN
		outcome := 'invalid';
		detail := 'country';
		RETURN;
	END IF;
	INSERT INTO affiliations (user_id, kind, name, country, key)
	VALUES (p_user, p_kind, p_name, p_country, p_key)
	ON CONFLICT DO NOTHING
	RETURNING id INTO number;
	IF number IS NULL THEN
		outcome := 'exists';
		RETURN;
	END IF;
	PERFORM audit_log(p_user, 'affiliation.add', 'user:' || p_user, p_ip,
	    NULL, jsonb_build_object('kind', p_kind, 'name', p_name,
	    'country', p_country));
	outcome := 'created';
END
$$;

CREATE OR REPLACE FUNCTION affiliation_remove(p_user bigint, p_ip text,
    p_id bigint, OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	f affiliations;
BEGIN
	DELETE FROM affiliations WHERE id = p_id AND user_id = p_user
	RETURNING * INTO f;
	IF NOT FOUND THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	PERFORM audit_log(p_user, 'affiliation.remove', 'user:' || p_user,
	    p_ip, jsonb_build_object('kind', f.kind, 'name', f.name), NULL);
	outcome := 'ok';
END
$$;

/*
 * Conflicts set by admins and declared by reviewers.
 */

-- The conflicts page: every conflict of the round with its reason, and
-- the choices of its form.
CREATE OR REPLACE FUNCTION conflicts_view(p_slug text, p_user bigint)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		WITH r AS (SELECT * FROM round_of_admin(p_slug, p_user) WHERE id IS NOT NULL)
		SELECT json_build_object('round', json_build_object('slug', r.slug,
		    'title', r.title),
		    'conflicts', (SELECT coalesce(json_agg(json_build_object(
			'application', a.id, 'reference', a.reference,
			'title', a.title,
			'user', u.id, 'reviewer', u.display_name,
			'source', c.source, 'reason', c.reason, 'cleared', c.cleared,
			'is_automatic', c.source = 'automatic',
			'is_admin', c.source = 'admin')
			ORDER BY a.reference, u.display_name, c.source, c.reason), '[]')
			FROM round_conflicts(r.id) c
			JOIN applications a ON a.id = c.application_id
			JOIN users u ON u.id = c.user_id),
		    'applications', (SELECT coalesce(json_agg(json_build_object(
			'id', a.id, 'reference', a.reference,
			'title', a.title) ORDER BY a.reference), '[]')
			FROM applications a
			WHERE a.round_id = r.id AND a.state = 'submitted'),
		    'members', (SELECT coalesce(json_agg(json_build_object(
			'id', u.id, 'name', u.display_name) ORDER BY u.display_name,
			u.id), '[]')
			FROM panel_members m JOIN users u ON u.id = m.user_id
			WHERE m.round_id = r.id AND m.removed_at IS NULL))
		FROM r
	);
END
$$;

-- An admin adds a conflict ('add'), removes one they set ('remove'), or
-- sets an automatic match aside ('clear'), or takes that back
-- ('restore'); each with a reason, audited. Adding ends the pair's
-- assignment. 'ok', 'notfound', 'refused' detail 'not_automatic'.
CREATE OR REPLACE FUNCTION conflict_set(p_slug text, p_actor bigint,
    p_ip text, p_action text, p_app bigint, p_user bigint, p_reason text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
BEGIN
	SELECT * INTO r FROM rounds
	WHERE id = (round_of_admin(p_slug, p_actor)).id FOR UPDATE;
	IF NOT FOUND OR NOT EXISTS (SELECT 1 FROM applications
	    WHERE id = p_app AND round_id = r.id AND state = 'submitted')
	    OR NOT EXISTS (SELECT 1 FROM users WHERE id = p_user) THEN
		outcome := 'notfound';
		RETURN;
	END IF;

	IF p_action = 'add' THEN
		INSERT INTO conflicts (application_id, user_id, source, reason,
		    created_by)
		VALUES (p_app, p_user, 'admin', p_reason, p_actor)
		ON CONFLICT (application_id, user_id, source) DO UPDATE
		    SET reason = excluded.reason;
		UPDATE assignments SET ended_at = now(), ended_reason = 'conflict'
		WHERE application_id = p_app AND user_id = p_user
		    AND ended_at IS NULL;
	ELSIF p_action = 'remove' THEN
		DELETE FROM conflicts WHERE application_id = p_app
		    AND user_id = p_user AND source = 'admin';
		IF NOT FOUND THEN
			outcome := 'notfound';
			RETURN;
		END IF;
	ELSIF p_action = 'clear' THEN
		IF NOT EXISTS (SELECT 1 FROM round_conflicts(r.id) c
		    WHERE c.application_id = p_app AND c.user_id = p_user
		    AND c.source = 'automatic') THEN
			outcome := 'refused';
			detail := 'not_automatic';
			RETURN;
		END IF;
		INSERT INTO conflicts (application_id, user_id, source, reason,
		    created_by)
		VALUES (p_app, p_user, 'cleared', p_reason, p_actor)
		ON CONFLICT (application_id, user_id, source) DO UPDATE
		    SET reason = excluded.reason;
	ELSIF p_action = 'restore' THEN
		DELETE FROM conflicts WHERE application_id = p_app
		    AND user_id = p_user AND source = 'cleared';
		IF NOT FOUND THEN
			outcome := 'notfound';
			RETURN;
		END IF;
	ELSE
		outcome := 'notfound';
		RETURN;
	END IF;

	PERFORM audit_log(p_actor, 'conflict.' || p_action,
	    'application:' || p_app, p_ip, NULL,
	    jsonb_build_object('user', p_user, 'reason', p_reason));
	outcome := 'ok';
END
$$;

-- The assigned reviewer's answer before reading: no conflict
-- ('confirm'), or a conflict with a reason ('declare'), which ends the
-- assignment. 'ok' or 'notfound'.
CREATE OR REPLACE FUNCTION assignment_answer(p_assignment bigint,
    p_user bigint, p_ip text, p_action text, p_reason text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	s assignments;
BEGIN
	SELECT * INTO s FROM assignments WHERE id = p_assignment
	    AND user_id = p_user AND ended_at IS NULL
	    AND (application_access(application_id, p_user)).relation =
		'reviewer'
	FOR UPDATE;
	IF NOT FOUND THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	number := s.application_id;
	IF p_action NOT IN ('confirm', 'declare') THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	IF p_action = 'declare' AND char_length(btrim(coalesce(p_reason, '')))
	    NOT BETWEEN 1 AND 1000 THEN
		outcome := 'invalid';
		detail := 'reason';
		RETURN;
	END IF;
	IF p_action = 'confirm' THEN
		IF s.confirmed_at IS NULL THEN
			UPDATE assignments SET confirmed_at = now()
			WHERE id = s.id;
			PERFORM audit_log(p_user, 'assignment.no_conflict',
			    'application:' || s.application_id, p_ip, NULL,
			    jsonb_build_object('assignment', s.id));
		END IF;
		outcome := 'ok';
		RETURN;
	END IF;
	INSERT INTO conflicts (application_id, user_id, source, reason,
	    created_by)
	VALUES (s.application_id, p_user, 'declared', p_reason, p_user)
	ON CONFLICT (application_id, user_id, source) DO UPDATE
	    SET reason = excluded.reason;
	UPDATE assignments SET ended_at = now(), ended_reason = 'conflict'
	WHERE id = s.id;
	PERFORM audit_log(p_user, 'assignment.conflict',
	    'application:' || s.application_id, p_ip, NULL,
	    jsonb_build_object('assignment', s.id, 'reason', p_reason));
	outcome := 'ok';
END
$$;

/*
 * Assignment.
 */

-- The problem for src/core/assign.c (README "Automatic assignment"):
-- submitted applications with the members they have, members with their
-- load and cap, and the pairs that may never be made.
CREATE OR REPLACE FUNCTION assignment_problem(p_slug text, p_user bigint)
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
	WITH act AS (SELECT s.application_id, s.user_id
		FROM round_active_assignments(r.id) s),
	apps AS (SELECT a.id, a.reference, CASE WHEN EXISTS (SELECT 1
		FROM round_categories c WHERE c.round_id = r.id
		AND c.code = a.category) THEN a.category END AS category
		FROM applications a
		WHERE a.round_id = r.id AND a.state = 'submitted'),
	byapp AS (SELECT application_id, json_agg(user_id ORDER BY user_id) AS l
		FROM act GROUP BY application_id),
	byuser AS (SELECT user_id, count(*) AS n FROM act GROUP BY user_id),
	members AS (SELECT m.* FROM panel_members m
		WHERE m.round_id = r.id AND m.removed_at IS NULL)
	SELECT json_build_object('k', r.reviews_per_application,
	    'categories', round_categories_of(r.id),
	    'applications', (SELECT coalesce(json_agg(json_build_object(
		'id', apps.id, 'ref', apps.reference,
		'category', apps.category,
		'assigned', coalesce(byapp.l, '[]'::json)) ORDER BY apps.id),
		'[]')
		FROM apps LEFT JOIN byapp ON byapp.application_id = apps.id),
	    'reviewers', (SELECT coalesce(json_agg(json_build_object(
		'id', m.user_id, 'cap', m.cap, 'load', coalesce(byuser.n, 0),
		-- A category since removed from the round is no expertise.
		'expertise', (SELECT coalesce(json_agg(e ORDER BY e), '[]')
		    FROM unnest(m.expertise) e WHERE EXISTS (SELECT 1
		    FROM round_categories c WHERE c.round_id = r.id
		    AND c.code = e))) ORDER BY m.user_id), '[]')
		FROM members m LEFT JOIN byuser ON byuser.user_id = m.user_id),
	    'blocked', (SELECT coalesce(json_agg(json_build_array(
		c.application_id, c.user_id) ORDER BY c.application_id,
		c.user_id), '[]')
		FROM (SELECT DISTINCT x.application_id, x.user_id
		    FROM round_conflicts(r.id) x WHERE NOT x.cleared) c
		WHERE NOT EXISTS (SELECT 1 FROM act
		    WHERE act.application_id = c.application_id
		    AND act.user_id = c.user_id))));
END
$$;

-- One e-mail to a reviewer listing new assignments (blind rounds: the
-- references alone).
CREATE OR REPLACE FUNCTION assignment_mail(p_round bigint, p_user bigint,
    p_apps bigint[], p_subject text, p_intro text, p_outro text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
	v_to text;
	v_list text;
BEGIN
	SELECT * INTO r FROM rounds WHERE id = p_round;
	SELECT email INTO v_to FROM users WHERE id = p_user;
	SELECT string_agg('- ' || a.reference || CASE WHEN r.blind_review
	    THEN '' ELSE ' — ' || coalesce(a.title, '') END,
	    E'\n' ORDER BY a.reference) INTO v_list
	FROM applications a
	WHERE a.id = ANY (p_apps);
	IF v_to IS NULL OR v_list IS NULL THEN
		RETURN;
	END IF;
	PERFORM outbox_add(v_to, p_subject, p_intro || E'\n\n' || v_list ||
	    E'\n\n' || p_outro);
END
$$;

-- Mail to anyone with any text: only the functions above send it.
REVOKE ALL ON FUNCTION assignment_mail(bigint, bigint, bigint[], text, text,
    text) FROM PUBLIC;

-- Writes an automatic run: p_made is the core's proposal
-- ([{application, reviewer, expertise, load, cost: {expertise, load}}]),
-- computed from the problem whose md5 is p_hash. Under the round's lock
-- the problem is built again: if anything changed meanwhile, nothing is
-- written ('refused' detail 'changed'). Then one e-mail per reviewer.
-- 'ok' (number: assignments made).
CREATE OR REPLACE FUNCTION assignment_auto_save(p_slug text, p_actor bigint,
    p_ip text, p_hash text, p_made jsonb, p_subject text, p_intro text,
    p_outro text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
	u record;
BEGIN
	SELECT * INTO r FROM rounds
	WHERE id = (round_of_admin(p_slug, p_actor)).id FOR UPDATE;
	IF NOT FOUND THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	IF md5(assignment_problem(p_slug, p_actor)::text) <> p_hash THEN
		outcome := 'refused';
		detail := 'changed';
		RETURN;
	END IF;

	-- The core never proposes a conflicted pair; were it ever to, the
	-- whole run is refused rather than written.
	-- (round_conflicts() once, not conflict_between() per pair: 6,000
	-- calls took 170 ms; the two agree, tests/http/panel.)
	IF EXISTS (WITH c AS MATERIALIZED (SELECT DISTINCT x.application_id,
		x.user_id FROM round_conflicts(r.id) x WHERE NOT x.cleared)
	    SELECT 1 FROM jsonb_to_recordset(p_made) AS m(application
	    bigint, reviewer bigint) LEFT JOIN applications a
	    ON a.id = m.application AND a.round_id = r.id
	    AND a.state = 'submitted'
	    LEFT JOIN panel_members p ON p.round_id = r.id
		AND p.user_id = m.reviewer AND p.removed_at IS NULL
	    LEFT JOIN c ON c.application_id = m.application
		AND c.user_id = m.reviewer
	    WHERE a.id IS NULL OR p.user_id IS NULL
		OR c.application_id IS NOT NULL) THEN
		RAISE EXCEPTION 'assignment_auto_save: a proposed pair may not be made';
	END IF;

	INSERT INTO assignments (round_id, application_id, user_id, source,
	    expertise, cost_expertise, cost_load, load_after, created_by)
	SELECT r.id, m.application, m.reviewer, 'auto',
	    coalesce(m.expertise, false), (m.cost ->> 'expertise')::bigint,
	    (m.cost ->> 'load')::bigint, m.load, p_actor
	FROM jsonb_to_recordset(p_made) AS m(application bigint,
	    reviewer bigint, expertise boolean, load integer, cost jsonb)
	ORDER BY m.application, m.reviewer
	ON CONFLICT (application_id, user_id) DO UPDATE SET source = 'auto',
	    expertise = excluded.expertise,
	    cost_expertise = excluded.cost_expertise,
	    cost_load = excluded.cost_load, load_after = excluded.load_after,
	    created_by = excluded.created_by, created_at = now(),
	    ended_at = NULL, ended_reason = NULL;
	GET DIAGNOSTICS number = ROW_COUNT;

	FOR u IN SELECT m.reviewer, array_agg(m.application) AS apps
	    FROM jsonb_to_recordset(p_made) AS m(application bigint,
		reviewer bigint) GROUP BY m.reviewer ORDER BY m.reviewer LOOP
		PERFORM assignment_mail(r.id, u.reviewer, u.apps, p_subject,
		    p_intro, p_outro);
	END LOOP;
	PERFORM audit_log(p_actor, 'assignment.auto', 'round:' || r.slug, p_ip,
	    NULL, jsonb_build_object('count', number, 'pairs',
	    (SELECT jsonb_agg(jsonb_build_array(m.application, m.reviewer)
		ORDER BY m.application, m.reviewer) FROM jsonb_to_recordset(
		p_made) AS m(application bigint, reviewer bigint))));
	outcome := 'ok';
END
$$;

-- A manual change: 'add' or 'remove' one reviewer of one application.
-- 'ok'; 'notfound'; 'conflict' (detail: the reason); 'refused' detail
-- 'not_member', 'exists', 'cap' (number: the cap) or 'started' (a
-- started review is never taken away).
CREATE OR REPLACE FUNCTION assignment_change(p_slug text, p_actor bigint,
    p_ip text, p_action text, p_app bigint, p_user bigint,
    p_subject text, p_intro text, p_outro text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
	m panel_members;
	s assignments;
BEGIN
	SELECT * INTO r FROM rounds
	WHERE id = (round_of_admin(p_slug, p_actor)).id FOR UPDATE;
	IF NOT FOUND OR NOT EXISTS (SELECT 1 FROM applications
	    WHERE id = p_app AND round_id = r.id AND state = 'submitted') THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	SELECT * INTO s FROM assignments
	WHERE application_id = p_app AND user_id = p_user;

	IF p_action = 'remove' THEN
		IF NOT FOUND OR s.ended_at IS NOT NULL THEN
			outcome := 'notfound';
			RETURN;
		END IF;
		IF s.started_at IS NOT NULL THEN
			outcome := 'refused';
			detail := 'started';
			RETURN;
		END IF;
		DELETE FROM assignments WHERE id = s.id;
		PERFORM audit_log(p_actor, 'assignment.remove',
		    'application:' || p_app, p_ip, NULL,
		    jsonb_build_object('user', p_user));
		outcome := 'ok';
		RETURN;
	END IF;

	SELECT * INTO m FROM panel_members WHERE round_id = r.id
	    AND user_id = p_user AND removed_at IS NULL;
	IF NOT FOUND THEN
		outcome := 'refused';
		detail := 'not_member';
		RETURN;
	END IF;
	IF s.id IS NOT NULL AND s.ended_at IS NULL THEN
		outcome := 'refused';
		detail := 'exists';
		RETURN;
	END IF;
	IF conflict_between(p_app, p_user) THEN
		outcome := 'conflict';
		detail := (SELECT string_agg(c.reason, '; ' ORDER BY c.reason)
		    FROM round_conflicts(r.id) c WHERE c.application_id = p_app
		    AND c.user_id = p_user AND NOT c.cleared);
		RETURN;
	END IF;
	IF m.cap IS NOT NULL AND (SELECT count(*) FROM
	    round_active_assignments(r.id) x WHERE x.user_id = p_user) >=
	    m.cap THEN
		outcome := 'refused';
		detail := 'cap';
		number := m.cap;
		RETURN;
	END IF;

	INSERT INTO assignments (round_id, application_id, user_id, source,
	    expertise, created_by)
	VALUES (r.id, p_app, p_user, 'manual', coalesce((SELECT a.category
	    FROM applications a WHERE a.id = p_app) = ANY (m.expertise), false),
	    p_actor)
	ON CONFLICT (application_id, user_id) DO UPDATE SET source = 'manual',
	    expertise = excluded.expertise, cost_expertise = NULL,
	    cost_load = NULL, load_after = NULL, created_by = p_actor,
	    created_at = now(), ended_at = NULL, ended_reason = NULL;
	PERFORM assignment_mail(r.id, p_user, ARRAY[p_app], p_subject,
	    p_intro, p_outro);
	PERFORM audit_log(p_actor, 'assignment.add', 'application:' || p_app,
	    p_ip, NULL, jsonb_build_object('user', p_user));
	outcome := 'ok';
END
$$;

-- The assignments page: each submitted application with its reviewers
-- (and the cost terms of automatic ones), those ended, and the panel's
-- loads. Counts are grouped once: a count per row over 6,000
-- assignments took two seconds.
CREATE OR REPLACE FUNCTION assignments_view(p_slug text, p_user bigint)
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
	WITH act AS (SELECT id, application_id, user_id
		FROM round_active_assignments(r.id)),
	byapp AS (SELECT application_id, count(*) AS n FROM act
		GROUP BY application_id),
	byuser AS (SELECT user_id, count(*) AS n FROM act GROUP BY user_id),
	conf AS (SELECT c.application_id, count(DISTINCT c.user_id) AS n
		FROM round_conflicts(r.id) c WHERE NOT c.cleared
		GROUP BY c.application_id),
	revs AS (SELECT s.application_id, json_agg(json_build_object(
		    'user', u.id, 'name', u.display_name,
		    'source', s.source, 'expertise', s.expertise,
		    'cost_expertise', s.cost_expertise,
		    'cost_load', s.cost_load, 'load_after', s.load_after,
		    'is_auto', s.source = 'auto',
		    'started', s.started_at IS NOT NULL,
		    'ended', s.ended_reason,
		    'is_active', act.id IS NOT NULL)
		    ORDER BY s.ended_at IS NOT NULL, u.display_name, u.id) AS l
		FROM assignments s JOIN users u ON u.id = s.user_id
		LEFT JOIN act ON act.id = s.id
		WHERE s.round_id = r.id GROUP BY s.application_id)
	SELECT json_build_object('round', json_build_object('slug', r.slug,
	    'title', r.title, 'k', r.reviews_per_application),
	    'applications', (SELECT coalesce(json_agg(json_build_object(
		'id', a.id, 'reference', a.reference,
		'title', a.title, 'category', a.category,
		'assigned', coalesce(byapp.n, 0),
		'conflicts', coalesce(conf.n, 0),
		'reviewers', coalesce(revs.l, '[]'::json))
		ORDER BY a.reference), '[]')
		FROM applications a
		LEFT JOIN byapp ON byapp.application_id = a.id
		LEFT JOIN conf ON conf.application_id = a.id
		LEFT JOIN revs ON revs.application_id = a.id
		WHERE a.round_id = r.id AND a.state = 'submitted'),
	    'members', (SELECT coalesce(json_agg(json_build_object(
		'id', u.id, 'name', u.display_name, 'cap', m.cap,
		'load', coalesce(byuser.n, 0))
		ORDER BY u.display_name, u.id), '[]')
		FROM panel_members m JOIN users u ON u.id = m.user_id
		LEFT JOIN byuser ON byuser.user_id = m.user_id
		WHERE m.round_id = r.id AND m.removed_at IS NULL)));
END
$$;

-- The round's submitted applications for admins (SPEC §6: state,
-- category, country, reviewers assigned / due, conflicts), 100 a page in
-- the order of their references (p_page: ?page=N; past the last, the
-- last). round_active_assignments() and round_conflicts() (not cleared)
-- count for the page's applications alone: for the whole round they
-- compute 6,000 assignments and as many conflicts, for 100 rows shown.
CREATE OR REPLACE FUNCTION applist_page_of(p_round bigint, p_page integer)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
	v_total bigint;
	v_pages integer;
	v_page integer;
	v_ids bigint[];
BEGIN
	SELECT * INTO r FROM rounds WHERE id = p_round;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	SELECT count(*) INTO v_total FROM applications a
	WHERE a.round_id = r.id AND a.reference IS NOT NULL;
	v_pages := greatest(1, ((v_total + 99) / 100)::integer);
	v_page := least(greatest(p_page, 1), v_pages);
	v_ids := ARRAY(SELECT a.id FROM applications a
	    WHERE a.round_id = r.id AND a.reference IS NOT NULL
	    ORDER BY a.reference LIMIT 100 OFFSET (v_page - 1) * 100);

	RETURN (
	WITH act AS (SELECT s.application_id, count(*) AS n
		FROM round_active_assignments(r.id, v_ids) s
		GROUP BY s.application_id),
	conf AS (SELECT c.application_id, count(DISTINCT c.user_id) AS n
		FROM round_conflicts(r.id, v_ids) c WHERE NOT c.cleared
		GROUP BY c.application_id)
	SELECT json_build_object('round', json_build_object('slug', r.slug,
	    'title', r.title, 'k', r.reviews_per_application),
	    'total', v_total, 'page', v_page, 'pages', v_pages,
	    'paged', v_pages > 1,
	    'first', (v_page - 1) * 100 + 1,
	    'last', least(v_page * 100, v_total),
	    'prev', CASE WHEN v_page > 1 THEN v_page - 1 END,
	    'next', CASE WHEN v_page < v_pages THEN v_page + 1 END,
	    'page_links', (SELECT json_agg(json_build_object('n', n,
		'current', n = v_page) ORDER BY n)
		FROM generate_series(1, v_pages) n),
	    'applications', (SELECT coalesce(json_agg(json_build_object(
		'id', a.id, 'reference', a.reference, 'state', a.state,
		'title', a.title, 'category', a.category,
		'country', a.country,
		'assigned', coalesce(act.n, 0),
		'due', r.reviews_per_application,
		'short', a.state = 'submitted' AND
		    coalesce(act.n, 0) < r.reviews_per_application,
		'conflicts', coalesce(conf.n, 0)) ORDER BY a.reference), '[]')
		FROM applications a
		LEFT JOIN act ON act.application_id = a.id
		LEFT JOIN conf ON conf.application_id = a.id
		WHERE a.id = ANY (v_ids))));
END
$$;
REVOKE ALL ON FUNCTION applist_page_of(bigint, integer) FROM PUBLIC;

-- The page for admin p_user (NULL for anyone else), kept while the
-- round's generation stays (sql/98_dashboard.sql: its triggers raise it
-- for what this page shows). A page past the last is the last, computed
-- each time: only pages that exist are kept.
CREATE OR REPLACE FUNCTION round_applications_view(p_slug text,
    p_page text, p_user bigint) RETURNS json
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_round bigint := (round_of_admin(p_slug, p_user)).id;
	v_page integer := 1;
	k record;
BEGIN
	IF v_round IS NULL THEN
		RETURN NULL;
	END IF;
	IF p_page ~ '^[0-9]{1,6}$' AND p_page::integer > 0 THEN
		v_page := p_page::integer;
	END IF;
	k := kept_get(v_round, 'applications ' || v_page, '{}');
	IF k.data IS NULL THEN
		k.data := applist_page_of(v_round, v_page);
		IF (k.data ->> 'page')::integer = v_page THEN
			PERFORM kept_put(v_round, 'applications ' || v_page,
			    '{}', k.gen, k.data);
		END IF;
	END IF;
	RETURN k.data;
END
$$;

/*
 * The reviewer's side.
 */

-- The rights on an assignment's page: its application's, for the
-- reviewer it is assigned to (NULL for anyone else).
CREATE OR REPLACE FUNCTION assignment_rights(p_assignment bigint,
    p_user bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT application_rights(s.application_id, p_user)
		FROM assignments s WHERE s.id = p_assignment AND s.user_id = p_user
	);
END
$$;

-- The reviewer's assignments across rounds; what an application shows
-- before the conflict confirmation is its reference and title (blind
-- rounds: the reference alone). PL/pgSQL: its plan is kept.
CREATE OR REPLACE FUNCTION review_list(p_user bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_apps bigint[];
	v_conflicts bigint[];
BEGIN
	v_apps := ARRAY(SELECT s.application_id FROM assignments s
	    WHERE s.user_id = p_user AND s.ended_at IS NULL);
	IF cardinality(v_apps) = 0 THEN
		RETURN '[]';
	END IF;
	v_conflicts := ARRAY(SELECT c.application_id
	    FROM user_conflicts(p_user, v_apps) c);
	RETURN (SELECT coalesce(json_agg(json_build_object(
	    'id', s.id, 'reference', a.reference,
	    'title', CASE WHEN NOT r.blind_review THEN a.title END,
	    'category', a.category,
	    'round', r.title,
	    'due', coalesce(to_char(r.reviews_due AT TIME ZONE r.timezone,
		'YYYY-MM-DD HH24:MI') || ' (' || r.timezone || ')', ''),
	    'state', CASE WHEN s.confirmed_at IS NULL THEN 'conflict check'
		WHEN s.started_at IS NULL THEN 'to review'
		ELSE 'started' END,
	    'to_confirm', s.confirmed_at IS NULL)
	    ORDER BY r.reviews_due NULLS LAST, r.id, a.reference), '[]')
	FROM assignments s
	JOIN panel_members m ON m.round_id = s.round_id AND m.user_id = s.user_id
	    AND m.removed_at IS NULL
	JOIN applications a ON a.id = s.application_id AND a.state = 'submitted'
	JOIN rounds r ON r.id = s.round_id
	WHERE s.user_id = p_user AND s.ended_at IS NULL
	    -- The same rows; said, it lets the plan fetch the 40 or so
	    -- applications by key instead of hashing all of the table's:
	    -- 1,310 -> 555 us a call at SPEC §8's size (issue 16).
	    AND a.id = ANY (v_apps)
	    AND NOT a.id = ANY (v_conflicts));
END
$$;

-- An assignment's page for its reviewer (NULL for anyone else): before
-- the confirmation, the reference and title (blind: reference alone);
-- after it, the application, in blind rounds without the applicant,
-- organisation, partners, contact and file names.
CREATE OR REPLACE FUNCTION review_view(p_assignment bigint, p_user bigint)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	s assignments;
	a applications;
	r rounds;
	v jsonb;
	x record;
BEGIN
	SELECT * INTO s FROM assignments
	WHERE id = p_assignment AND user_id = p_user;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	SELECT * INTO x FROM application_access(s.application_id, p_user);
	IF x.relation <> 'reviewer' THEN
		RETURN NULL;
	END IF;
	SELECT * INTO a FROM applications WHERE id = s.application_id;
	SELECT * INTO r FROM rounds WHERE id = a.round_id;
	SELECT content INTO v FROM application_versions
	WHERE application_id = a.id AND version = a.version;

	IF s.confirmed_at IS NULL THEN
		RETURN json_build_object('id', s.id, 'reference', a.reference,
		    'title', CASE WHEN NOT r.blind_review THEN v ->> 'title' END,
		    'round', r.title, 'blind', r.blind_review,
		    'confirmed', false);
	END IF;
	IF r.blind_review THEN
		v := v - ARRAY['organisation_name', 'contact_name',
		    'contact_email', 'partners'];
	END IF;
	RETURN json_build_object('id', s.id, 'reference', a.reference,
	    'title', v ->> 'title', 'round', r.title, 'blind', r.blind_review,
	    'confirmed', true, 'content', v,
	    'due', coalesce(to_char(r.reviews_due AT TIME ZONE r.timezone,
		'YYYY-MM-DD HH24:MI') || ' (' || r.timezone || ')', ''),
	    'categories', round_categories_of(r.id),
	    'files', (SELECT coalesce(json_agg(json_build_object('id', f.id,
		'name', CASE WHEN r.blind_review THEN 'Document ' ||
		    row_number ELSE f.name END, 'size', f.size)
		ORDER BY f.id), '[]')
		FROM (SELECT f.*, row_number() OVER (ORDER BY f.id)
		    FROM application_files f WHERE f.application_id = a.id) f),
	    -- The names of the countries the content names (the page's
	    -- labels), not the whole list on every request.
	    'country_list', (SELECT coalesce(json_agg(json_build_object(
		'value', c.code, 'label', c.name) ORDER BY c.name), '[]')
		FROM countries c WHERE c.code = v ->> 'country'
		OR c.code IN (SELECT p ->> 'country' FROM jsonb_array_elements(
		    CASE WHEN jsonb_typeof(v -> 'partners') = 'array'
		    THEN v -> 'partners' ELSE '[]'::jsonb END) p)),
	    -- The review form (sql/70_reviews.sql): the rubric, the
	    -- reviewer's own review, whether it may change, and the others'
	    -- once theirs is done.
	    'rubric', rubric_of(r.id),
	    'mine', review_json(s.id),
	    'open', review_open(r),
	    'others', CASE WHEN (SELECT rv.state FROM reviews rv
		WHERE rv.assignment_id = s.id) IN ('submitted', 'abstained')
		THEN review_others(s.id) END);
END
$$;

-- A document of the assignment's application for its reviewer after the
-- confirmation (one row or none); blind: whether to strip it and name it
-- neutrally (its position).
CREATE OR REPLACE FUNCTION review_file_get(p_assignment bigint,
    p_user bigint, p_file bigint, OUT application_id bigint,
    OUT name text, OUT key_id text, OUT sealed bytea, OUT sha256 text,
    OUT blind boolean)
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT f.application_id,
	    CASE WHEN r.blind_review THEN 'document-' || (SELECT count(*)
		FROM application_files g WHERE g.application_id = f.application_id
		AND g.id <= f.id) || '.pdf' ELSE f.name END,
	    f.key_id, f.sealed, f.sha256, r.blind_review
	FROM assignments s
	JOIN application_files f ON f.application_id = s.application_id
	JOIN rounds r ON r.id = s.round_id
	WHERE s.id = p_assignment AND s.user_id = p_user AND f.id = p_file
	    AND s.confirmed_at IS NOT NULL
	    AND 'read' = ANY ((application_access(s.application_id,
		p_user)).allows)
$$;
