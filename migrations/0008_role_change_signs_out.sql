-- Promotion and demotion end the person's sessions, so the next
-- sign-in gets a new token with the new privileges (and a demotion
-- takes effect at once everywhere).

CREATE OR REPLACE FUNCTION ctl_user_set_admin(p_email citext, p_admin boolean)
RETURNS text
LANGUAGE plpgsql AS $$
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
