-- GDPR: everything about a person as JSON (account_export), and the
-- deletion of an account (account_delete), which keeps submitted
-- applications of rounds not yet published, anonymised, for the jury.
--
-- One file per domain in sql/: every function and trigger of the schema,
-- each once, in its current text. `laurelctl migrate` applies them after
-- the migrations, in the same transaction, every time (README "Where the
-- SQL lives"): change a function here, no migration needed.

-- Everything about a person as JSON (/account/export; README "Checking a
-- receipt" rebuilds a fingerprint from it).
-- VOLATILE for the reason account_sessions() is: it runs in the statement
-- that touches the session, and must see that.
CREATE OR REPLACE FUNCTION account_export(p_user bigint) RETURNS json
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT json_build_object(
	    'format', 'laurel-export-1',
	    'exported_at', now(),
	    'account', (SELECT json_build_object('id', u.id,
		'email', u.email, 'display_name', u.display_name,
		'is_admin', u.is_admin, 'created_at', u.created_at,
		'verified_at', u.verified_at,
		'two_step_sign_in', u.totp_secret IS NOT NULL)
		FROM users u WHERE u.id = p_user),
	    'sessions', (SELECT coalesce(json_agg(json_build_object(
		'created_at', s.created_at, 'last_seen', s.last_seen,
		'expires_at', s.expires_at, 'ip', host(s.ip),
		'user_agent', s.user_agent) ORDER BY s.created_at), '[]')
		FROM sessions s WHERE s.user_id = p_user),
	    'applications', (SELECT coalesce(json_agg(json_build_object(
		'id', a.id, 'round', r.slug, 'round_title', r.title,
		'state', a.state, 'reference', a.reference,
		'fingerprint', a.fingerprint, 'submitted_at', a.submitted_at,
		'created_at', a.created_at, 'withdrawn_at', a.withdrawn_at,
		'versions', (SELECT json_agg(json_build_object(
		    'version', v.version, 'kind', v.kind,
		    'created_at', v.created_at, 'content', v.content)
		    ORDER BY v.version) FROM application_versions v
		    WHERE v.application_id = a.id),
		'files', (SELECT coalesce(json_agg(json_build_object(
		    'id', f.id, 'name', f.name, 'size', f.size,
		    'sha256', f.sha256, 'created_at', f.created_at)
		    ORDER BY f.id), '[]') FROM application_files f
		    WHERE f.application_id = a.id),
		'receipts', (SELECT coalesce(json_agg(json_build_object(
		    'at', x.at, 'version', x.version,
		    'reference', x.reference, 'fingerprint', x.fingerprint,
		    'files', x.files) ORDER BY x.at), '[]')
		    FROM application_receipts x WHERE x.application_id = a.id))
		ORDER BY a.id), '[]')
		FROM applications a JOIN rounds r ON r.id = a.round_id
		WHERE a.owner_id = p_user),
	    -- A panel member's part: what they recorded and what they were
	    -- given, nothing of what a conflict hides from them.
	    'panel', json_build_object(
		'memberships', (SELECT coalesce(json_agg(json_build_object(
		    'round', r.slug, 'round_title', r.title,
		    'joined_at', m.joined_at, 'removed_at', m.removed_at,
		    'cap', m.cap, 'expertise', m.expertise)
		    ORDER BY m.joined_at), '[]')
		    FROM panel_members m JOIN rounds r ON r.id = m.round_id
		    WHERE m.user_id = p_user),
		'affiliations', (SELECT coalesce(json_agg(json_build_object(
		    'kind', f.kind, 'name', f.name, 'country', f.country,
		    'created_at', f.created_at) ORDER BY f.id), '[]')
		    FROM affiliations f WHERE f.user_id = p_user),
		'assignments', (SELECT coalesce(json_agg(json_build_object(
		    'reference', a.reference, 'created_at', s.created_at,
		    'confirmed_at', s.confirmed_at) ORDER BY s.id), '[]')
		    FROM assignments s JOIN applications a
			ON a.id = s.application_id
		    WHERE s.user_id = p_user AND (application_access(a.id,
			p_user)).relation = 'reviewer'),
		'declared_conflicts', (SELECT coalesce(json_agg(json_build_object(
		    'reference', a.reference, 'reason', c.reason,
		    'created_at', c.created_at) ORDER BY c.created_at), '[]')
		    FROM conflicts c JOIN applications a
			ON a.id = c.application_id
		    WHERE c.user_id = p_user AND c.source = 'declared')),
	    -- Of the entries about their applications, the applicant's own
	    -- and the application's life: who reviews it, or is conflicted
	    -- with it, is the panel's, never the applicant's.
	    'audit', (SELECT coalesce(json_agg(json_build_object(
		'at', e.at, 'action', e.action, 'subject', e.subject,
		'ip', e.ip, 'before', e.before, 'after', e.after)
		ORDER BY e.id), '[]')
		FROM audit_entries e WHERE e.actor_id = p_user
		    OR e.subject = 'user:' || p_user
		    OR (e.action LIKE 'application.%' AND e.subject IN
			(SELECT 'application:' || a.id FROM applications a
			WHERE a.owner_id = p_user))))
$$;

-- Deletes the account. Submitted applications of rounds not yet
-- published stay, without owner and contact person, until publication;
-- drafts, withdrawn applications and those of published rounds go.
-- SECURITY DEFINER: the app may not rewrite versions otherwise.
CREATE OR REPLACE FUNCTION account_delete(p_user bigint, p_ip text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	u users;
	v_kept integer;
	v_deleted integer;
BEGIN
	SELECT * INTO u FROM users WHERE id = p_user FOR UPDATE;
	IF NOT FOUND THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	IF u.is_admin THEN
		outcome := 'admin';
		RETURN;
	END IF;
	-- What goes with the account goes, a published round's included
	-- (round_frozen(), sql/90_decisions.sql); for this transaction only.
	PERFORM set_config('laurel.erasing', 'on', true);

	WITH d AS (
		DELETE FROM applications a USING rounds r
		WHERE a.round_id = r.id AND a.owner_id = p_user
		    AND (a.state <> 'submitted' OR r.published_at IS NOT NULL)
		RETURNING a.id)
	SELECT count(*) INTO v_deleted FROM d;

	UPDATE application_versions v
	SET content = v.content || '{"contact_name": "", "contact_email": ""}'
	FROM applications a
	WHERE a.id = v.application_id AND a.owner_id = p_user;
	WITH k AS (
		UPDATE applications SET owner_id = NULL,
		    anonymised_at = clock_timestamp()
		WHERE owner_id = p_user RETURNING id)
	SELECT count(*) INTO v_kept FROM k;

	-- Nothing of the person may stay: the personal part of their audit
	-- entries (the chained part has only ids and events), mail to the
	-- address or to an address they asked to change to (delivered
	-- bodies are gone already; pending ones go too),
	-- throttle counters keyed by the address or the id. Sessions, links
	-- and recovery codes go with the row (ON DELETE CASCADE).
	DELETE FROM audit_personal WHERE user_id = p_user;
	DELETE FROM outbox WHERE lower(to_addr) = lower(u.email::text)
	    OR lower(to_addr) IN (SELECT lower(t.new_email::text)
		FROM user_tokens t WHERE t.user_id = p_user
		AND t.new_email IS NOT NULL);
	-- Every per-account counter is named '<what>-user:<address or id>'.
	DELETE FROM throttle WHERE key LIKE '%-user:%'
	    AND substring(key FROM position(':' IN key) + 1)
		IN (lower(u.email::text), p_user::text);
	DELETE FROM users WHERE id = p_user;
	PERFORM audit_log(NULL, 'user.delete', 'user:' || p_user, p_ip, NULL,
	    jsonb_build_object('applications_kept_anonymised', v_kept,
		'applications_deleted', v_deleted));

	outcome := 'ok';
	number := v_kept;
	RETURN;
END
$$;

REVOKE ALL ON FUNCTION account_delete(bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION account_delete(bigint, text) TO laurel_app;
