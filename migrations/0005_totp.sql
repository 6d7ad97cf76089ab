-- Two-step sign-in (TOTP): enrolment, confirmation with a first code and
-- ten single-use recovery codes, and the second step of a sign-in.

-- A new secret to enrol, shown once as a QR code; replaced at each visit
-- until confirmed.
CREATE FUNCTION totp_begin(p_user bigint, p_secret text) RETURNS void
LANGUAGE sql AS $$
	UPDATE users SET totp_pending = p_secret
	WHERE id = p_user AND totp_secret IS NULL
$$;

-- Confirms enrolment with a first valid code (checked by the app against
-- the pending secret it read). Stores the recovery codes' hashes, and
-- gives the session a new token: a change of privilege.
CREATE FUNCTION totp_confirm(p_user bigint, p_secret text, p_step bigint,
    p_recovery text[], p_old_session text, p_new_session text, p_ip text)
RETURNS boolean
LANGUAGE plpgsql AS $$
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

-- What the second step of a sign-in needs: the secret, the last step
-- used, and whether the attempts of this account are under the limit.
CREATE FUNCTION totp_state(p_user bigint,
    OUT secret text, OUT last_step bigint, OUT allowed boolean,
    OUT retry_after integer)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	t record;
BEGIN
	SELECT * INTO t FROM throttle_peek('totp-user:' || p_user, 10,
	    interval '15 minutes');
	allowed := t.allowed;
	retry_after := t.retry_after;
	SELECT u.totp_secret, u.totp_last_step INTO secret, last_step
	FROM users u WHERE u.id = p_user;
END
$$;

-- The second step. Either a TOTP step the app found valid (accepted only
-- if newer than the last one used: no code works twice) or the hash of a
-- recovery code (accepted once). On success the session is complete and
-- gets a new token. Returns 'ok', 'replay', 'bad'.
CREATE FUNCTION totp_login(p_user bigint, p_step bigint, p_recovery text,
    p_old_session text, p_new_session text, p_ip text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	IF p_step IS NOT NULL THEN
		UPDATE users SET totp_last_step = p_step
		WHERE id = p_user AND totp_last_step < p_step;
		IF NOT FOUND THEN
			PERFORM throttle_hit('totp-user:' || p_user, 10,
			    interval '15 minutes');
			RETURN 'replay';
		END IF;
	ELSIF p_recovery IS NOT NULL THEN
		UPDATE recovery_codes SET used_at = now()
		WHERE user_id = p_user AND code_hash = p_recovery
		    AND used_at IS NULL;
		IF NOT FOUND THEN
			PERFORM throttle_hit('totp-user:' || p_user, 10,
			    interval '15 minutes');
			PERFORM audit_log(p_user, 'login.totp_fail',
			    'user:' || p_user, p_ip, NULL, NULL);
			RETURN 'bad';
		END IF;
	ELSE
		PERFORM throttle_hit('totp-user:' || p_user, 10,
		    interval '15 minutes');
		PERFORM audit_log(p_user, 'login.totp_fail', 'user:' || p_user,
		    p_ip, NULL, NULL);
		RETURN 'bad';
	END IF;

	UPDATE sessions SET token_hash = p_new_session, mfa_ok = true
	WHERE token_hash = p_old_session AND user_id = p_user;
	PERFORM audit_log(p_user, CASE WHEN p_step IS NULL
	    THEN 'login.recovery_code' ELSE 'login.success' END,
	    'user:' || p_user, p_ip, NULL, NULL);
	RETURN 'ok';
END
$$;
