-- Award rounds: the one place a round's phase is decided, saving a round
-- from the admin form, and what the admin and public pages show of rounds.
--
-- One file per domain in sql/: every function and trigger of the schema,
-- each once, in its current text. `laurelctl migrate` applies them after
-- the migrations, in the same transaction, every time (README "Where the
-- SQL lives"): change a function here, no migration needed.

-- The one place a round's phase is decided:
-- draft -(opens_at)-> open -(closes_at)-> reviewing -(admin: close
-- review)-> deciding -(admin: publish)-> published.
-- Pure (IMMUTABLE: it reads its arguments only; the caller's now() is
-- the default), and neither SECURITY DEFINER nor SET: PostgreSQL then
-- inlines it into the query that asks, where a call would parse and plan
-- its body again in every statement (issue 16's profile of a page).
CREATE OR REPLACE FUNCTION round_phase(r rounds,
    p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
	    WHEN r.published_at IS NOT NULL THEN 'published'
	    WHEN r.review_closed_at IS NOT NULL THEN 'deciding'
	    WHEN p_now >= r.closes_at THEN 'reviewing'
	    WHEN p_now >= r.opens_at THEN 'open'
	    ELSE 'draft'
	END
$$;

-- Creates (p_id NULL) or updates a round from what an admin entered:
-- local times 'YYYY-MM-DDTHH:MM' in p_tz, categories as a JSON array of
-- {code, description}, countries as ISO codes. The outcome is 'saved',
-- or for what only the database can tell 'invalid' with detail the field
-- (for eligible_countries, data: the codes it does not know), 'notfound'
-- (no such round, or the actor is no administrator) or 'closed' (the
-- round is published). p_actor NULL is the operator (make run, tests),
-- never the application's role.
CREATE OR REPLACE FUNCTION round_save(p_id bigint, p_actor bigint, p_ip text,
    p_title text, p_slug text, p_description text, p_categories jsonb,
    p_countries text[], p_tz text, p_opens text, p_closes text,
    p_reviews_due text, p_embargo text, p_blind boolean, p_k integer,
    p_max_files integer, p_max_mb integer,
    OUT outcome text, OUT detail text, OUT data text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_id bigint;
	v_before jsonb;
	v_unknown text;
	v_opens timestamptz;
	v_closes timestamptz;
	v_due timestamptz;
	v_embargo timestamptz;
BEGIN
	-- The second lock: the page checked too (web/authz.c). The caller's
	-- role is the one connected or set (SET ROLE), never current_user,
	-- which is this function's owner here (SECURITY DEFINER).
	IF (p_actor IS NULL AND (session_user = 'laurel_app' OR
	    current_setting('role') = 'laurel_app')) OR
	    (p_actor IS NOT NULL AND NOT user_is_admin(p_actor)) THEN
		outcome := 'notfound';
		RETURN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = p_tz) THEN
		outcome := 'invalid';
		detail := 'timezone';
		RETURN;
	END IF;
	SELECT string_agg(c, ', ') INTO v_unknown FROM unnest(p_countries) c
	WHERE c NOT IN (SELECT code FROM countries);
	IF v_unknown IS NOT NULL THEN
		outcome := 'invalid';
		detail := 'eligible_countries';
		data := v_unknown;
		RETURN;
	END IF;

	v_opens := p_opens::timestamp AT TIME ZONE p_tz;
	v_closes := p_closes::timestamp AT TIME ZONE p_tz;
	v_due := nullif(p_reviews_due, '')::timestamp AT TIME ZONE p_tz;
	v_embargo := nullif(p_embargo, '')::timestamp AT TIME ZONE p_tz;
	IF v_closes <= v_opens THEN
		outcome := 'invalid';
		detail := 'closes_at';
		RETURN;
	END IF;
	IF v_due IS NOT NULL AND v_due < v_closes THEN
		outcome := 'invalid';
		detail := 'reviews_due';
		RETURN;
	END IF;

	IF p_id IS NULL THEN
		INSERT INTO rounds (slug, title, description, timezone, opens_at,
		    closes_at, reviews_due, embargo_until, blind_review,
		    reviews_per_application, max_files, max_file_mb)
		VALUES (p_slug, p_title, p_description, p_tz, v_opens, v_closes,
		    v_due, v_embargo, p_blind, p_k, p_max_files, p_max_mb)
		RETURNING id INTO v_id;
		INSERT INTO rubric_criteria SELECT v_id, d.* FROM rubric_default d;
	ELSE
		SELECT to_jsonb(r) - 'created_at' INTO v_before FROM rounds r
		WHERE id = p_id FOR UPDATE;
		IF NOT FOUND THEN
			outcome := 'notfound';
			RETURN;
		END IF;
		IF v_before->>'published_at' IS NOT NULL THEN
			outcome := 'closed';
			RETURN;
		END IF;
		UPDATE rounds SET slug = p_slug, title = p_title,
		    description = p_description, timezone = p_tz,
		    opens_at = v_opens, closes_at = v_closes, reviews_due = v_due,
		    embargo_until = v_embargo, blind_review = p_blind,
		    reviews_per_application = p_k, max_files = p_max_files,
		    max_file_mb = p_max_mb
		WHERE id = p_id;
		v_id := p_id;
		DELETE FROM round_categories WHERE round_id = v_id;
		DELETE FROM round_countries WHERE round_id = v_id;
	END IF;

	INSERT INTO round_categories (round_id, position, code, description)
	SELECT v_id, ord, c->>'code', coalesce(c->>'description', '')
	FROM jsonb_array_elements(p_categories) WITH ORDINALITY AS t(c, ord);
	INSERT INTO round_countries (round_id, code)
	SELECT DISTINCT v_id, c FROM unnest(p_countries) c;

	PERFORM audit_log(p_actor, CASE WHEN p_id IS NULL THEN 'round.create'
	    ELSE 'round.update' END, 'round:' || v_id, p_ip, v_before,
	    (SELECT to_jsonb(r) - 'created_at' FROM rounds r WHERE id = v_id));
	outcome := 'saved';
EXCEPTION
	WHEN unique_violation THEN
		outcome := 'invalid';
		detail := 'slug';
	WHEN invalid_datetime_format OR datetime_field_overflow THEN
		outcome := 'invalid';
		detail := 'opens_at';
END
$$;

-- A round as the admin form shows it, in one query: local times in the
-- round's zone, categories and countries as the text the form edits, the
-- rubric, the phase. NULL when there is no such round, or the caller is
-- no administrator.
CREATE OR REPLACE FUNCTION round_admin_view(p_slug text, p_user bigint)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT json_build_object(
		    'id', r.id, 'slug', r.slug, 'title', r.title,
		    'description', r.description, 'timezone', r.timezone,
		    'opens_at', to_char(r.opens_at AT TIME ZONE r.timezone, 'YYYY-MM-DD"T"HH24:MI'),
		    'closes_at', to_char(r.closes_at AT TIME ZONE r.timezone, 'YYYY-MM-DD"T"HH24:MI'),
		    'reviews_due', coalesce(to_char(r.reviews_due AT TIME ZONE r.timezone, 'YYYY-MM-DD"T"HH24:MI'), ''),
		    'embargo_until', coalesce(to_char(r.embargo_until AT TIME ZONE r.timezone, 'YYYY-MM-DD"T"HH24:MI'), ''),
		    'blind_review', r.blind_review,
		    'reviews_per_application', r.reviews_per_application::text,
		    'max_files', r.max_files::text, 'max_file_mb', r.max_file_mb::text,
		    'phase', round_phase(r),
		    'categories', (SELECT string_agg(c.code ||
			CASE WHEN c.description = '' THEN '' ELSE ' — ' || c.description END,
			E'\n' ORDER BY c.position)
			FROM round_categories c WHERE c.round_id = r.id),
		    'eligible_countries', (SELECT string_agg(rc.code, ' ' ORDER BY rc.code)
			FROM round_countries rc WHERE rc.round_id = r.id),
		    'rubric', (SELECT json_agg(json_build_object('code', k.code,
			'name', k.name, 'question', k.question, 'weight', k.weight,
			'gate', k.gate, 'level0', k.level0, 'level1', k.level1,
			'level3', k.level3, 'level5', k.level5) ORDER BY k.position)
			FROM rubric_criteria k WHERE k.round_id = r.id))
		FROM rounds r WHERE r.slug = p_slug AND user_is_admin(p_user)
	);
END
$$;

-- What a new round's form starts with (NULL but for administrators).
CREATE OR REPLACE FUNCTION round_admin_defaults(p_user bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT json_build_object(
		    'timezone', 'Europe/Brussels',
		    'reviews_per_application', '3', 'max_files', '5',
		    'max_file_mb', '20',
		    'eligible_countries', (SELECT string_agg(code, ' ' ORDER BY code)
			FROM countries WHERE default_eligible))
		WHERE user_is_admin(p_user)
	);
END
$$;

-- The rounds an admin runs, newest first, with their phases (NULL but
-- for administrators).
CREATE OR REPLACE FUNCTION round_admin_list(p_user bigint) RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT coalesce(json_agg(json_build_object('slug', r.slug,
		    'title', r.title, 'phase', round_phase(r),
		    'closes', to_char(r.closes_at AT TIME ZONE r.timezone,
			'DD Mon YYYY, HH24:MI') || ' (' || r.timezone || ')')
		    ORDER BY r.opens_at DESC), '[]'::json)
		FROM rounds r
		HAVING user_is_admin(p_user)
	);
END
$$;

-- The rounds open for applications now, for the home page: the call text,
-- categories and the deadline in the round's own zone.
CREATE OR REPLACE FUNCTION rounds_public_open() RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	-- PL/pgSQL keeps this plan per connection; a SQL function would be
	-- planned again on every call (the home page is hot).
	RETURN (SELECT coalesce(json_agg(json_build_object(
	    'slug', r.slug, 'title', r.title, 'description', r.description,
	    'timezone', r.timezone,
	    'closes', to_char(r.closes_at AT TIME ZONE r.timezone,
		'FMDay DD FMMonth YYYY, HH24:MI'),
	    'closes_iso', to_char(r.closes_at AT TIME ZONE 'UTC',
		'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
	    'days_left', floor(extract(epoch FROM r.closes_at - now()) / 86400)::int,
	    'hours_left', floor(extract(epoch FROM r.closes_at - now()) / 3600)::int % 24,
	    'categories', (SELECT json_agg(json_build_object('code', c.code,
		'description', c.description) ORDER BY c.position)
		FROM round_categories c WHERE c.round_id = r.id))
	    ORDER BY r.closes_at), '[]'::json)
	FROM rounds r WHERE round_phase(r) = 'open');
END
$$;
