-- Changes a signed-in person makes on /account: name, password, e-mail
-- address (effective once the new address is confirmed, the old one
-- told), and signing out everywhere.

CREATE FUNCTION account_rename(p_user bigint, p_name text, p_ip text)
RETURNS void
LANGUAGE plpgsql AS $$
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
CREATE FUNCTION account_password(p_user bigint, p_hash text,
    p_old_session text, p_new_session text, p_ip text) RETURNS void
LANGUAGE plpgsql AS $$
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
CREATE FUNCTION account_email_request(p_user bigint, p_new text,
    p_token_hash text, p_ip text, p_new_subject text, p_new_body text,
    p_old_subject text, p_old_body text) RETURNS void
LANGUAGE plpgsql AS $$
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

CREATE FUNCTION account_signout_all(p_user bigint, p_ip text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM sessions WHERE user_id = p_user;
	PERFORM audit_log(p_user, 'logout.everywhere', 'user:' || p_user, p_ip,
	    NULL, NULL);
END
$$;

-- The account page in one query: the person's sessions.
CREATE FUNCTION account_sessions(p_user bigint)
RETURNS TABLE (token_hash text, created_at text, last_seen text, ip text,
    user_agent text)
LANGUAGE sql STABLE AS $$
	SELECT s.token_hash,
	    to_char(s.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
	    to_char(s.last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),
	    coalesce(host(s.ip), ''), coalesce(s.user_agent, '')
	FROM sessions s WHERE s.user_id = p_user
	ORDER BY s.last_seen DESC
$$;
