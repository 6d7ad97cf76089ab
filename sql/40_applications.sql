-- Applications: the receipt's canonical text and fingerprint, the one
-- check of who may see an application, drafts, versions, submit and
-- receipt, withdrawal, documents and their key rotation, and what the
-- applicant's pages show. Every change is one call, so it commits whole or
-- not at all; reads check the rights through application_visible(), changes
-- through application_lock() (the owner alone), which also checks the
-- deadline on the database clock.
--
-- One file per domain in sql/: every function and trigger of the schema,
-- each once, in its current text. `laurelctl migrate` applies them after
-- the migrations, in the same transaction, every time (README "Where the
-- SQL lives"): change a function here, no migration needed.

-- The fields in the fingerprint's fixed order (SPEC §3, appform.c).
CREATE OR REPLACE FUNCTION application_field_order() RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
	SELECT ARRAY['title', 'category', 'organisation_name', 'country',
	    'organisation_type', 'contact_name', 'contact_email', 'summary',
	    'problem', 'approach', 'stage', 'reach', 'data_sources',
	    'legal_basis', 'consent_transparency', 'minimisation',
	    'security_access', 'public_involvement', 'fairness_bias',
	    'fair_reuse', 'outcomes', 'transferability', 'declare_accurate',
	    'declare_privacy', 'declare_publish']
$$;

CREATE OR REPLACE FUNCTION fingerprint_escape(v text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT replace(replace(replace(coalesce(v, ''), '\', '\\'),
	    E'\n', '\n'), E'\r', '\r')
$$;

-- The canonical text of submitted content (README "Checking a receipt"):
-- a first line, then one "name=value" line per field in the fixed order,
-- three lines per partner, one "file=<sha256>" line per document in
-- upload order; values escape \ as \\, LF as \n and CR as \r.
CREATE OR REPLACE FUNCTION application_canonical(p_content jsonb,
    p_files text[])
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT 'laurel-application-v1' || E'\n' ||
	    (SELECT coalesce(string_agg(f || '=' ||
		fingerprint_escape(p_content ->> f), E'\n' ORDER BY i), '')
	     FROM unnest(application_field_order()) WITH ORDINALITY AS t(f, i))
	    || E'\n' ||
	    (SELECT coalesce(string_agg(
		'partner_name=' || fingerprint_escape(p ->> 'name') || E'\n' ||
		'partner_country=' || fingerprint_escape(p ->> 'country') || E'\n' ||
		'partner_role=' || fingerprint_escape(p ->> 'role') || E'\n',
		'' ORDER BY i), '')
	     FROM jsonb_array_elements(coalesce(p_content -> 'partners',
		'[]'::jsonb)) WITH ORDINALITY AS t(p, i)) ||
	    (SELECT coalesce(string_agg('file=' || h || E'\n', '' ORDER BY i), '')
	     FROM unnest(p_files) WITH ORDINALITY AS t(h, i))
$$;

-- The one place that says what a user may do with an application: the
-- caller's relation to it and what that allows. Relations: 'owner'
-- (allows 'view': it and its versions, 'files': its documents, 'edit':
-- change it now, 'withdraw'); 'reviewer', a member of the round's panel
-- assigned to it ('confirm' the conflict check, then 'read' it and its
-- documents through the assignment, 'declare' a conflict); 'conflicted'
-- (nothing: for them it does not exist, SPEC §4, whatever other role
-- they hold); 'admin' ('view' and 'files', read-only, once submitted);
-- 'none'. Every function that reads or changes an application asks it;
-- the C side reads the same answer through application_rights() in the
-- page's query (src/web/authz.c, whose table of names mirrors these).
CREATE OR REPLACE FUNCTION application_access(p_app bigint, p_user bigint,
    OUT relation text, OUT allows text[])
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a applications;
	s assignments;
	v_closes timestamptz;
	v_admin boolean;
	v_member boolean;
BEGIN
	relation := 'none';
	allows := '{}';
	IF p_user IS NULL THEN
		RETURN;
	END IF;
	SELECT * INTO a FROM applications WHERE id = p_app;
	IF NOT FOUND THEN
		RETURN;
	END IF;

	IF a.owner_id = p_user THEN
		relation := 'owner';
		allows := ARRAY['view', 'files'];
		IF a.state <> 'withdrawn' THEN
			allows := allows || ARRAY['withdraw'];
			SELECT closes_at INTO v_closes FROM rounds
			WHERE id = a.round_id;
			IF now() < v_closes THEN
				allows := allows || ARRAY['edit'];
			END IF;
		END IF;
		RETURN;
	END IF;

	SELECT u.is_admin INTO v_admin FROM users u WHERE u.id = p_user;
	v_member := EXISTS (SELECT 1 FROM panel_members m
	    WHERE m.round_id = a.round_id AND m.user_id = p_user
	    AND m.removed_at IS NULL);
	IF NOT coalesce(v_admin, false) AND NOT v_member THEN
		RETURN;
	END IF;
	IF conflict_between(p_app, p_user) THEN
		relation := 'conflicted';
		RETURN;
	END IF;

	IF v_member AND a.state = 'submitted' THEN
		SELECT * INTO s FROM assignments
		WHERE application_id = p_app AND user_id = p_user
		    AND ended_at IS NULL;
		IF FOUND THEN
			relation := 'reviewer';
			allows := CASE WHEN s.confirmed_at IS NULL
			    THEN ARRAY['confirm', 'declare']
			    ELSE ARRAY['read', 'declare'] END;
		END IF;
	END IF;
	IF v_admin THEN
		IF relation = 'none' THEN
			relation := 'admin';
		END IF;
		IF a.reference IS NOT NULL THEN
			allows := allows || ARRAY['view', 'files'];
		END IF;
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION application_rights(p_app bigint, p_user bigint)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT json_build_object('relation', x.relation, 'allows', x.allows)
		FROM application_access(p_app, p_user) x
	);
END
$$;

-- The application, when the user may see it (its owner, or an admin
-- read-only): what every function that reads one starts from.
CREATE OR REPLACE FUNCTION application_visible(p_app bigint, p_user bigint)
RETURNS applications
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a applications;
BEGIN
	SELECT * INTO a FROM applications
	WHERE id = p_app
	AND 'view' = ANY ((application_access(p_app, p_user)).allows);
	RETURN a;
END
$$;

-- Locks an application (and shares its round's lock) for a change by its
-- owner (nobody else changes one: an admin's 'view' is read-only) and says whether the change may happen: 'ok', 'notfound', 'closed' (the deadline has passed,
-- by the clock read after the lock, i.e. when the change would commit)
-- or 'withdrawn'.
CREATE OR REPLACE FUNCTION application_lock(p_app bigint, p_user bigint,
    OUT a applications, OUT r rounds, OUT status text, OUT at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	SELECT * INTO a FROM applications
	WHERE id = p_app AND (application_access(p_app, p_user)).relation =
	    'owner' FOR UPDATE;
	IF NOT FOUND THEN
		status := 'notfound';
		RETURN;
	END IF;
	-- FOR SHARE: an admin moving the deadline waits for the changes in
	-- flight, and those after it see the new one; without it a change
	-- could pass the old deadline and commit after the new one.
	SELECT * INTO r FROM rounds WHERE id = a.round_id FOR SHARE;
	-- The moment of the change: checked here, and stamped on a receipt.
	at := clock_timestamp();
	IF at >= r.closes_at THEN
		status := 'closed';
	ELSIF a.state = 'withdrawn' THEN
		status := 'withdrawn';
	ELSE
		status := 'ok';
	END IF;
END
$$;

-- Creates a draft in an open round: 'created' (number: its id),
-- 'notfound', 'closed' (not open), 'too_many' (number: the limit).
CREATE OR REPLACE FUNCTION application_create(p_user bigint, p_slug text,
    p_ip text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
	v_id bigint;
BEGIN
	SELECT * INTO r FROM rounds WHERE slug = p_slug;
	-- A round not yet announced does not exist for applicants, whether
	-- or not its address is known: the same answer as an unknown one.
	IF NOT FOUND OR round_phase(r, clock_timestamp()) = 'draft' THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	IF round_phase(r, clock_timestamp()) <> 'open' THEN
		outcome := 'closed';
		RETURN;
	END IF;
	-- A user's applications are bounded: the form is long, one per round
	-- is the norm, a handful covers several practices. Withdrawn ones
	-- count (or create, withdraw, create would have no end), and the
	-- user's row is locked so that applies sent at once are counted one
	-- after the other.
	PERFORM 1 FROM users WHERE id = p_user FOR NO KEY UPDATE;
	IF (SELECT count(*) FROM applications WHERE owner_id = p_user
	    AND round_id = r.id) >= 10 THEN
		outcome := 'too_many';
		number := 10;
		RETURN;
	END IF;

	INSERT INTO applications (round_id, owner_id) VALUES (r.id, p_user)
	RETURNING id INTO v_id;
	INSERT INTO application_versions (application_id, version, content, kind)
	VALUES (v_id, 0, '{}'::jsonb, 'save');
	PERFORM audit_log(p_user, 'application.create', 'application:' || v_id,
	    p_ip, NULL, jsonb_build_object('round', r.slug));

	outcome := 'created';
	number := v_id;
END
$$;

-- The id a new document will have, taken before it is sealed: the
-- ciphertext is bound to its application and this id (filecrypt_bind).
CREATE OR REPLACE FUNCTION application_file_id() RETURNS bigint
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT nextval(pg_get_serial_sequence('application_files', 'id'))
$$;

CREATE OR REPLACE FUNCTION application_files_list(p_app bigint) RETURNS jsonb
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT coalesce(jsonb_agg(jsonb_build_object('id', f.id,
		    'name', f.name, 'sha256', f.sha256) ORDER BY f.id), '[]'::jsonb)
		FROM application_files f WHERE f.application_id = p_app
	);
END
$$;

-- Gives a receipt for the latest version: reference (the first time),
-- fingerprint, e-mail and audit. The caller holds the row lock.
CREATE OR REPLACE FUNCTION application_receipt(p_app bigint, p_at timestamptz,
    p_actor bigint, p_ip text, p_subject text, p_body text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a applications;
	r rounds;
	v_content jsonb;
	v_files jsonb;
	v_year integer;
	v_n integer;
	v_at timestamptz := p_at;	-- when the deadline was checked
	v_fp text;
	v_to text;
BEGIN
	SELECT * INTO a FROM applications WHERE id = p_app;
	SELECT * INTO r FROM rounds WHERE id = a.round_id;
	SELECT content INTO v_content FROM application_versions
	WHERE application_id = a.id AND version = a.version;
	v_files := application_files_list(a.id);

	IF a.reference IS NULL THEN
		-- The round's year: the year it opened, which a deadline moved
		-- across New Year does not change (closes_at did, splitting one
		-- round's references between two years).
		v_year := extract(year FROM r.opens_at AT TIME ZONE r.timezone);
		INSERT INTO reference_counters AS c (year, last) VALUES (v_year, 1)
		ON CONFLICT (year) DO UPDATE SET last = c.last + 1
		RETURNING last INTO v_n;
		a.reference := 'BPR-' || v_year || '-' || lpad(v_n::text,
		    greatest(4, length(v_n::text)), '0');
	END IF;

	v_fp := encode(sha256(convert_to(application_canonical(v_content,
	    ARRAY(SELECT x ->> 'sha256' FROM jsonb_array_elements(v_files) x)),
	    'UTF8')), 'hex');

	UPDATE applications SET state = 'submitted', reference = a.reference,
	    fingerprint = v_fp, submitted_at = v_at, updated_at = v_at
	WHERE id = a.id;
	INSERT INTO application_receipts (application_id, at, version,
	    reference, fingerprint, files)
	VALUES (a.id, v_at, a.version, a.reference, v_fp, v_files);

	-- The mail was rendered with markers for what only this knows.
	SELECT email INTO v_to FROM users WHERE id = a.owner_id;
	PERFORM outbox_add(v_to,
	    replace(p_subject, '@REFERENCE@', a.reference),
	    replace(replace(replace(p_body, '@REFERENCE@', a.reference),
		'@FINGERPRINT@', v_fp), '@TIME@',
		to_char(v_at AT TIME ZONE r.timezone, 'YYYY-MM-DD HH24:MI:SS') ||
		' (' || r.timezone || ')'));
	PERFORM audit_log(p_actor, CASE WHEN a.state = 'submitted'
	    THEN 'application.resubmit' ELSE 'application.submit' END,
	    'application:' || a.id, p_ip, NULL,
	    jsonb_build_object('reference', a.reference, 'fingerprint', v_fp,
		'version', a.version));
END
$$;

-- Saves a new version (and for a submit, or any change to a submitted
-- application, gives a receipt). The outcome is one of
--   'saved', 'submitted', 'same' (a repeated submit: nothing new), with
--   number the version; 'conflict' (number: the latest); 'notfound',
--   'closed', 'withdrawn'.
-- The caller has checked the content (for a submit, or a submitted
-- application, completely).
CREATE OR REPLACE FUNCTION application_save(p_app bigint, p_user bigint,
    p_base integer, p_content jsonb, p_kind text, p_ip text, p_subject text,
    p_body text, p_keys jsonb DEFAULT NULL,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a applications;
	r rounds;
	v_status text;
	l record;
	v_latest jsonb;
BEGIN
	SELECT * INTO l FROM application_lock(p_app, p_user);
	a := l.a;
	r := l.r;
	v_status := l.status;
	IF v_status <> 'ok' THEN
		outcome := v_status;
		RETURN;
	END IF;

	SELECT content INTO v_latest FROM application_versions
	WHERE application_id = a.id AND version = a.version;
	-- A double-click or a retried submit: the same receipt again.
	IF p_kind = 'submit' AND a.state = 'submitted' AND
	    v_latest = p_content THEN
		outcome := 'same';
		number := a.version;
		RETURN;
	END IF;
	-- An autosave with nothing new makes no version, whatever version
	-- it started from (its earlier answer may have been lost).
	IF p_kind = 'autosave' AND v_latest = p_content THEN
		outcome := 'saved';
		number := a.version;
		RETURN;
	END IF;
	IF p_base <> a.version THEN
		outcome := 'conflict';
		number := a.version;
		RETURN;
	END IF;

	INSERT INTO application_versions (application_id, version, content, kind)
	VALUES (a.id, a.version + 1, p_content, p_kind);
	UPDATE applications SET version = a.version + 1,
	    title = p_content ->> 'title', category = p_content ->> 'category',
	    country = p_content ->> 'country', updated_at = clock_timestamp()
	WHERE id = a.id;
	-- The organisations and domain the panel's conflicts compare with
	-- (the app always sends them; a caller without them keeps the old).
	IF p_keys IS NOT NULL THEN
		PERFORM application_keys_set(a.id, p_keys);
	END IF;

	IF p_kind = 'submit' OR a.state = 'submitted' THEN
		PERFORM application_receipt(a.id, l.at, p_user, p_ip, p_subject,
		    p_body);
		outcome := 'submitted';
		number := (a.version + 1);
		RETURN;
	END IF;
	IF p_kind = 'save' THEN
		PERFORM audit_log(p_user, 'application.save',
		    'application:' || a.id, p_ip, NULL,
		    jsonb_build_object('version', a.version + 1));
	END IF;

	outcome := 'saved';
	number := (a.version + 1);
	RETURN;
END
$$;

CREATE OR REPLACE FUNCTION application_withdraw(p_app bigint, p_user bigint,
    p_ip text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a applications;
	v_status text;
	l record;
BEGIN
	-- Withdrawal is the one change the deadline does not stop.
	SELECT * INTO l FROM application_lock(p_app, p_user);
	a := l.a;
	v_status := l.status;
	IF v_status = 'notfound' THEN
		outcome := v_status;
		RETURN;
	END IF;
	IF a.state = 'withdrawn' THEN
		outcome := 'withdrawn';
		RETURN;
	END IF;
	UPDATE applications SET state = 'withdrawn',
	    withdrawn_at = clock_timestamp(), updated_at = clock_timestamp()
	WHERE id = a.id;
	PERFORM audit_log(p_user, 'application.withdraw',
	    'application:' || a.id, p_ip, jsonb_build_object('state', a.state),
	    jsonb_build_object('state', 'withdrawn'));
	outcome := 'ok';
	RETURN;
END
$$;

-- The application's data for its page (the page shapes it: web and
-- core/appview.c), or NULL when the user may not see it. p_version: an earlier version to show, NULL for the latest.
CREATE OR REPLACE FUNCTION application_view(p_app bigint, p_user bigint,
    p_version integer) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a applications;
	r rounds;
	v application_versions;
BEGIN
	SELECT * INTO a FROM application_visible(p_app, p_user);
	IF a.id IS NULL THEN
		RETURN NULL;
	END IF;
	SELECT * INTO r FROM rounds WHERE id = a.round_id;
	SELECT * INTO v FROM application_versions
	WHERE application_id = a.id AND version = coalesce(p_version, a.version);
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;

	RETURN json_build_object(
	    'id', a.id, 'state', a.state, 'version', a.version,
	    'shown_version', v.version,
	    'saved_at', to_char(v.created_at AT TIME ZONE r.timezone,
		'YYYY-MM-DD HH24:MI'),
	    'content', v.content,
	    'reference', a.reference, 'fingerprint', a.fingerprint,
	    'submitted_at', to_char(a.submitted_at AT TIME ZONE r.timezone,
		'YYYY-MM-DD HH24:MI:SS'),
	    'round', json_build_object('slug', r.slug, 'title', r.title,
		'timezone', r.timezone,
		'closes', to_char(r.closes_at AT TIME ZONE r.timezone,
		    'YYYY-MM-DD HH24:MI'),
		'max_files', r.max_files, 'max_file_mb', r.max_file_mb,
		'categories', (SELECT json_agg(c.code ORDER BY c.position)
		    FROM round_categories c WHERE c.round_id = r.id),
		'category_list', (SELECT json_agg(json_build_object('code',
		    c.code, 'description', c.description) ORDER BY c.position)
		    FROM round_categories c WHERE c.round_id = r.id),
		'countries', (SELECT json_agg(c.code ORDER BY c.code)
		    FROM round_countries c WHERE c.round_id = r.id)),
	    'files', (SELECT coalesce(json_agg(json_build_object('id', f.id,
		'name', f.name, 'size', f.size, 'sha256', f.sha256)
		ORDER BY f.id), '[]') FROM application_files f
		WHERE f.application_id = a.id),
	    -- The decision, from the instant the round is public (its
	    -- embargo passed): the feedback as fixed at publication.
	    'result', (SELECT json_build_object('decision', d.decision,
		'citation', nullif(d.citation, ''),
		'feedback', coalesce(d.feedback, '[]'),
		'award_path', CASE WHEN d.decision <> 'not_selected' THEN
		    '/awards/' || r.slug || '/' || a.reference END)
		FROM decisions d WHERE d.application_id = a.id
		AND r.published_at IS NOT NULL
		AND (r.embargo_until IS NULL OR r.embargo_until <= now())),
	    'versions', (SELECT json_agg(json_build_object('version', x.version,
		'kind', x.kind, 'at', to_char(x.created_at AT TIME ZONE
		r.timezone, 'YYYY-MM-DD HH24:MI:SS')) ORDER BY x.version DESC)
		FROM application_versions x WHERE x.application_id = a.id
		AND x.version > 0));
END
$$;

-- The applicant's list. PL/pgSQL, so that its plan is kept per
-- connection (a SQL function that aggregates is planned on every call).
CREATE OR REPLACE FUNCTION application_list(p_user bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (SELECT coalesce(json_agg(json_build_object('id', a.id,
	    'title', coalesce(a.title, ''),
	    'state', a.state, 'reference', a.reference,
	    'round', r.title,
	    'closes', to_char(r.closes_at AT TIME ZONE r.timezone,
		'YYYY-MM-DD HH24:MI') || ' (' || r.timezone || ')',
	    'is_closed', now() >= r.closes_at) ORDER BY a.id DESC), '[]')
	FROM applications a
	JOIN rounds r ON r.id = a.round_id
	WHERE a.owner_id = p_user);
END
$$;

-- Documents. The limits are checked again here, under the row lock, so
-- two uploads at once cannot pass max_files together.
CREATE OR REPLACE FUNCTION application_file_add(p_app bigint, p_user bigint,
    p_name text, p_size bigint, p_sha256 text, p_key_id text, p_sealed bytea,
    p_ip text, p_subject text, p_body text, p_id bigint DEFAULT NULL,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a applications;
	r rounds;
	v_status text;
	l record;
	v_id bigint;
BEGIN
	SELECT * INTO l FROM application_lock(p_app, p_user);
	a := l.a;
	r := l.r;
	v_status := l.status;
	IF v_status <> 'ok' THEN
		outcome := v_status;
		RETURN;
	END IF;
	IF (SELECT count(*) FROM application_files
	    WHERE application_id = a.id) >= r.max_files THEN
		outcome := 'too_many';
		number := r.max_files;
		RETURN;
	END IF;
	IF p_size > r.max_file_mb::bigint * 1048576 THEN
		outcome := 'too_large';
		number := r.max_file_mb;
		RETURN;
	END IF;

	-- p_id: the id the document was sealed for (application_file_id()).
	INSERT INTO application_files (id, application_id, name, size, sha256,
	    key_id, sealed)
	VALUES (coalesce(p_id, nextval(pg_get_serial_sequence(
	    'application_files', 'id'))), a.id, p_name, p_size, p_sha256,
	    p_key_id, p_sealed)
	RETURNING id INTO v_id;
	PERFORM audit_log(p_user, 'application.file_add',
	    'application:' || a.id, p_ip, NULL, jsonb_build_object('file',
	    v_id, 'name', p_name, 'size', p_size, 'sha256', p_sha256));
	IF a.state = 'submitted' THEN
		PERFORM application_receipt(a.id, l.at, p_user, p_ip, p_subject,
		    p_body);
	END IF;

	outcome := 'ok';
	number := v_id;
	RETURN;
END
$$;

CREATE OR REPLACE FUNCTION application_file_delete(p_app bigint, p_user bigint,
    p_file bigint, p_ip text, p_subject text, p_body text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a applications;
	v_status text;
	l record;
	f record;
BEGIN
	SELECT * INTO l FROM application_lock(p_app, p_user);
	a := l.a;
	v_status := l.status;
	-- Someone else's document reads as missing, deadline or not.
	IF v_status = 'notfound' OR NOT EXISTS (SELECT 1
	    FROM application_files WHERE id = p_file AND application_id = a.id)
	    THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	IF v_status <> 'ok' THEN
		outcome := v_status;
		RETURN;
	END IF;

	DELETE FROM application_files WHERE id = p_file
	RETURNING id, name, sha256 INTO f;
	PERFORM audit_log(p_user, 'application.file_delete',
	    'application:' || a.id, p_ip, jsonb_build_object('file', f.id,
	    'name', f.name, 'sha256', f.sha256), NULL);
	IF a.state = 'submitted' THEN
		PERFORM application_receipt(a.id, l.at, p_user, p_ip, p_subject,
		    p_body);
	END IF;

	outcome := 'ok';
	RETURN;
END
$$;

-- The sealed bytes of one document, for who may see its files (one row
-- or none).
CREATE OR REPLACE FUNCTION application_file_get(p_app bigint, p_user bigint,
    p_file bigint, OUT name text, OUT key_id text, OUT sealed bytea,
    OUT sha256 text)
RETURNS SETOF record
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT f.name, f.key_id, f.sealed, f.sha256 FROM application_files f
	WHERE f.id = p_file AND f.application_id = p_app
	    AND 'files' = ANY ((application_access(p_app, p_user)).allows)
$$;

-- Key rotation (laurelctl key rotate): one document at a time, replaced
-- only if it is still the one that was read.
CREATE OR REPLACE FUNCTION file_rekey(p_file bigint, p_old_key text,
    p_new_key text, p_sealed bytea) RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	WITH u AS (
		UPDATE application_files SET key_id = p_new_key, sealed = p_sealed
		WHERE id = p_file AND key_id = p_old_key
		RETURNING id)
	SELECT EXISTS (SELECT 1 FROM u)
$$;

-- Every country for the selects of the form, by name (PL/pgSQL: the
-- plan is kept, see application_list).
CREATE OR REPLACE FUNCTION country_list() RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (SELECT json_agg(json_build_object('value', code,
	    'label', name) ORDER BY name) FROM countries);
END
$$;
