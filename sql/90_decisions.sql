-- Deciding and publishing (SPEC §5, issue 13): closing review, the
-- panel's decisions and citations, the preview, the one publish action,
-- and the rule that a published round no longer changes.
--
-- Every function the pages call asks user_is_admin() (through
-- round_of_admin()) itself; an admin conflicted with an application
-- neither sees nor decides it.

/*
 * A published round is read-only (SPEC §2): one trigger on every table
 * that holds a round's content refuses to insert, change or delete a row
 * of a published round, whichever function tries (a page that forgot
 * its own check included). SQLSTATE LRPUB, which web/db.c answers with
 * the 409 page. Erasing personal data is never refused: account_delete()
 * says it is erasing (laurel.erasing, for its transaction only), and
 * what goes with the account goes. The trigger's arguments name the
 * columns that may still change: a user reference set to NULL when that
 * user goes, and the correction of a citation (decisions_save()).
 */
CREATE OR REPLACE FUNCTION round_frozen() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
	v_row	jsonb;
	v_round	bigint;
BEGIN
	IF TG_OP = 'DELETE' AND
	    current_setting('laurel.erasing', true) = 'on' THEN
		RETURN OLD;
	END IF;
	IF TG_TABLE_NAME = 'application_files' THEN
		/*
		 * A document's row holds megabytes of ciphertext: to_jsonb()
		 * of it cost 90 ms an upload, as hex text, only to read
		 * application_id (issue 16). Its rows change only whole
		 * (upload, delete, a key rotation's new ciphertext).
		 */
		v_row := jsonb_build_object('application_id',
		    CASE WHEN TG_OP = 'DELETE' THEN OLD.application_id
		    ELSE NEW.application_id END);
	ELSIF TG_OP = 'DELETE' THEN
		v_row := to_jsonb(OLD);
	ELSE
		v_row := to_jsonb(NEW);
		IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) - TG_ARGV::text[]) =
		    (v_row - TG_ARGV::text[]) THEN
			RETURN NEW;
		END IF;
	END IF;
	IF TG_TABLE_NAME = 'rounds' THEN
		IF OLD.published_at IS NOT NULL THEN
			RAISE EXCEPTION 'round % is published', OLD.slug
			    USING ERRCODE = 'LRPUB';
		END IF;
		RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
	END IF;

	IF v_row ? 'round_id' THEN
		v_round := (v_row ->> 'round_id')::bigint;
	ELSIF v_row ? 'application_id' THEN
		SELECT a.round_id INTO v_round FROM applications a
		WHERE a.id = (v_row ->> 'application_id')::bigint;
	ELSE
		SELECT s.round_id INTO v_round FROM assignments s
		WHERE s.id = (v_row ->> 'assignment_id')::bigint;
	END IF;
	IF EXISTS (SELECT 1 FROM rounds r WHERE r.id = v_round
	    AND r.published_at IS NOT NULL) THEN
		RAISE EXCEPTION 'round % is published', v_round
		    USING ERRCODE = 'LRPUB';
	END IF;
	RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END
$$;
REVOKE ALL ON FUNCTION round_frozen() FROM PUBLIC;

CREATE OR REPLACE TRIGGER rounds_frozen BEFORE UPDATE OR DELETE ON rounds
	FOR EACH ROW EXECUTE FUNCTION round_frozen();
CREATE OR REPLACE TRIGGER round_categories_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON round_categories FOR EACH ROW EXECUTE FUNCTION round_frozen();
CREATE OR REPLACE TRIGGER round_countries_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON round_countries FOR EACH ROW EXECUTE FUNCTION round_frozen();
CREATE OR REPLACE TRIGGER rubric_criteria_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON rubric_criteria FOR EACH ROW EXECUTE FUNCTION round_frozen();
CREATE OR REPLACE TRIGGER applications_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON applications FOR EACH ROW EXECUTE FUNCTION round_frozen('owner_id');
CREATE OR REPLACE TRIGGER application_versions_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON application_versions FOR EACH ROW EXECUTE FUNCTION round_frozen();
CREATE OR REPLACE TRIGGER application_files_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON application_files FOR EACH ROW EXECUTE FUNCTION round_frozen();
CREATE OR REPLACE TRIGGER application_receipts_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON application_receipts FOR EACH ROW EXECUTE FUNCTION round_frozen();
CREATE OR REPLACE TRIGGER panel_invitations_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON panel_invitations FOR EACH ROW
	EXECUTE FUNCTION round_frozen('invited_by', 'accepted_by');
CREATE OR REPLACE TRIGGER panel_members_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON panel_members FOR EACH ROW EXECUTE FUNCTION round_frozen();
CREATE OR REPLACE TRIGGER conflicts_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON conflicts FOR EACH ROW EXECUTE FUNCTION round_frozen('created_by');
CREATE OR REPLACE TRIGGER assignments_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON assignments FOR EACH ROW EXECUTE FUNCTION round_frozen('created_by');
CREATE OR REPLACE TRIGGER reviews_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON reviews FOR EACH ROW EXECUTE FUNCTION round_frozen();
CREATE OR REPLACE TRIGGER review_scores_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON review_scores FOR EACH ROW EXECUTE FUNCTION round_frozen();
CREATE OR REPLACE TRIGGER review_versions_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON review_versions FOR EACH ROW EXECUTE FUNCTION round_frozen();
CREATE OR REPLACE TRIGGER consensus_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON consensus FOR EACH ROW EXECUTE FUNCTION round_frozen('recorded_by');
CREATE OR REPLACE TRIGGER consensus_scores_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON consensus_scores FOR EACH ROW EXECUTE FUNCTION round_frozen();
CREATE OR REPLACE TRIGGER decisions_frozen BEFORE INSERT OR UPDATE OR DELETE
	ON decisions FOR EACH ROW EXECUTE FUNCTION round_frozen('decided_by',
	'citation', 'corrected_by', 'corrected_at');

/*
 * What publication would write into awards, computed from the decisions
 * and each application's latest submitted content: the recognised
 * practices (not "not selected"), the summary only where the applicant
 * allowed its publication. The preview renders exactly these rows with
 * the public templates, and round_publish() inserts exactly these.
 */
CREATE OR REPLACE FUNCTION awards_preview(p_round bigint) RETURNS SETOF awards
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	SELECT a.round_id, a.reference, a.id, d.decision, a.category,
	    coalesce(nullif(v.content ->> 'title', ''), a.title, ''),
	    coalesce(v.content ->> 'organisation_name', ''),
	    nullif(v.content ->> 'country', '')::char(2),
	    CASE WHEN v.content ->> 'declare_publish' = 'yes'
		THEN nullif(v.content ->> 'summary', '') END,
	    d.citation
	FROM decisions d
	JOIN applications a ON a.id = d.application_id
	    AND a.state = 'submitted'
	JOIN application_versions v ON v.application_id = a.id
	    AND v.version = a.version
	WHERE d.round_id = p_round AND d.decision <> 'not_selected'
$$;
REVOKE ALL ON FUNCTION awards_preview(bigint) FROM PUBLIC;

/*
 * Closing review (reviewing -> deciding): reviews can no longer change
 * (review_open() asks review_closed_at), and decisions may be recorded.
 * 'closed', 'phase' (the round is not reviewing) or NULL (no such round,
 * or the caller is no administrator).
 */
CREATE OR REPLACE FUNCTION round_close_review(p_slug text, p_user bigint,
    p_ip text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r rounds;
BEGIN
	SELECT * INTO r FROM rounds WHERE slug = p_slug AND user_is_admin(p_user)
	FOR UPDATE;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	IF round_phase(r) <> 'reviewing' THEN
		RETURN 'phase';
	END IF;
	UPDATE rounds SET review_closed_at = now() WHERE id = r.id;
	PERFORM audit_log(p_user, 'round.close_review', 'round:' || r.id, p_ip,
	    jsonb_build_object('phase', 'reviewing'),
	    jsonb_build_object('phase', 'deciding'));
	RETURN 'closed';
END
$$;

/*
 * The decisions an admin entered on the ranking page: p_decisions is
 * {"<application id>": {"decision": "winner"|...|"" (undecided),
 * "citation": text}} for the applications the page showed; the page has
 * checked each value (core/decide.c). While the round is deciding each
 * is recorded (an empty decision clears it); once it is published only
 * the citation of a recognised practice may change, and it changes in
 * the public record too, audited with before and after. An application
 * the admin may not decide (not submitted, of another round, conflicted)
 * is left alone and counted in 'skipped'.
 *
 * {outcome: 'saved'|'phase', changed: n, skipped: n}, or NULL (no such
 * round, or the caller is no administrator).
 */
CREATE OR REPLACE FUNCTION decisions_save(p_slug text, p_user bigint,
    p_ip text, p_decisions jsonb) RETURNS json
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r		rounds;
	v_phase		text;
	e		record;
	d		decisions;
	v_app		bigint;
	v_dec		text;
	v_cit		text;
	v_changed	integer := 0;
	v_skipped	integer := 0;
BEGIN
	SELECT * INTO r FROM rounds WHERE slug = p_slug AND user_is_admin(p_user)
	FOR UPDATE;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	v_phase := round_phase(r);
	IF v_phase NOT IN ('deciding', 'published') THEN
		RETURN json_build_object('outcome', 'phase');
	END IF;

	FOR e IN SELECT key, value FROM jsonb_each(p_decisions) ORDER BY key
	LOOP
		v_app := e.key::bigint;
		v_dec := coalesce(e.value ->> 'decision', '');
		v_cit := coalesce(e.value ->> 'citation', '');
		IF NOT EXISTS (SELECT 1 FROM applications a WHERE a.id = v_app
		    AND a.round_id = r.id AND a.state = 'submitted') OR
		    conflict_between(v_app, p_user) THEN
			v_skipped := v_skipped + 1;
			CONTINUE;
		END IF;
		SELECT * INTO d FROM decisions WHERE application_id = v_app;

		IF v_phase = 'published' THEN
			-- A decision given is the one published, or nothing
			-- of it is taken: the round no longer changes.
			IF v_dec <> '' AND v_dec IS DISTINCT FROM d.decision THEN
				RAISE EXCEPTION 'round % is published', r.slug
				    USING ERRCODE = 'LRPUB';
			END IF;
			IF d.decision IS NULL OR d.decision = 'not_selected' OR
			    d.citation = v_cit THEN
				CONTINUE;
			END IF;
			UPDATE decisions SET citation = v_cit,
			    corrected_by = p_user, corrected_at = now()
			WHERE application_id = v_app;
			UPDATE awards SET citation = v_cit
			WHERE round_id = r.id AND application_id = v_app;
			PERFORM audit_log(p_user, 'decision.correct_citation',
			    'application:' || v_app, p_ip,
			    jsonb_build_object('citation', d.citation),
			    jsonb_build_object('citation', v_cit));
			v_changed := v_changed + 1;
			CONTINUE;
		END IF;

		IF v_dec = 'not_selected' THEN
			v_cit := '';
		END IF;
		IF v_dec = '' THEN
			IF d.decision IS NOT NULL THEN
				DELETE FROM decisions WHERE application_id = v_app;
				PERFORM audit_log(p_user, 'decision.clear',
				    'application:' || v_app, p_ip,
				    jsonb_build_object('decision', d.decision,
				    'citation', d.citation), NULL);
				v_changed := v_changed + 1;
			END IF;
			CONTINUE;
		END IF;
		IF d.decision IS NOT DISTINCT FROM v_dec AND d.citation = v_cit THEN
			CONTINUE;
		END IF;
		INSERT INTO decisions (application_id, round_id, decision,
		    citation, decided_by)
		VALUES (v_app, r.id, v_dec, v_cit, p_user)
		ON CONFLICT (application_id) DO UPDATE SET
		    decision = excluded.decision, citation = excluded.citation,
		    decided_by = excluded.decided_by, decided_at = now();
		PERFORM audit_log(p_user, 'decision.record',
		    'application:' || v_app, p_ip,
		    CASE WHEN d.decision IS NOT NULL THEN jsonb_build_object(
			'decision', d.decision, 'citation', d.citation) END,
		    jsonb_build_object('decision', v_dec, 'citation', v_cit));
		v_changed := v_changed + 1;
	END LOOP;

	IF v_phase = 'published' AND v_changed > 0 THEN
		PERFORM pg_notify('laurel_awards', r.slug);
	END IF;
	RETURN json_build_object('outcome', 'saved', 'changed', v_changed,
	    'skipped', v_skipped);
END
$$;

/*
 * Every submitted application of a round as publication will treat it:
 * its decision, citation, its owner's address (NULL once the account is
 * gone) and the feedback it is told: the consensus feedback where the
 * panel recorded one, else each counted reviewer's (submitted reviews of
 * active assignments, the reviewer not conflicted: round_conflicts(), as
 * the agenda counts them), labelled Reviewer 1, 2, 3 in the order of
 * assignment; never a confidential comment, never a name. Set-wise: one
 * pass over the round's reviews, whatever its size. Its md5 is the
 * stamp that round_publish() compares: the e-mails rendered from it are
 * those of the round as it is when they are written, or the publication
 * is refused.
 */
CREATE OR REPLACE FUNCTION publish_snapshot(p_round bigint) RETURNS jsonb
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
	WITH said AS (SELECT s.application_id, v.feedback, row_number() OVER (
		    PARTITION BY s.application_id ORDER BY s.id) AS n
		FROM round_counted_assignments(p_round) s
		JOIN reviews v ON v.assignment_id = s.id
		WHERE v.state = 'submitted' AND btrim(v.feedback) <> ''),
	reviewers AS (SELECT said.application_id, jsonb_agg(jsonb_build_object(
		    'label', 'Reviewer ' || said.n, 'text', said.feedback)
		    ORDER BY said.n) AS feedback
		FROM said GROUP BY said.application_id)
	SELECT coalesce(jsonb_agg(jsonb_build_object('id', a.id,
	    'reference', a.reference, 'title', a.title,
	    'category', a.category, 'version', a.version,
	    'decision', d.decision, 'citation', d.citation,
	    'feedback', CASE WHEN btrim(coalesce(c.feedback, '')) <> '' THEN
		jsonb_build_array(jsonb_build_object('label', 'The panel',
		'text', c.feedback)) ELSE coalesce(rv.feedback, '[]') END,
	    'email', u.email, 'name', u.display_name) ORDER BY a.id), '[]')
	FROM applications a
	LEFT JOIN decisions d ON d.application_id = a.id
	LEFT JOIN users u ON u.id = a.owner_id
	LEFT JOIN consensus c ON c.application_id = a.id
	LEFT JOIN reviewers rv ON rv.application_id = a.id
	WHERE a.round_id = p_round AND a.state = 'submitted'
$$;
REVOKE ALL ON FUNCTION publish_snapshot(bigint) FROM PUBLIC;

/*
 * The preview and the publish page's data: the round, the stamp, how
 * many applications have no decision yet, and how many the admin is
 * conflicted with. The applications themselves (to render the e-mails)
 * only when the admin is conflicted with none: an admin who may not see
 * all of the round neither previews nor publishes it. NULL when there is
 * no such round or the caller is no administrator.
 */
CREATE OR REPLACE FUNCTION publish_data(p_slug text, p_user bigint)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r		rounds;
	v_snap		jsonb;
	v_conflicts	integer;
BEGIN
	SELECT * INTO r FROM round_of_admin(p_slug, p_user);
	IF r.id IS NULL THEN
		RETURN NULL;
	END IF;
	v_snap := publish_snapshot(r.id);
	SELECT count(*) INTO v_conflicts FROM jsonb_array_elements(v_snap) x
	WHERE conflict_between((x ->> 'id')::bigint, p_user);
	RETURN json_build_object(
	    'round', json_build_object('id', r.id, 'slug', r.slug,
		'title', r.title, 'phase', round_phase(r),
		'embargo', CASE WHEN r.embargo_until IS NOT NULL THEN
		    to_char(r.embargo_until AT TIME ZONE r.timezone,
		    'YYYY-MM-DD HH24:MI:SS') || ' (' || r.timezone || ')' END,
		'embargo_future', r.embargo_until > now(),
		'published_at', to_char(r.published_at AT TIME ZONE r.timezone,
		    'YYYY-MM-DD HH24:MI') || ' (' || r.timezone || ')'),
	    'stamp', md5(v_snap::text),
	    'conflicts', v_conflicts,
	    'undecided', (SELECT count(*) FROM jsonb_array_elements(v_snap) x
		WHERE x -> 'decision' = 'null'::jsonb),
	    'applications', CASE WHEN v_conflicts = 0 THEN v_snap END);
END
$$;

/*
 * Publishes a round, in one transaction: the decisions' feedback fixed,
 * the public record written (awards_preview()), every applicant's
 * decision e-mail queued, the applications kept anonymised "until
 * publication" deleted, and the round published (read-only from then:
 * round_frozen()). p_mails: [{application_id, subject, body}], one per
 * application with an owner, rendered by the page from publish_data();
 * the address is the database's. With an embargo, the e-mails wait for
 * it in the outbox (the mailer takes only what is due) and the public
 * pages ask for it themselves (sql/95_awards.sql).
 *
 * {outcome}: 'published', 'phase' (not deciding), 'conflicted' (the
 * admin may not see all of it), 'undecided' (with n), 'changed' (the
 * round changed since the page read it: nothing done), 'mails' (the
 * e-mails do not match the applications); NULL: no round, no admin.
 */
CREATE OR REPLACE FUNCTION round_publish(p_slug text, p_user bigint,
    p_ip text, p_stamp text, p_mails jsonb) RETURNS json
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r		rounds;
	v_snap		jsonb;
	v_n		integer;
	v_mails		integer;
	v_deleted	integer;
BEGIN
	SELECT * INTO r FROM rounds WHERE slug = p_slug AND user_is_admin(p_user)
	FOR UPDATE;
	IF NOT FOUND THEN
		RETURN NULL;
	END IF;
	IF round_phase(r) <> 'deciding' THEN
		RETURN json_build_object('outcome', 'phase');
	END IF;
	v_snap := publish_snapshot(r.id);
	IF EXISTS (SELECT 1 FROM jsonb_array_elements(v_snap) x
	    WHERE conflict_between((x ->> 'id')::bigint, p_user)) THEN
		RETURN json_build_object('outcome', 'conflicted');
	END IF;
	SELECT count(*) INTO v_n FROM jsonb_array_elements(v_snap) x
	WHERE x -> 'decision' = 'null'::jsonb;
	IF v_n > 0 THEN
		RETURN json_build_object('outcome', 'undecided', 'n', v_n);
	END IF;
	IF md5(v_snap::text) IS DISTINCT FROM p_stamp THEN
		RETURN json_build_object('outcome', 'changed');
	END IF;
	-- Exactly one e-mail per application with an owner, none other.
	IF jsonb_typeof(p_mails) IS DISTINCT FROM 'array' OR
	    (SELECT count(DISTINCT m ->> 'application_id') <> count(*) OR
		count(*) <> (SELECT count(*) FROM jsonb_array_elements(v_snap) x
		    WHERE x ->> 'email' IS NOT NULL) OR
		bool_or(NOT EXISTS (SELECT 1 FROM jsonb_array_elements(v_snap) x
		    WHERE x ->> 'id' = m ->> 'application_id'
		    AND x ->> 'email' IS NOT NULL))
	    FROM jsonb_array_elements(p_mails) m) THEN
		RETURN json_build_object('outcome', 'mails');
	END IF;

	UPDATE decisions d SET feedback = x -> 'feedback'
	FROM jsonb_array_elements(v_snap) x
	WHERE d.application_id = (x ->> 'id')::bigint;
	INSERT INTO awards SELECT * FROM awards_preview(r.id);
	INSERT INTO outbox (to_addr, subject, body, next_attempt)
	SELECT x ->> 'email', m ->> 'subject', m ->> 'body',
	    greatest(now(), coalesce(r.embargo_until, now()))
	FROM jsonb_array_elements(p_mails) m
	JOIN jsonb_array_elements(v_snap) x ON x ->> 'id' = m ->> 'application_id'
	ORDER BY (x ->> 'id')::bigint;
	GET DIAGNOSTICS v_mails = ROW_COUNT;
	-- Kept for the jury after their owners left (sql/50_privacy.sql).
	DELETE FROM applications
	WHERE round_id = r.id AND owner_id IS NULL AND anonymised_at IS NOT NULL;
	GET DIAGNOSTICS v_deleted = ROW_COUNT;
	UPDATE rounds SET published_at = now() WHERE id = r.id;

	PERFORM audit_log(p_user, 'round.publish', 'round:' || r.id, p_ip,
	    jsonb_build_object('phase', 'deciding'),
	    jsonb_build_object('phase', 'published', 'stamp', p_stamp,
		'mails', v_mails, 'awards', (SELECT count(*) FROM awards
		    WHERE round_id = r.id), 'anonymised_deleted', v_deleted,
		'embargo_until', r.embargo_until));
	PERFORM pg_notify('laurel_awards', r.slug);
	RETURN json_build_object('outcome', 'published', 'mails', v_mails);
END
$$;

/*
 * The public pages as publication would make them, for the preview: the
 * round's page and each practice's, with their own JSON (sql/95_awards.sql)
 * ({round, practices}); NULL for an admin
 * conflicted with an application of the round, who may not see all of
 * it. Once published, what was published.
 */
CREATE OR REPLACE FUNCTION awards_preview_data(p_slug text, p_user bigint)
RETURNS json
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
	r		rounds;
	v_preview	boolean;
BEGIN
	SELECT * INTO r FROM round_of_admin(p_slug, p_user);
	IF r.id IS NULL OR EXISTS (SELECT 1 FROM applications a
	    WHERE a.round_id = r.id AND a.state = 'submitted'
	    AND conflict_between(a.id, p_user)) THEN
		RETURN NULL;
	END IF;
	v_preview := r.published_at IS NULL;
	RETURN json_build_object(
	    'round', award_round_json_of(r.id, v_preview),
	    'practices', (SELECT coalesce(json_agg(award_practice_json_of(r.id,
		a.reference, v_preview) ORDER BY array_position(ARRAY['winner',
		'finalist', 'honourable_mention'], a.decision), a.category,
		a.reference), '[]')
		FROM award_rows(r.id, v_preview) a));
END
$$;
