-- What laurelctl needs: its user commands, each one function so that the
-- change and its audit entry commit together, and a wake-up call for
-- `laurelctl mail`.

-- A verified account made by the operator; NULL when the e-mail is taken.
CREATE FUNCTION ctl_user_create(p_email citext, p_name text, p_hash text,
    p_admin boolean) RETURNS bigint
LANGUAGE plpgsql AS $$
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
CREATE FUNCTION ctl_user_set_admin(p_email citext, p_admin boolean)
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

-- Disables the account and signs it out everywhere at once.
-- status: 'unknown', 'already' or 'done'; sessions: how many ended.
CREATE FUNCTION ctl_user_disable(p_email citext, OUT status text,
    OUT sessions integer)
LANGUAGE plpgsql AS $$
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

-- `laurelctl mail` LISTENs on 'outbox'; the notification is sent when the
-- inserting transaction commits, so the mailer never sees a row early.
CREATE FUNCTION outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('outbox', '');
	RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify AFTER INSERT ON outbox
	FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();
