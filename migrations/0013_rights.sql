-- The one place that says what a user may do with an application: the
-- caller's relation to it ('owner', 'admin' or 'none'; reviewers and
-- conflicted reviewers come with the panel, as more rows here) and what
-- that allows: 'view' (it and its versions), 'files' (its documents),
-- 'edit' (change it now: not withdrawn, deadline not passed), 'withdraw'.
-- Every function that reads or changes an application asks it (through
-- application_owned() below); the C side reads the same answer through
-- application_rights() in the page's query (src/web/authz.c).
CREATE FUNCTION application_access(p_app bigint, p_user bigint,
    OUT relation text, OUT allows text[])
LANGUAGE plpgsql STABLE AS $$
DECLARE
	a applications;
	v_closes timestamptz;
BEGIN
	relation := 'none';
	allows := '{}';
	IF p_user IS NULL THEN
		RETURN;
	END IF;
	SELECT * INTO a FROM applications WHERE id = p_app;
	IF NOT FOUND THEN
		RETURN;
	END IF;

	IF a.owner_id = p_user THEN
		relation := 'owner';
		allows := ARRAY['view', 'files'];
		IF a.state <> 'withdrawn' THEN
			allows := allows || ARRAY['withdraw'];
			SELECT closes_at INTO v_closes FROM rounds
			WHERE id = a.round_id;
			IF now() < v_closes THEN
				allows := allows || ARRAY['edit'];
			END IF;
		END IF;
		RETURN;
	END IF;

	-- Administrators' pages on applications come with the panel and
	-- publication issues; until then they see nothing of them.
	IF EXISTS (SELECT 1 FROM users WHERE id = p_user AND is_admin) THEN
		relation := 'admin';
	END IF;
END
$$;

CREATE FUNCTION application_rights(p_app bigint, p_user bigint)
RETURNS json
LANGUAGE sql STABLE AS $$
	SELECT json_build_object('relation', x.relation, 'allows', x.allows)
	FROM application_access(p_app, p_user) x
$$;

-- The application, when the user may see it: what every function that
-- reads or changes one starts from.
CREATE OR REPLACE FUNCTION application_owned(p_app bigint, p_user bigint)
RETURNS applications
LANGUAGE sql STABLE AS $$
	SELECT a.* FROM applications a
	WHERE a.id = p_app
	AND 'view' = ANY ((application_access(p_app, p_user)).allows)
$$;
