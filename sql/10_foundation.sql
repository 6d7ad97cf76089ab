-- Foundation: the audit log (its canonical text, the triggers that chain
-- it and keep it append-only, audit_log()), the e-mail outbox and the
-- wake-up call of `laurelctl mail`, and the throttles. The other files
-- build on these.
--
-- One file per domain in sql/: every function and trigger of the schema,
-- each once, in its current text. `laurelctl migrate` applies them after
-- the migrations, in the same transaction, every time (README "Where the
-- SQL lives"): change a function here, no migration needed.
--
-- The app's role (laurel_app) holds no right on any table (migration
-- 0013): it calls these functions, which run as their owner (SECURITY
-- DEFINER, with a fixed search_path so that nobody's objects can stand in
-- for ours). So the functions are the only doors, and each checks who
-- calls it. Pure functions (IMMUTABLE) touch no table and need neither.

-- The exact text that is hashed: fields joined by a unit separator, the
-- time as microseconds since the epoch (independent of the TimeZone
-- setting), jsonb in its normalised text form, NULL as the empty string.
CREATE OR REPLACE FUNCTION audit_canonical(a audit) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
	SELECT concat_ws(chr(31),
	    a.id::text,
	    (extract(epoch FROM a.at) * 1000000)::bigint::text,
	    coalesce(a.actor_id::text, ''),
	    a.action, a.subject, a.ip,
	    coalesce(a.before::text, ''),
	    coalesce(a.after::text, ''),
	    a.prev_hash)
$$;

CREATE OR REPLACE FUNCTION audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	-- One writer at a time, so the chain has no forks; the id is taken
	-- under the lock so that id order is chain order.
	PERFORM pg_advisory_xact_lock(hashtext('laurel.audit'));
	NEW.id := nextval(pg_get_serial_sequence('audit', 'id'));
	SELECT hash INTO NEW.prev_hash FROM audit ORDER BY id DESC LIMIT 1;
	NEW.prev_hash := coalesce(NEW.prev_hash, repeat('0', 64));
	NEW.at := date_trunc('microseconds', NEW.at);
	NEW.hash := encode(sha256(convert_to(audit_canonical(NEW), 'UTF8')), 'hex');
	RETURN NEW;
END
$$;

CREATE OR REPLACE TRIGGER audit_chain BEFORE INSERT ON audit
	FOR EACH ROW EXECUTE FUNCTION audit_chain();

CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RAISE EXCEPTION 'the audit log is append-only';
END
$$;

CREATE OR REPLACE TRIGGER audit_append_only BEFORE UPDATE OR DELETE OR
	TRUNCATE ON audit
	FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();

-- The keys of an entry's before/after whose values are personal data:
-- kept out of the hash chain (audit_personal, migration 0014), so that
-- deleting the account deletes them and the chain still verifies.
CREATE OR REPLACE FUNCTION audit_personal_part(p jsonb) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_object_agg(e.key, e.value)
	FROM jsonb_each(CASE WHEN jsonb_typeof(p) = 'object' THEN p END) e
	WHERE e.key IN ('email', 'display_name')
$$;

CREATE OR REPLACE FUNCTION audit_log(p_actor bigint, p_action text,
    p_subject text, p_ip text, p_before jsonb, p_after jsonb) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_pb jsonb := audit_personal_part(p_before);
	v_pa jsonb := audit_personal_part(p_after);
	v_id bigint;
BEGIN
	INSERT INTO audit (actor_id, action, subject, ip, before, after,
	    prev_hash, hash)
	VALUES (p_actor, p_action, coalesce(p_subject, ''), coalesce(p_ip, ''),
	    CASE WHEN v_pb IS NULL THEN p_before ELSE p_before ||
		(SELECT jsonb_object_agg(k, '(personal)') FROM
		jsonb_object_keys(v_pb) k) END,
	    CASE WHEN v_pa IS NULL THEN p_after ELSE p_after ||
		(SELECT jsonb_object_agg(k, '(personal)') FROM
		jsonb_object_keys(v_pa) k) END,
	    '', '')
	RETURNING id INTO v_id;

	-- Whose data it is: the user the entry is about, else the actor.
	IF v_pb IS NOT NULL OR v_pa IS NOT NULL THEN
		INSERT INTO audit_personal (audit_id, user_id, before, after)
		VALUES (v_id, coalesce(substring(p_subject FROM
		    '^user:([0-9]+)$')::bigint, p_actor), v_pb, v_pa);
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION outbox_add(p_to text, p_subject text, p_body text)
RETURNS void LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	INSERT INTO outbox (to_addr, subject, body) VALUES (p_to, p_subject, p_body)
$$;

-- `laurelctl mail` LISTENs on 'outbox'; the notification is sent when the
-- inserting transaction commits, so the mailer never sees a row early.
CREATE OR REPLACE FUNCTION outbox_notify() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	PERFORM pg_notify('outbox', '');
	RETURN NULL;
END
$$;

CREATE OR REPLACE TRIGGER outbox_notify AFTER INSERT ON outbox
	FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Counts a hit on key; true while at most p_limit hits fell in the window.
-- retry_after: seconds until the window ends.
CREATE OR REPLACE FUNCTION throttle_hit(p_key text, p_limit integer,
    p_window interval, OUT allowed boolean, OUT retry_after integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r throttle;
BEGIN
	INSERT INTO throttle AS t (key, window_start, hits)
	VALUES (p_key, now(), 1)
	ON CONFLICT (key) DO UPDATE SET
	    window_start = CASE WHEN t.window_start + p_window <= now()
		THEN now() ELSE t.window_start END,
	    hits = CASE WHEN t.window_start + p_window <= now()
		THEN 1 ELSE t.hits + 1 END
	RETURNING * INTO r;
	allowed := r.hits <= p_limit;
	retry_after := greatest(1, ceil(extract(epoch FROM
	    r.window_start + p_window - now())))::integer;
END
$$;

-- Is a key under its limit, without counting a hit?
CREATE OR REPLACE FUNCTION throttle_peek(p_key text, p_limit integer,
    p_window interval, OUT allowed boolean, OUT retry_after integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT coalesce(bool_and(t.window_start + p_window <= now()
	    OR t.hits < p_limit), true),
	    coalesce(max(greatest(1, ceil(extract(epoch FROM
	    t.window_start + p_window - now()))))::integer, 0)
	FROM throttle t WHERE t.key = p_key
$$;

-- Whether a user is an administrator now (and not disabled): what every
-- admin-only function asks of its caller itself, besides the page's own
-- check in C (two locks).
CREATE OR REPLACE FUNCTION user_is_admin(p_user bigint) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT coalesce((SELECT is_admin AND disabled_at IS NULL FROM users
		    WHERE id = p_user), false)
	);
END
$$;
