-- Forgotten passwords: a single-use link valid one hour, the same answer
-- whether or not the address has an account, and a reset signs out every
-- session of the account.

CREATE FUNCTION password_reset_request(p_email text, p_token_hash text,
    p_ip text, p_subject text, p_body text,
    OUT allowed boolean, OUT retry_after integer)
LANGUAGE plpgsql AS $$
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

CREATE FUNCTION password_reset_valid(p_token_hash text) RETURNS boolean
LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT 1 FROM user_tokens
	    WHERE token_hash = p_token_hash AND purpose = 'reset'
	    AND used_at IS NULL AND expires_at > now())
$$;

-- Sets the new password from a valid link. A reset also proves the
-- address, so an unverified account becomes verified.
CREATE FUNCTION password_reset(p_token_hash text, p_hash text, p_ip text)
RETURNS bigint
LANGUAGE plpgsql AS $$
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
