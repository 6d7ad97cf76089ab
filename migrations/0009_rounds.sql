-- Award rounds: one edition of the award, its categories, its eligible
-- countries and its rubric (the default of RUBRIC.md, copied per round).
-- Times are UTC timestamptz, entered and shown in the round's time zone.

CREATE TABLE rounds (
	id			bigserial PRIMARY KEY,
	slug			text NOT NULL UNIQUE
	    CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 60),
	title			text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
	description		text NOT NULL DEFAULT '',
	timezone		text NOT NULL DEFAULT 'Europe/Brussels',
	opens_at		timestamptz NOT NULL,
	closes_at		timestamptz NOT NULL,
	reviews_due		timestamptz,
	embargo_until		timestamptz,
	blind_review		boolean NOT NULL DEFAULT false,
	reviews_per_application	integer NOT NULL DEFAULT 3
	    CHECK (reviews_per_application BETWEEN 1 AND 10),
	max_files		integer NOT NULL DEFAULT 5 CHECK (max_files BETWEEN 0 AND 20),
	max_file_mb		integer NOT NULL DEFAULT 20 CHECK (max_file_mb BETWEEN 1 AND 100),
	review_closed_at	timestamptz,	-- admin: close review
	published_at		timestamptz,	-- admin: publish
	created_at		timestamptz NOT NULL DEFAULT now(),
	CHECK (closes_at > opens_at),
	CHECK (reviews_due IS NULL OR reviews_due >= closes_at)
);

CREATE TABLE round_categories (
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	position	integer NOT NULL,
	code		text NOT NULL CHECK (code ~ '^[A-Z0-9][A-Z0-9 _-]{0,39}$'),
	description	text NOT NULL DEFAULT '',
	PRIMARY KEY (round_id, code),
	UNIQUE (round_id, position)
);

CREATE TABLE round_countries (
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	code		char(2) NOT NULL REFERENCES countries,
	PRIMARY KEY (round_id, code)
);

CREATE TABLE rubric_criteria (
	round_id	bigint NOT NULL REFERENCES rounds ON DELETE CASCADE,
	position	integer NOT NULL,
	code		text NOT NULL,
	name		text NOT NULL,
	question	text NOT NULL,
	weight		numeric(6,2) NOT NULL CHECK (weight > 0),
	gate		numeric(3,1) CHECK (gate IS NULL OR gate BETWEEN 0 AND 5),
	level0		text NOT NULL,
	level1		text NOT NULL,
	level3		text NOT NULL,
	level5		text NOT NULL,
	PRIMARY KEY (round_id, code),
	UNIQUE (round_id, position)
);

-- The default rubric (RUBRIC.md), copied into every new round.
CREATE TABLE rubric_default (
	position	integer PRIMARY KEY,
	code		text NOT NULL,
	name		text NOT NULL,
	question	text NOT NULL,
	weight		numeric(6,2) NOT NULL,
	gate		numeric(3,1),
	level0		text NOT NULL,
	level1		text NOT NULL,
	level3		text NOT NULL,
	level5		text NOT NULL
);

INSERT INTO rubric_default VALUES
(1, 'C1', 'Lawful basis and purpose', 'Is the purpose specific and legitimate, with a valid legal basis for processing health data (GDPR Art. 6 and an Art. 9(2) condition)?', 15, 3,
 'No legal basis described.', 'Vague or wrong basis.', 'Documented basis and ethics approval.', 'As 3, plus a data-protection impact assessment, and any secondary use stays within the purposes the European Health Data Space allows.'),
(2, 'C2', 'Minimisation and safe access', 'Are only the necessary data used, de-identified as far as the purpose allows, and processed in a secure, controlled environment?', 15, 3,
 'Not described.', 'Identifiable copies, weak controls.', 'Pseudonymised data, access control, retention limits.', 'Anonymised by default, secure processing environment, vetted users, output checking ("Five Safes").'),
(3, 'C3', 'Transparency, consent and control', 'Are people clearly informed, and can they exercise choice and their rights?', 15, NULL,
 'Nothing.', 'Generic privacy notice.', 'Plain-language information, the consent or opt-out model explained.', 'Public register of data uses, granular choice, opt-outs honoured.'),
(4, 'C4', 'Patient and public involvement', 'Were patients and the public involved meaningfully, and did their involvement change anything?', 15, NULL,
 'None.', 'A one-off consultation.', 'Involved at several stages, with support.', 'Co-production, patients or citizens in the governance, documented influence on decisions.'),
(5, 'C5', 'Data quality and FAIR reuse', 'Are the data fit for purpose, standards-based and reusable under controls?', 10, NULL,
 'Unknown quality.', 'Ad-hoc formats.', 'Quality assessed, standards used (e.g. FHIR, OMOP, SNOMED CT), metadata published.', 'FAIR metadata and persistent identifiers, documented quality, governed sharing.'),
(6, 'C6', 'Fairness, bias and AI accountability', 'Are bias and representativeness addressed and, where AI is used, human oversight and robustness?', 10, NULL,
 'Not considered.', 'Acknowledged only.', 'Subgroup results reported, human oversight defined.', 'Systematic mitigation and monitoring; for AI, the AI Act / medical-device route mapped.'),
(7, 'C7', 'Innovation, outcomes and transferability', 'Is the practice novel, with evidence of benefit that can be sustained and transferred to other regions?', 20, NULL,
 'No evidence.', 'Claims only.', 'Early measurable results.', 'Robust outcomes, sustainable funding, adopted in at least two regions.');

-- The one place a round's phase is decided:
-- draft -(opens_at)-> open -(closes_at)-> reviewing -(admin: close
-- review)-> deciding -(admin: publish)-> published.
CREATE FUNCTION round_phase(r rounds, p_now timestamptz DEFAULT now())
RETURNS text
LANGUAGE sql STABLE AS $$
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
-- {code, description}, countries as ISO codes. Returns the slug, or
-- 'error:FIELD:message' for what only the database can tell.
CREATE FUNCTION round_save(p_id bigint, p_actor bigint, p_ip text,
    p_title text, p_slug text, p_description text, p_categories jsonb,
    p_countries text[], p_tz text, p_opens text, p_closes text,
    p_reviews_due text, p_embargo text, p_blind boolean, p_k integer,
    p_max_files integer, p_max_mb integer) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	v_id bigint;
	v_before jsonb;
	v_unknown text;
	v_opens timestamptz;
	v_closes timestamptz;
	v_due timestamptz;
	v_embargo timestamptz;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = p_tz) THEN
		RETURN 'error:timezone:Choose a time zone from the list, such as Europe/Brussels.';
	END IF;
	SELECT string_agg(c, ', ') INTO v_unknown FROM unnest(p_countries) c
	WHERE c NOT IN (SELECT code FROM countries);
	IF v_unknown IS NOT NULL THEN
		RETURN 'error:eligible_countries:These are not ISO country codes: ' || v_unknown || '.';
	END IF;

	v_opens := p_opens::timestamp AT TIME ZONE p_tz;
	v_closes := p_closes::timestamp AT TIME ZONE p_tz;
	v_due := nullif(p_reviews_due, '')::timestamp AT TIME ZONE p_tz;
	v_embargo := nullif(p_embargo, '')::timestamp AT TIME ZONE p_tz;
	IF v_closes <= v_opens THEN
		RETURN 'error:closes_at:The deadline must come after the opening.';
	END IF;
	IF v_due IS NOT NULL AND v_due < v_closes THEN
		RETURN 'error:reviews_due:Reviews are due after the deadline.';
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
			RETURN 'error:title:This round no longer exists.';
		END IF;
		IF v_before->>'published_at' IS NOT NULL THEN
			RETURN 'error:title:A published round can no longer be changed.';
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
	RETURN p_slug;
EXCEPTION
	WHEN unique_violation THEN
		RETURN 'error:slug:Another round already uses this address.';
	WHEN invalid_datetime_format OR datetime_field_overflow THEN
		RETURN 'error:opens_at:A date is not a real date and time.';
END
$$;

GRANT SELECT, INSERT, UPDATE, DELETE ON rounds, round_categories,
    round_countries, rubric_criteria TO laurel_app;
GRANT SELECT ON rubric_default TO laurel_app;
GRANT USAGE, SELECT ON SEQUENCE rounds_id_seq TO laurel_app;

-- A round as the admin form shows it, in one query: local times in the
-- round's zone, categories and countries as the text the form edits, the
-- rubric, the phase. NULL when there is no such round.
CREATE FUNCTION round_admin_view(p_slug text) RETURNS json
LANGUAGE sql STABLE AS $$
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
	FROM rounds r WHERE r.slug = p_slug
$$;

-- What a new round's form starts with.
CREATE FUNCTION round_admin_defaults() RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object(
	    'timezone', 'Europe/Brussels',
	    'reviews_per_application', '3', 'max_files', '5',
	    'max_file_mb', '20',
	    'eligible_countries', (SELECT string_agg(code, ' ' ORDER BY code)
		FROM countries WHERE default_eligible))
$$;

-- The rounds an admin runs, newest first, with their phases.
CREATE FUNCTION round_admin_list() RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT coalesce(json_agg(json_build_object('slug', r.slug,
	    'title', r.title, 'phase', round_phase(r),
	    'closes', to_char(r.closes_at AT TIME ZONE r.timezone,
		'DD Mon YYYY, HH24:MI') || ' (' || r.timezone || ')')
	    ORDER BY r.opens_at DESC), '[]'::json)
	FROM rounds r
$$;

-- The rounds open for applications now, for the home page: the call text,
-- categories and the deadline in the round's own zone.
CREATE FUNCTION rounds_public_open() RETURNS json
LANGUAGE plpgsql STABLE AS $$
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
