-- Registrations are throttled per client address (10 an hour); the
-- answer says when to try again.

CREATE OR REPLACE FUNCTION user_register(p_email text, p_name text, p_hash text,
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
