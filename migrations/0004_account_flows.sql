-- The account flows as transactional units: each call changes the state,
-- writes its audit entry and queues its e-mail, or does none of it.

-- Registration. Both possible e-mails are rendered by the app; this picks
-- one, so the answer is the same whether or not the address has an
-- account (nobody can probe for accounts).
CREATE FUNCTION user_register(p_email text, p_name text, p_hash text,
    p_token_hash text, p_ip text,
    p_new_subject text, p_new_body text,
    p_exists_subject text, p_exists_body text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	v_id bigint;
	t record;
BEGIN
	-- Registrations per client address: 10 an hour.
	SELECT * INTO t FROM throttle_hit('register-ip:' || p_ip, 10,
	    interval '1 hour');
	IF NOT t.allowed THEN
		RETURN 'throttled:' || t.retry_after;
	END IF;

	SELECT id INTO v_id FROM users WHERE email = p_email;
	IF FOUND THEN
		PERFORM outbox_add(p_email, p_exists_subject, p_exists_body);
		PERFORM audit_log(NULL, 'user.register_existing',
		    'user:' || v_id, p_ip, NULL, NULL);
		RETURN 'exists';
	END IF;

	INSERT INTO users (email, display_name, password_hash)
	VALUES (p_email, p_name, p_hash)
	RETURNING id INTO v_id;

	INSERT INTO user_tokens (token_hash, user_id, purpose, expires_at)
	VALUES (p_token_hash, v_id, 'verify', now() + interval '24 hours');

	PERFORM outbox_add(p_email, p_new_subject, p_new_body);
	PERFORM audit_log(NULL, 'user.register', 'user:' || v_id, p_ip, NULL,
	    jsonb_build_object('email', p_email, 'display_name', p_name));
	RETURN 'created';
EXCEPTION WHEN unique_violation THEN
	-- Two registrations of one address at once: the loser is told
	-- exactly what a second registration is told.
	PERFORM outbox_add(p_email, p_exists_subject, p_exists_body);
	RETURN 'exists';
END
$$;

-- Opens a link from /verify: a new account's (single use, 24 hours),
-- or a change of address, which takes effect here and is a change of
-- identity (every session ends).
CREATE FUNCTION user_verify(p_token_hash text, p_ip text)
RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	t user_tokens;
	v_old text;
BEGIN
	UPDATE user_tokens SET used_at = now()
	WHERE token_hash = p_token_hash AND purpose IN ('verify', 'email')
	    AND used_at IS NULL AND expires_at > now()
	RETURNING * INTO t;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;

	IF t.purpose = 'verify' THEN
		UPDATE users SET verified_at = coalesce(verified_at, now())
		WHERE id = t.user_id;
		PERFORM audit_log(t.user_id, 'user.verify', 'user:' || t.user_id,
		    p_ip, NULL, NULL);
		RETURN t.user_id;
	END IF;

	SELECT email INTO v_old FROM users WHERE id = t.user_id;
	BEGIN
		UPDATE users SET email = t.new_email,
		    verified_at = coalesce(verified_at, now())
		WHERE id = t.user_id;
	EXCEPTION WHEN unique_violation THEN
		RETURN NULL;	-- taken meanwhile by another account
	END;
	DELETE FROM sessions WHERE user_id = t.user_id;
	PERFORM audit_log(t.user_id, 'user.email_change', 'user:' || t.user_id,
	    p_ip, jsonb_build_object('email', v_old),
	    jsonb_build_object('email', t.new_email));
	RETURN t.user_id;
END
$$;

-- Is a key under its limit, without counting a hit?
CREATE FUNCTION throttle_peek(p_key text, p_limit integer, p_window interval,
    OUT allowed boolean, OUT retry_after integer)
LANGUAGE sql STABLE AS $$
	SELECT coalesce(bool_and(t.window_start + p_window <= now()
	    OR t.hits < p_limit), true),
	    coalesce(max(greatest(1, ceil(extract(epoch FROM
	    t.window_start + p_window - now()))))::integer, 0)
	FROM throttle t WHERE t.key = p_key
$$;

-- First step of a sign-in: the throttles of the address and the account,
-- and what the app needs to check the password off the event loop.
CREATE FUNCTION login_begin(p_email text, p_ip text,
    OUT allowed boolean, OUT retry_after integer, OUT user_id bigint,
    OUT password_hash text, OUT verified boolean, OUT disabled boolean)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	a record;
	b record;
BEGIN
	SELECT * INTO a FROM throttle_peek('login-ip:' || p_ip, 10,
	    interval '15 minutes');
	SELECT * INTO b FROM throttle_peek('login-user:' || lower(p_email), 10,
	    interval '15 minutes');
	allowed := a.allowed AND b.allowed;
	retry_after := greatest(a.retry_after, b.retry_after);

	SELECT u.id, u.password_hash, u.verified_at IS NOT NULL,
	    u.disabled_at IS NOT NULL
	INTO user_id, password_hash, verified, disabled
	FROM users u WHERE u.email = p_email;
END
$$;

-- A failed sign-in: counted against the address and the account.
CREATE FUNCTION login_failed(p_email text, p_ip text, p_user bigint,
    p_reason text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM throttle_hit('login-ip:' || p_ip, 10, interval '15 minutes');
	PERFORM throttle_hit('login-user:' || lower(p_email), 10,
	    interval '15 minutes');
	PERFORM audit_log(p_user, 'login.fail',
	    CASE WHEN p_user IS NULL THEN '' ELSE 'user:' || p_user END,
	    p_ip, NULL, jsonb_build_object('reason', p_reason));
END
$$;

-- A successful password check: a new session (a new token at every
-- sign-in), the rehashed password if the parameters changed, the audit
-- entry. mfa_ok is false until the TOTP step when the account has TOTP.
CREATE FUNCTION login_succeeded(p_user bigint, p_token_hash text,
    p_csrf text, p_ip text, p_agent text, p_new_hash text)
RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	v_mfa boolean;
BEGIN
	SELECT totp_secret IS NULL INTO v_mfa FROM users
	WHERE id = p_user AND disabled_at IS NULL AND verified_at IS NOT NULL;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;

	IF p_new_hash IS NOT NULL THEN
		UPDATE users SET password_hash = p_new_hash WHERE id = p_user;
	END IF;

	INSERT INTO sessions (token_hash, user_id, csrf, expires_at, mfa_ok,
	    ip, user_agent)
	VALUES (p_token_hash, p_user, p_csrf, now() + interval '12 hours',
	    v_mfa, p_ip::inet, left(p_agent, 300));

	PERFORM audit_log(p_user, CASE WHEN v_mfa THEN 'login.success'
	    ELSE 'login.password_ok' END, 'user:' || p_user, p_ip, NULL, NULL);
	RETURN v_mfa;
END
$$;

-- The session behind a cookie, if it is alive: idle at most 2 hours,
-- 12 hours at most in all, account enabled. Touching it keeps it alive.
CREATE FUNCTION session_touch(p_token_hash text,
    OUT user_id bigint, OUT email text, OUT display_name text,
    OUT is_admin boolean, OUT has_totp boolean, OUT mfa_ok boolean,
    OUT csrf text)
RETURNS SETOF record
LANGUAGE sql AS $$
	UPDATE sessions s SET last_seen = now()
	FROM users u
	WHERE s.token_hash = p_token_hash AND u.id = s.user_id
	    AND s.expires_at > now()
	    AND s.last_seen > now() - interval '2 hours'
	    AND u.disabled_at IS NULL
	RETURNING u.id, u.email::text, u.display_name, u.is_admin,
	    u.totp_secret IS NOT NULL, s.mfa_ok, s.csrf
$$;

CREATE FUNCTION session_end(p_token_hash text, p_ip text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	v_user bigint;
BEGIN
	DELETE FROM sessions WHERE token_hash = p_token_hash
	RETURNING user_id INTO v_user;
	IF FOUND THEN
		PERFORM audit_log(v_user, 'logout', 'user:' || v_user, p_ip,
		    NULL, NULL);
	END IF;
END
$$;

-- Sessions older than their limits are of no use to anyone.
CREATE FUNCTION session_prune() RETURNS integer
LANGUAGE sql AS $$
	WITH gone AS (
		DELETE FROM sessions WHERE expires_at <= now()
		    OR last_seen <= now() - interval '2 hours'
		RETURNING 1)
	SELECT count(*)::integer FROM gone
$$;
