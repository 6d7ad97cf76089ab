-- session_touch wrote last_seen on every page view: with many signed-in
-- users that write costs more than the page (the bench's signed-in list
-- ran at an eighth of a one-query page). It now moves last_seen at most
-- once a minute, so the idle limit of 2 hours is kept to within a minute,
-- and it is PL/pgSQL so that its plans are kept per connection.
CREATE OR REPLACE FUNCTION session_touch(p_token_hash text,
    OUT user_id bigint, OUT email text, OUT display_name text,
    OUT is_admin boolean, OUT has_totp boolean, OUT mfa_ok boolean,
    OUT csrf text)
RETURNS SETOF record
LANGUAGE plpgsql AS $$
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
