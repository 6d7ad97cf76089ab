-- Accounts: registration and verification, sign-in and sessions, two-step
-- sign-in, password reset, the changes made on /account, and the
-- operator's user commands. Each call changes the state, writes its audit
-- entry and queues its e-mail, or does none of it.
--
-- One file per domain in sql/: every function and trigger of the schema,
-- each once, in its current text. `laurelctl migrate` applies them after
-- the migrations, in the same transaction, every time (README "Where the
-- SQL lives"): change a function here, no migration needed.

-- Registrations per client address: 10 an hour, counted before the
-- password is hashed (a hash costs 64 MiB and a task thread: a refused
-- registration must not cost one).
CREATE OR REPLACE FUNCTION register_attempt(p_ip text,
    OUT allowed boolean, OUT retry_after integer)
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT allowed, retry_after FROM throttle_hit('register-ip:' || p_ip, 10,
	    interval '1 hour')
$$;

-- Registration. Both possible e-mails are rendered by the app; this picks
-- one, so the answer is the same whether or not the address has an
-- account (nobody can probe for accounts).
CREATE OR REPLACE FUNCTION user_register(p_email text, p_name text,
    p_hash text, p_token_hash text, p_ip text,
    p_new_subject text, p_new_body text,
    p_exists_subject text, p_exists_body text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_id bigint;
BEGIN
	SELECT id INTO v_id FROM users WHERE email = p_email;
	IF FOUND THEN
		PERFORM outbox_add(p_email, p_exists_subject, p_exists_body);
		PERFORM audit_log(NULL, 'user.register_existing',
		    'user:' || v_id, p_ip, NULL, NULL);
		outcome := 'exists';
		RETURN;
	END IF;

	INSERT INTO users (email, display_name, password_hash)
	VALUES (p_email, p_name, p_hash)
	RETURNING id INTO v_id;

	INSERT INTO user_tokens (token_hash, user_id, purpose, expires_at)
	VALUES (p_token_hash, v_id, 'verify', now() + interval '24 hours');

	PERFORM outbox_add(p_email, p_new_subject, p_new_body);
	PERFORM audit_log(NULL, 'user.register', 'user:' || v_id, p_ip, NULL,
	    jsonb_build_object('email', p_email, 'display_name', p_name));
	outcome := 'created';
	RETURN;
EXCEPTION WHEN unique_violation THEN
	-- Two registrations of one address at once: the loser is told
	-- exactly what a second registration is told.
	PERFORM outbox_add(p_email, p_exists_subject, p_exists_body);
	outcome := 'exists';
	RETURN;
END
$$;

-- Opens a link from /verify: a new account's (single use, 24 hours),
-- or a change of address, which takes effect here and is a change of
-- identity (every session ends).
CREATE OR REPLACE FUNCTION user_verify(p_token_hash text, p_ip text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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

-- First step of a sign-in: the attempt is counted against the address and
-- the account before the password is checked, in one statement, so that
-- attempts sent at once are counted one after the other (checking first
-- and counting after the slow hash let forty parallel guesses through).
-- A sign-in that succeeds gives its count back (login_succeeded): what
-- is left counts failures. Then what the app needs to check the password
-- off the event loop.
CREATE OR REPLACE FUNCTION login_begin(p_email text, p_ip text,
    OUT allowed boolean, OUT retry_after integer, OUT user_id bigint,
    OUT password_hash text, OUT verified boolean, OUT disabled boolean)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	a record;
	b record;
BEGIN
	SELECT * INTO a FROM throttle_hit('login-ip:' || p_ip, 10,
	    interval '15 minutes');
	SELECT * INTO b FROM throttle_hit('login-user:' || lower(p_email), 10,
	    interval '15 minutes');
	allowed := a.allowed AND b.allowed;
	retry_after := greatest(CASE WHEN a.allowed THEN 0 ELSE a.retry_after END,
	    CASE WHEN b.allowed THEN 0 ELSE b.retry_after END);
	IF NOT allowed THEN
		RETURN;
	END IF;

	SELECT u.id, u.password_hash, u.verified_at IS NOT NULL,
	    u.disabled_at IS NOT NULL
	INTO user_id, password_hash, verified, disabled
	FROM users u WHERE u.email = p_email;
END
$$;

-- A failed sign-in, already counted by login_begin: the audit entry.
CREATE OR REPLACE FUNCTION login_failed(p_email text, p_ip text, p_user bigint,
    p_reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	PERFORM audit_log(p_user, 'login.fail',
	    CASE WHEN p_user IS NULL THEN '' ELSE 'user:' || p_user END,
	    p_ip, NULL, jsonb_build_object('reason', p_reason));
END
$$;

-- A signed-in person confirms their password before a change that needs
-- it (a new password or address, deleting the account): the attempt is
-- counted first, 10 in 15 minutes per account, then the stored hash is
-- given for the check (which the app does off the event loop).
CREATE OR REPLACE FUNCTION reauth_attempt(p_user bigint,
    OUT allowed boolean, OUT retry_after integer, OUT password_hash text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	SELECT h.allowed, h.retry_after INTO allowed, retry_after
	FROM throttle_hit('reauth-user:' || p_user, 10, interval '15 minutes') h;
	IF allowed THEN
		SELECT u.password_hash INTO password_hash FROM users u
		WHERE u.id = p_user;
	END IF;
END
$$;

-- The secret being enrolled (sealed), for the first code's check.
CREATE OR REPLACE FUNCTION totp_pending_of(p_user bigint) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT totp_pending FROM users WHERE id = p_user
	);
END
$$;

-- Gives back one counted attempt (a sign-in or second step that
-- succeeded), so that only failures are left in the count.
CREATE OR REPLACE FUNCTION throttle_refund(p_keys text[]) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE throttle SET hits = hits - 1 WHERE key = ANY (p_keys) AND hits > 0
$$;

-- A successful password check: a new session (a new token at every
-- sign-in), the rehashed password if the parameters changed, the audit
-- entry. mfa_ok is false until the TOTP step when the account has TOTP.
CREATE OR REPLACE FUNCTION login_succeeded(p_user bigint, p_token_hash text,
    p_csrf text, p_ip text, p_agent text, p_new_hash text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
	PERFORM throttle_refund(ARRAY['login-ip:' || p_ip,
	    'login-user:' || lower((SELECT email FROM users WHERE id = p_user))]);

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
-- last_seen moves at most once a minute (a write on every page view cost
-- more than the page: the bench's signed-in list ran at an eighth of a
-- one-query page), so the idle limit is kept to within a minute. PL/pgSQL,
-- so that its plans are kept per connection.
CREATE OR REPLACE FUNCTION session_touch(p_token_hash text,
    OUT user_id bigint, OUT email text, OUT display_name text,
    OUT is_admin boolean, OUT has_totp boolean, OUT mfa_ok boolean,
    OUT csrf text)
RETURNS SETOF record
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	s sessions;
BEGIN
	SELECT * INTO s FROM sessions
	WHERE token_hash = p_token_hash AND expires_at > now()
	    AND last_seen > now() - interval '2 hours';
	IF NOT FOUND THEN
		RETURN;
	END IF;
	IF s.last_seen < now() - interval '1 minute' THEN
		UPDATE sessions SET last_seen = now()
		WHERE token_hash = p_token_hash;
	END IF;

	RETURN QUERY SELECT u.id, u.email::text, u.display_name, u.is_admin,
	    u.totp_secret IS NOT NULL, s.mfa_ok, s.csrf
	FROM users u WHERE u.id = s.user_id AND u.disabled_at IS NULL;
END
$$;

CREATE OR REPLACE FUNCTION session_end(p_token_hash text, p_ip text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
CREATE OR REPLACE FUNCTION session_prune() RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	WITH gone AS (
		DELETE FROM sessions WHERE expires_at <= now()
		    OR last_seen <= now() - interval '2 hours'
		RETURNING 1)
	SELECT count(*)::integer FROM gone
$$;

-- Deletes what nobody needs any more and would only be personal data at
-- rest: expired sessions (their address and browser), used or expired
-- links, throttle counters a day past their window, and mail delivered
-- or given up more than a week ago (its body went at once). The
-- operator's (laurelctl prune, hourly from deploy/).
CREATE OR REPLACE FUNCTION prune(OUT sessions integer, OUT tokens integer,
    OUT throttles integer, OUT mails integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	sessions := session_prune();
	DELETE FROM user_tokens WHERE used_at IS NOT NULL
	    OR expires_at <= now();
	GET DIAGNOSTICS tokens = ROW_COUNT;
	DELETE FROM throttle WHERE window_start < now() - interval '1 day';
	GET DIAGNOSTICS throttles = ROW_COUNT;
	DELETE FROM outbox WHERE created_at < now() - interval '7 days'
	    AND (sent_at IS NOT NULL OR next_attempt = 'infinity');
	GET DIAGNOSTICS mails = ROW_COUNT;
END
$$;
REVOKE ALL ON FUNCTION prune() FROM PUBLIC;

-- Two-step sign-in (TOTP): enrolment, confirmation with a first code and
-- ten single-use recovery codes, and the second step of a sign-in.

-- A new secret to enrol, shown once as a QR code; replaced at each visit
-- until confirmed.
CREATE OR REPLACE FUNCTION totp_begin(p_user bigint, p_secret text)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
	UPDATE users SET totp_pending = p_secret
	WHERE id = p_user AND totp_secret IS NULL
$$;

-- Confirms enrolment with a first valid code (checked by the app against
-- the pending secret it read). Stores the recovery codes' hashes, and
-- gives the session a new token: a change of privilege.
CREATE OR REPLACE FUNCTION totp_confirm(p_user bigint, p_secret text,
    p_step bigint, p_recovery text[], p_old_session text,
    p_new_session text, p_ip text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	UPDATE users SET totp_secret = p_secret, totp_pending = NULL,
	    totp_last_step = p_step
	WHERE id = p_user AND totp_secret IS NULL AND totp_pending = p_secret;
	IF NOT FOUND THEN
		RETURN false;
	END IF;

	DELETE FROM recovery_codes WHERE user_id = p_user;
	INSERT INTO recovery_codes (user_id, code_hash)
	SELECT p_user, unnest(p_recovery);

	UPDATE sessions SET token_hash = p_new_session, mfa_ok = true
	WHERE token_hash = p_old_session AND user_id = p_user;

	PERFORM audit_log(p_user, 'totp.enable', 'user:' || p_user, p_ip,
	    jsonb_build_object('totp', false), jsonb_build_object('totp', true));
	RETURN true;
END
$$;

-- What the second step of a sign-in needs: the secret and the last step
-- used. The attempt is counted first, as for the password (login_begin),
-- and given back when it succeeds (totp_login).
CREATE OR REPLACE FUNCTION totp_state(p_user bigint,
    OUT secret text, OUT last_step bigint, OUT allowed boolean,
    OUT retry_after integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	SELECT h.allowed, h.retry_after INTO allowed, retry_after
	FROM throttle_hit('totp-user:' || p_user, 10, interval '15 minutes') h;
	IF NOT allowed THEN
		RETURN;
	END IF;
	SELECT u.totp_secret, u.totp_last_step INTO secret, last_step
	FROM users u WHERE u.id = p_user;
END
$$;

-- The second step. Either a TOTP step the app found valid (accepted only
-- if newer than the last one used: no code works twice) or the hash of a
-- recovery code (accepted once). On success the session is complete and
-- gets a new token. Returns 'ok', 'replay', 'bad'.
CREATE OR REPLACE FUNCTION totp_login(p_user bigint, p_step bigint,
    p_recovery text, p_old_session text, p_new_session text, p_ip text,
    OUT outcome text, OUT number bigint, OUT detail text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	IF p_step IS NOT NULL THEN
		UPDATE users SET totp_last_step = p_step
		WHERE id = p_user AND totp_last_step < p_step;
		IF NOT FOUND THEN
			outcome := 'replay';
			RETURN;
		END IF;
	ELSIF p_recovery IS NOT NULL THEN
		UPDATE recovery_codes SET used_at = now()
		WHERE user_id = p_user AND code_hash = p_recovery
		    AND used_at IS NULL;
		IF NOT FOUND THEN
			PERFORM audit_log(p_user, 'login.totp_fail',
			    'user:' || p_user, p_ip, NULL, NULL);
			outcome := 'bad';
			RETURN;
		END IF;
	ELSE
		PERFORM audit_log(p_user, 'login.totp_fail', 'user:' || p_user,
		    p_ip, NULL, NULL);
		outcome := 'bad';
		RETURN;
	END IF;

	PERFORM throttle_refund(ARRAY['totp-user:' || p_user]);
	UPDATE sessions SET token_hash = p_new_session, mfa_ok = true
	WHERE token_hash = p_old_session AND user_id = p_user;
	PERFORM audit_log(p_user, CASE WHEN p_step IS NULL
	    THEN 'login.recovery_code' ELSE 'login.success' END,
	    'user:' || p_user, p_ip, NULL, NULL);
	outcome := 'ok';
	RETURN;
END
$$;

-- Forgotten passwords: a single-use link valid one hour, the same answer
-- whether or not the address has an account, and a reset signs out every
-- session of the account.
CREATE OR REPLACE FUNCTION password_reset_request(p_email text,
    p_token_hash text, p_ip text, p_subject text, p_body text,
    OUT allowed boolean, OUT retry_after integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_user bigint;
	a record;
	b record;
BEGIN
	SELECT * INTO a FROM throttle_hit('reset-ip:' || p_ip, 10,
	    interval '15 minutes');
	SELECT * INTO b FROM throttle_hit('reset-user:' || lower(p_email), 3,
	    interval '15 minutes');
	allowed := a.allowed AND b.allowed;
	retry_after := greatest(a.retry_after, b.retry_after);
	IF NOT allowed THEN
		RETURN;
	END IF;

	SELECT id INTO v_user FROM users
	WHERE email = p_email AND disabled_at IS NULL;
	IF NOT FOUND THEN
		RETURN;
	END IF;

	-- Only the newest link works.
	UPDATE user_tokens SET used_at = now()
	WHERE user_id = v_user AND purpose = 'reset' AND used_at IS NULL;
	INSERT INTO user_tokens (token_hash, user_id, purpose, expires_at)
	VALUES (p_token_hash, v_user, 'reset', now() + interval '1 hour');
	PERFORM outbox_add(p_email, p_subject, p_body);
	PERFORM audit_log(v_user, 'password.reset_request', 'user:' || v_user,
	    p_ip, NULL, NULL);
END
$$;

CREATE OR REPLACE FUNCTION password_reset_valid(p_token_hash text)
RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	RETURN (
		SELECT EXISTS (SELECT 1 FROM user_tokens
		    WHERE token_hash = p_token_hash AND purpose = 'reset'
		    AND used_at IS NULL AND expires_at > now())
	);
END
$$;

-- Sets the new password from a valid link. A reset also proves the
-- address, so an unverified account becomes verified.
CREATE OR REPLACE FUNCTION password_reset(p_token_hash text, p_hash text,
    p_ip text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_user bigint;
BEGIN
	UPDATE user_tokens SET used_at = now()
	WHERE token_hash = p_token_hash AND purpose = 'reset'
	    AND used_at IS NULL AND expires_at > now()
	RETURNING user_id INTO v_user;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;

	UPDATE users SET password_hash = p_hash,
	    verified_at = coalesce(verified_at, now())
	WHERE id = v_user;
	DELETE FROM sessions WHERE user_id = v_user;
	PERFORM audit_log(v_user, 'password.reset', 'user:' || v_user, p_ip,
	    NULL, NULL);
	RETURN v_user;
END
$$;

-- Changes a signed-in person makes on /account: name, password, e-mail
-- address (effective once the new address is confirmed, the old one
-- told), and signing out everywhere.
CREATE OR REPLACE FUNCTION account_rename(p_user bigint, p_name text,
    p_ip text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_old text;
BEGIN
	SELECT display_name INTO v_old FROM users WHERE id = p_user FOR UPDATE;
	IF v_old IS DISTINCT FROM p_name THEN
		UPDATE users SET display_name = p_name WHERE id = p_user;
		PERFORM audit_log(p_user, 'user.rename', 'user:' || p_user, p_ip,
		    jsonb_build_object('display_name', v_old),
		    jsonb_build_object('display_name', p_name));
	END IF;
END
$$;

-- A new password: every other session ends, this one gets a new token.
CREATE OR REPLACE FUNCTION account_password(p_user bigint, p_hash text,
    p_old_session text, p_new_session text, p_ip text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	UPDATE users SET password_hash = p_hash WHERE id = p_user;
	DELETE FROM sessions WHERE user_id = p_user
	    AND token_hash <> p_old_session;
	UPDATE sessions SET token_hash = p_new_session
	WHERE token_hash = p_old_session AND user_id = p_user;
	PERFORM audit_log(p_user, 'password.change', 'user:' || p_user, p_ip,
	    NULL, NULL);
END
$$;

-- Asks to move the account to a new address: a link to the new address,
-- a notice to the old one. Taken addresses get the same answer (no
-- probing), and no link.
CREATE OR REPLACE FUNCTION account_email_request(p_user bigint, p_new text,
    p_token_hash text, p_ip text, p_new_subject text, p_new_body text,
    p_old_subject text, p_old_body text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_old text;
BEGIN
	SELECT email INTO v_old FROM users WHERE id = p_user;
	PERFORM outbox_add(v_old, p_old_subject, p_old_body);
	PERFORM audit_log(p_user, 'user.email_request', 'user:' || p_user,
	    p_ip, jsonb_build_object('email', v_old),
	    jsonb_build_object('email', p_new));
	IF EXISTS (SELECT 1 FROM users WHERE email = p_new) THEN
		RETURN;
	END IF;

	UPDATE user_tokens SET used_at = now()
	WHERE user_id = p_user AND purpose = 'email' AND used_at IS NULL;
	INSERT INTO user_tokens (token_hash, user_id, purpose, new_email,
	    expires_at)
	VALUES (p_token_hash, p_user, 'email', p_new,
	    now() + interval '24 hours');
	PERFORM outbox_add(p_new, p_new_subject, p_new_body);
END
$$;

CREATE OR REPLACE FUNCTION account_signout_all(p_user bigint, p_ip text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
	DELETE FROM sessions WHERE user_id = p_user;
	PERFORM audit_log(p_user, 'logout.everywhere', 'user:' || p_user, p_ip,
	    NULL, NULL);
END
$$;

-- The account page in one query: the person's sessions.
-- VOLATILE, though it only reads: the page selects it with session_touch()
-- in one statement, and a STABLE function would see the sessions as they
-- were before that statement marked this one as just seen.
CREATE OR REPLACE FUNCTION account_sessions(p_user bigint)
RETURNS TABLE (token_hash text, created_at text, last_seen text, ip text,
    user_agent text)
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT s.token_hash,
	    to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
	    to_char(s.last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
	    coalesce(host(s.ip), ''), coalesce(s.user_agent, '')
	FROM sessions s WHERE s.user_id = p_user
	ORDER BY s.last_seen DESC
$$;

-- The operator's commands (laurelctl user): each one function, so that the
-- change and its audit entry commit together.

-- A verified account made by the operator; NULL when the e-mail is taken.
CREATE OR REPLACE FUNCTION ctl_user_create(p_email citext, p_name text,
    p_hash text, p_admin boolean) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	v_id bigint;
BEGIN
	INSERT INTO users (email, display_name, password_hash, is_admin,
	    verified_at)
	VALUES (p_email, p_name, p_hash, p_admin, now())
	ON CONFLICT (email) DO NOTHING
	RETURNING id INTO v_id;
	IF v_id IS NULL THEN
		RETURN NULL;
	END IF;
	PERFORM audit_log(NULL, 'user.create', 'user:' || v_id, '', NULL,
	    jsonb_build_object('email', p_email, 'display_name', p_name,
	    'is_admin', p_admin));
	RETURN v_id;
END
$$;

-- 'unknown', 'already', or 'done' (with its audit entry).
CREATE OR REPLACE FUNCTION ctl_user_set_admin(p_email citext, p_admin boolean)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	u users;
BEGIN
	SELECT * INTO u FROM users WHERE email = p_email FOR UPDATE;
	IF NOT FOUND THEN
		RETURN 'unknown';
	END IF;
	IF u.is_admin = p_admin THEN
		RETURN 'already';
	END IF;
	UPDATE users SET is_admin = p_admin WHERE id = u.id;
	-- A change of privilege: the person signs in again, with a new token.
	DELETE FROM sessions WHERE user_id = u.id;
	PERFORM audit_log(NULL,
	    CASE WHEN p_admin THEN 'user.promote' ELSE 'user.demote' END,
	    'user:' || u.id, '', jsonb_build_object('is_admin', u.is_admin),
	    jsonb_build_object('is_admin', p_admin));
	RETURN 'done';
END
$$;

-- Disables the account and signs it out everywhere at once.
-- status: 'unknown', 'already' or 'done'; sessions: how many ended.
CREATE OR REPLACE FUNCTION ctl_user_disable(p_email citext, OUT status text,
    OUT sessions integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	u users;
	v_at timestamptz;
BEGIN
	sessions := 0;
	SELECT * INTO u FROM users WHERE email = p_email FOR UPDATE;
	IF NOT FOUND THEN
		status := 'unknown';
		RETURN;
	END IF;
	IF u.disabled_at IS NOT NULL THEN
		status := 'already';
		RETURN;
	END IF;
	UPDATE users SET disabled_at = now() WHERE id = u.id
	    RETURNING disabled_at INTO v_at;
	DELETE FROM sessions WHERE user_id = u.id;
	GET DIAGNOSTICS sessions = ROW_COUNT;
	PERFORM audit_log(NULL, 'user.disable', 'user:' || u.id, '',
	    jsonb_build_object('disabled_at', u.disabled_at),
	    jsonb_build_object('disabled_at', v_at, 'sessions_ended', sessions));
	status := 'done';
END
$$;

-- Operator powers: not for the application's role.
REVOKE EXECUTE ON FUNCTION ctl_user_create(citext, text, text, boolean),
    ctl_user_set_admin(citext, boolean), ctl_user_disable(citext)
    FROM PUBLIC;
