/*
 * The panel's consensus (SPEC §4 and §5, issue 12), admins only:
 *
 *	GET      /admin/rounds/{slug}/consensus
 *		the agenda: the applications that need a discussion first,
 *		each with every reason (core/score.c's rule over its
 *		submitted reviews), then the others with their reviews in
 *	GET|POST /admin/rounds/{slug}/applications/{id}/consensus
 *		once the reviews are in, the rapporteur records a score per
 *		criterion, the panel's reasoning, the feedback agreed for the
 *		applicant and a minority view, beside the individual reviews
 *
 * The database (sql/80_consensus.sql) checks the admin itself, leaves an
 * application out for an admin conflicted with it (404: conflict trumps
 * every other role), and only hands over half points: every sum, mean,
 * spread and reason is core/score.c's.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/outcome.h"
#include "core/score.h"
#include "core/scorejson.h"
#include "core/tmpl.h"
#include "core/valid.h"
#include "panel/panel.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"

#define ROUNDS_PREFIX	"/admin/rounds/"
#define TEXT_MAX	10000	/* characters of a consensus text */
#define FIELD_LEN	(sizeof("consensus_") + 64)



static int
rubric_refused(struct http_request *req)
{
	return (step_error(req, 500, "This round's rubric cannot be summed "
	    "up: it needs 1 to 20 criteria, each with a weight above 0."));
}






static const char *
state_words(const char *state)
{
	if (state == NULL)
		return ("not begun");
	if (strcmp(state, "submitted") == 0)
		return ("submitted");
	if (strcmp(state, "abstained") == 0)
		return ("abstained");
	if (strcmp(state, "draft") == 0)
		return ("draft, not submitted");

	return ("not begun");
}

static int
state_is(json_t *obj, const char *state)
{
	const char	*s;

	s = json_string_value(json_object_get(obj, "state"));

	return (s != NULL && strcmp(s, state) == 0);
}

/*
 * The agenda.
 */

static const char *
agenda_load(struct http_request *req, struct load_params *lp)
{
	panel_load_slug(req, lp);
	return ("consensus_agenda_data($2, s.user_id) AS agenda");
}

/* "Ana Example (submitted), Ben Example (draft, not submitted)". */
static void
agenda_names(json_t *app)
{
	struct kore_buf	 buf;
	json_t		*rv;
	size_t		 i;
	const char	*name, *state;
	char		*s;

	kore_buf_init(&buf, 128);
	json_array_foreach(json_object_get(app, "reviewers"), i, rv) {
		name = json_string_value(json_object_get(rv, "name"));
		state = json_string_value(json_object_get(rv, "state"));
		kore_buf_appendf(&buf, "%s%s (%s)", i > 0 ? ", " : "",
		    name != NULL ? name : "", state_words(state));
	}
	s = kore_buf_stringify(&buf, NULL);
	json_object_set_new(app, "names", json_string(s));
	kore_buf_cleanup(&buf);
}

/*
 * One application: its submitted reviews summed up, the reasons it
 * needs discussion, its mean total. 1 when it is on the agenda.
 */
static int
agenda_judge(const struct scorejson_rubric *cr, json_t *app)
{
	struct score_review	*rv;
	struct score_summary	 sum;
	json_t			*reviews, *h, *reasons;
	size_t			 i, j, n;
	int			 rc;

	reviews = json_object_get(app, "reviews");
	n = json_array_size(reviews);
	if (n > SCORE_REVIEWS_MAX)
		n = SCORE_REVIEWS_MAX;
	rv = kore_calloc(n > 0 ? n : 1, sizeof(*rv));
	for (i = 0; i < n; i++) {
		score_review_init(&rv[i]);
		h = json_array_get(reviews, i);
		for (j = 0; j < cr->r.n; j++)
			rv[i].halves[j] = scorejson_halves(json_object_get(h,
			    cr->crit[j].code));
	}
	rc = score_summarise(&cr->r, rv, n, NULL, &sum);
	kore_free(rv);
	/* A summary that fails (it cannot: scores are checked) is all zero. */
	reasons = rc == 0 ? scorejson_reasons(&cr->r, &sum) : json_array();
	scorejson_set_total(app, "mean", rc == 0 ? sum.total_mean : -1);
	(void)json_object_del(app, "reviews");
	agenda_names(app);
	json_object_set_new(app, "reasons", reasons);

	return (json_array_size(reasons) > 0);
}

static int
agenda_show(struct http_request *req)
{
	struct scorejson_rubric	 cr;
	json_t			*data, *apps, *agenda, *others, *app;
	size_t			 i;

	if (!handler_merge(req, "agenda", NULL))
		return (step_error(req, 404, NULL));
	data = ctx_get(req)->data;
	if (scorejson_rubric(json_object_get(data, "rubric"), &cr) == -1)
		return (rubric_refused(req));

	agenda = json_array();
	others = json_array();
	apps = json_object_get(data, "applications");
	json_array_foreach(apps, i, app)
		json_array_append(agenda_judge(&cr, app) ? agenda : others, app);
	json_object_set_new(data, "has_agenda",
	    json_boolean(json_array_size(agenda) > 0));
	json_object_set_new(data, "has_others",
	    json_boolean(json_array_size(others) > 0));
	json_object_set_new(data, "agenda", agenda);
	json_object_set_new(data, "others", others);
	(void)json_object_del(data, "applications");
	if (json_integer_value(json_object_get(data, "hidden")) == 0)
		(void)json_object_del(data, "hidden");

	return (STEP_NEXT);
}

static const step_fn agenda_steps[] = { agenda_show, NULL };

HANDLER(consensus_agenda,
	.methods = METHODS_GET,
	.enter = ENTER_ADMIN,
	.load = agenda_load,
	.steps = agenda_steps,
	.template = "admin_consensus_agenda",
)

/*
 * An application's consensus.
 */

struct cons_edit {
	struct scorejson_rubric	 cr;
	char			 slug[PANEL_SLUG_MAX];
	char			 actor[32];
	char			 ip[CLIENT_ADDR_LEN];
	char			 app[32];
	char			*comment;	/* trimmed, as stored */
	char			*feedback;
	char			*minority;
	char			*scores;	/* {code: halves} */
};

static void
cons_edit_free(void *arg)
{
	struct cons_edit	*e = arg;

	kore_free(e->comment);
	kore_free(e->feedback);
	kore_free(e->minority);
	free(e->scores);
	kore_free(e);
}

/* {id} of /admin/rounds/{slug}/applications/{id}/consensus; 0 if none. */
static long long
cons_app_id(struct http_request *req)
{
	const char	*p;

	if (strncmp(req->path, ROUNDS_PREFIX, strlen(ROUNDS_PREFIX)) != 0)
		return (0);
	p = req->path + strlen(ROUNDS_PREFIX);
	p += strcspn(p, "/");

	return (valid_path_id(p, "/applications/", NULL));
}

static const char *
cons_load(struct http_request *req, struct load_params *lp)
{
	panel_load_slug(req, lp);
	load_param_id(lp, cons_app_id(req));

	return ("consensus_view($2, $3, s.user_id) AS consensus");
}

static const struct panel_notice cons_notices[] = {
	{ "recorded", "The consensus has been recorded." },
	{ NULL, NULL },
};

static int
cons_form(struct http_request *req, int status)
{
	panel_notice(req, cons_notices);
	return (step_render(req, status));
}

static const char *
recommendation_words(const char *r)
{
	if (r == NULL)
		return ("");
	if (strcmp(r, "award") == 0)
		return ("award");
	if (strcmp(r, "finalist") == 0)
		return ("finalist");
	if (strcmp(r, "not_recommended") == 0)
		return ("not recommended");

	return ("");
}

/*
 * One reviewer for the page: where their review stands, and once it is
 * submitted its scores, comments, total and texts. Their scores go into
 * *rv when the review counts (submitted or abstained, not conflicted):
 * 1 then, else 0.
 */
static int
cons_reviewer(const struct scorejson_rubric *cr, json_t *r,
    struct score_review *rv)
{
	json_t		*review, *scores, *comments, *lines, *line;
	const char	*code, *comment;
	size_t		 i;
	int		 counts;

	score_review_init(rv);
	review = json_object_get(r, "review");
	json_object_set_new(r, "state_words", json_string(state_words(
	    json_string_value(json_object_get(r, "state")))));
	counts = json_is_object(review) &&
	    !json_is_true(json_object_get(r, "conflicted"));
	json_object_set_new(r, "is_submitted",
	    json_boolean(counts && state_is(r, "submitted")));
	json_object_set_new(r, "is_abstained",
	    json_boolean(counts && state_is(r, "abstained")));
	if (!counts)
		return (0);
	if (state_is(r, "abstained")) {
		rv->abstained = 1;
		return (1);
	}

	scores = json_object_get(review, "scores");
	comments = json_object_get(review, "comments");
	lines = json_array();
	for (i = 0; i < cr->r.n; i++) {
		code = cr->crit[i].code;
		rv->halves[i] = scorejson_halves(json_object_get(scores, code));
		line = json_pack("{s:s}", "code", code);
		scorejson_set_score(line, "score", rv->halves[i]);
		comment = json_string_value(json_object_get(comments, code));
		json_object_set_new(line, "comment", comment != NULL ?
		    json_string(comment) : json_null());
		tmpl_null_if_empty(line, "comment");
		json_array_append_new(lines, line);
	}
	json_object_set_new(r, "lines", lines);
	scorejson_set_total(r, "total", score_review_total(&cr->r, rv));
	json_object_set_new(r, "recommendation_words", json_string(
	    recommendation_words(json_string_value(json_object_get(review,
	    "recommendation")))));
	tmpl_null_if_empty(r, "recommendation_words");
	tmpl_null_if_empty(review, "feedback");
	tmpl_null_if_empty(review, "confidential");

	return (1);
}

/*
 * The page's criteria: each with every counted reviewer's score (nrv
 * of rv, in the order of the n reviews counted[] marks), the mean and
 * spread, the consensus recorded, and its field.
 */
static void
cons_criteria(struct http_request *req, struct cons_edit *e,
    const struct score_summary *sum, const struct score_review *rv,
    const int *counted, size_t n)
{
	const struct score_stat	*st;
	json_t			*data, *k, *reviews, *scores, *one;
	char			 field[FIELD_LEN];
	char			 mean[SCORE_MEAN_FORMAT_MAX];
	size_t			 i, j, c;

	data = ctx_get(req)->data;
	reviews = json_object_get(data, "reviews");
	json_array_foreach(json_object_get(data, "rubric"), i, k) {
		st = &sum->crit[i];
		(void)snprintf(field, sizeof(field), "consensus_%s",
		    e->cr.crit[i].code);
		json_object_set_new(k, "field", json_string(field));
		score_mean_format(st->mean, mean, sizeof(mean));
		json_object_set_new(k, "mean", json_string(mean));
		scorejson_set_score(k, "spread", st->count > 0 ? st->spread : SCORE_NONE);
		/* Every key the template reads, so none is looked up above. */
		scorejson_set_score(k, "recorded", sum->has_consensus ?
		    sum->consensus[i] : SCORE_NONE);
		scorejson_set_score(k, "value", sum->has_consensus ?
		    sum->consensus[i] : SCORE_NONE);
		json_object_set_new(k, "field_error", json_null());

		scores = json_array();
		for (j = 0, c = 0; j < n; j++) {
			if (!counted[j])
				continue;
			if (!rv[c].abstained) {
				one = json_pack("{s:O}", "name", json_object_get(
				    json_array_get(reviews, j), "name"));
				scorejson_set_score(one, "score", rv[c].halves[i]);
				json_array_append_new(scores, one);
			}
			c++;
		}
		json_object_set_new(k, "scores", scores);
	}
}


/*
 * Everything the page shows beside the form: each reviewer, each
 * criterion's scores, mean and spread, the totals, why the application
 * is on the agenda, and the consensus recorded so far.
 */
static void
cons_summary(struct http_request *req, struct cons_edit *e)
{
	json_t			*data, *reviews, *consensus;
	struct score_review	*rv;
	struct score_summary	 sum;
	int			*counted, recorded[SCORE_CRITERIA_MAX], *cons;
	size_t			 i, n, nrv;

	data = ctx_get(req)->data;
	reviews = json_object_get(data, "reviews");
	consensus = json_object_get(data, "consensus");
	n = json_array_size(reviews);
	if (n > SCORE_REVIEWS_MAX)
		n = SCORE_REVIEWS_MAX;
	rv = kore_calloc(n > 0 ? n : 1, sizeof(*rv));
	counted = kore_calloc(n > 0 ? n : 1, sizeof(*counted));
	for (i = 0, nrv = 0; i < n; i++) {
		counted[i] = cons_reviewer(&e->cr, json_array_get(reviews, i),
		    &rv[nrv]);
		nrv += counted[i];
	}

	cons = scorejson_consensus(&e->cr, json_object_get(consensus, "scores"),
	    recorded);
	if (score_summarise(&e->cr.r, rv, nrv, cons, &sum) == -1)
		(void)score_summarise(&e->cr.r, NULL, 0, NULL, &sum);
	cons_criteria(req, e, &sum, rv, counted, n);

	scorejson_set_total(data, "total_mean", sum.total_mean);
	if (sum.reviews >= 2)
		scorejson_set_total(data, "total_spread", sum.total_spread);
	if (sum.has_consensus)
		scorejson_set_total(consensus, "total", sum.result_total);
	json_object_set_new(data, "reasons", scorejson_reasons(&e->cr.r, &sum));
	json_object_set_new(data, "has_reasons", json_boolean(json_array_size(
	    json_object_get(data, "reasons")) > 0));
	if (json_is_object(consensus)) {
		fields_keep(req, "consensus_comment", json_string_value(
		    json_object_get(consensus, "comment")));
		fields_keep(req, "consensus_feedback", json_string_value(
		    json_object_get(consensus, "feedback")));
		fields_keep(req, "minority", json_string_value(
		    json_object_get(consensus, "minority")));
		tmpl_null_if_empty(consensus, "minority");
	}

	kore_free(counted);
	kore_free(rv);
}

/* Who has not reviewed yet: "Ana Example (draft, not submitted), …". */
static char *
cons_missing(struct http_request *req)
{
	struct kore_buf	 buf;
	json_t		*r;
	const char	*name;
	size_t		 i, n;
	char		*s;

	kore_buf_init(&buf, 128);
	n = 0;
	json_array_foreach(json_object_get(ctx_get(req)->data, "reviews"), i,
	    r) {
		if (json_is_true(json_object_get(r, "conflicted")) ||
		    state_is(r, "submitted") || state_is(r, "abstained"))
			continue;
		name = json_string_value(json_object_get(r, "name"));
		kore_buf_appendf(&buf, "%s%s (%s)", n++ > 0 ? ", " : "",
		    name != NULL ? name : "", state_words(json_string_value(
		    json_object_get(r, "state"))));
	}
	s = kore_strdup(kore_buf_stringify(&buf, NULL));
	kore_buf_cleanup(&buf);

	return (s);
}

/* Why the consensus cannot be recorded yet, in the page's words. */
static void
cons_blocked(struct http_request *req, const char *why)
{
	char	*missing, msg[1024];

	if (strcmp(why, "reviews_missing") == 0) {
		missing = cons_missing(req);
		if (missing[0] != '\0')
			(void)snprintf(msg, sizeof(msg), "The consensus can be "
			    "recorded once every review is in. Still missing: "
			    "%s.", missing);
		else
			(void)snprintf(msg, sizeof(msg), "The consensus can be "
			    "recorded once every review is in, and one is "
			    "missing again: reload the page to see whose.");
		kore_free(missing);
	} else if (strcmp(why, "no_scores") == 0)
		(void)snprintf(msg, sizeof(msg), "Every reviewer of this "
		    "application abstained: there are no scores to agree on. "
		    "Assign another reviewer first.");
	else
		(void)snprintf(msg, sizeof(msg), "No reviewer is assigned to "
		    "this application (or every one assigned is conflicted "
		    "with it): assign reviewers first.");
	json_object_set_new(ctx_get(req)->data, "blocked_message",
	    json_string(msg));
}

/*
 * A text of the form, trimmed into *out; what it names in messages.
 * Kept as typed for the form.
 */
static void
cons_text(struct http_request *req, const char *field, char **out,
    const char *what, const char *empty)
{
	char	 msg[256];
	size_t	 n;

	fields_keep(req, field, body_get(req, field));
	*out = kore_strdup(body_get(req, field));
	valid_trim(*out);
	if ((*out)[0] == '\0' && empty != NULL)
		fields_error(req, field, empty);
	else if ((n = valid_chars(*out)) > TEXT_MAX) {
		(void)snprintf(msg, sizeof(msg), "The %s has at most 10,000 "
		    "characters; this has %zu.", what, n);
		fields_error(req, field, msg);
	}
}

/* Every field checked, each message next to its own; 1 when all pass. */
static int
cons_check(struct http_request *req, struct cons_edit *e)
{
	json_t		*list, *k, *scores;
	const char	*v, *msg;
	char		 field[FIELD_LEN], m[256];
	size_t		 i;
	int		 h;

	scores = json_object();
	list = json_object_get(ctx_get(req)->data, "rubric");
	json_array_foreach(list, i, k) {
		(void)snprintf(field, sizeof(field), "consensus_%s",
		    e->cr.crit[i].code);
		v = body_get(req, field);
		json_object_set_new(k, "value", json_string(v));
		if (v[0] == '\0')
			msg = "Give the panel's score, from 0 to 5 in steps of "
			    "0.5.";
		else if ((msg = score_parse(v, &h)) == NULL) {
			json_object_set_new(scores, e->cr.crit[i].code,
			    json_integer(h));
			continue;
		}
		(void)snprintf(m, sizeof(m), "%s: %s", e->cr.crit[i].code, msg);
		json_object_set_new(k, "field_error", json_string(m));
		fields_error(req, field, m);
	}
	e->scores = json_dumps(scores, JSON_COMPACT);
	json_decref(scores);

	cons_text(req, "consensus_comment", &e->comment, "panel's reasoning",
	    "Write the panel's reasoning: why these scores.");
	cons_text(req, "consensus_feedback", &e->feedback,
	    "feedback for the applicant", "Write the feedback the panel "
	    "agreed for the applicant.");
	cons_text(req, "minority", &e->minority, "minority view", NULL);

	return (!fields_failed(req) && e->scores != NULL);
}

static const char	sql_record[] =
    "SELECT outcome, number, detail FROM consensus_record($1, $2, $3, $4, "
    "$5::jsonb, $6, $7, $8)";

static int
cons_show(struct http_request *req)
{
	struct ctx		*ctx;
	struct cons_edit	*e;
	const char		*blocked, *params[8];

	if (!handler_merge(req, "consensus", NULL))
		return (step_error(req, 404, NULL));
	ctx = ctx_get(req);
	e = kore_calloc(1, sizeof(*e));
	ctx->arg = e;
	ctx->arg_free = cons_edit_free;
	if (scorejson_rubric(json_object_get(ctx->data, "rubric"), &e->cr) == -1)
		return (rubric_refused(req));
	cons_summary(req, e);
	if ((blocked = json_string_value(json_object_get(ctx->data,
	    "blocked"))) != NULL)
		cons_blocked(req, blocked);
	if (req->method != HTTP_METHOD_POST)
		return (cons_form(req, 200));

	if (blocked != NULL) {
		fields_error(req, "consensus", json_string_value(
		    json_object_get(ctx->data, "blocked_message")));
		return (cons_form(req, 409));
	}
	if (!cons_check(req, e))
		return (cons_form(req, 422));

	panel_round_slug(req, e->slug, sizeof(e->slug));
	(void)snprintf(e->actor, sizeof(e->actor), "%lld", ctx->user->id);
	(void)snprintf(e->app, sizeof(e->app), "%lld", cons_app_id(req));
	client_addr(req, e->ip, sizeof(e->ip));
	params[0] = e->slug;
	params[1] = e->actor;
	params[2] = e->ip;
	params[3] = e->app;
	params[4] = e->scores;
	params[5] = e->comment;
	params[6] = e->feedback;
	params[7] = e->minority;

	return (step_query(req, sql_record, 8, params));
}

static int
cons_saved(struct http_request *req)
{
	struct outcome	 o;
	json_t		*data;
	char		 page[64];

	db_outcome(req, &o);
	data = ctx_get(req)->data;
	switch (o.code) {
	case OUTCOME_OK:
		(void)snprintf(page, sizeof(page), "applications/%lld/consensus",
		    cons_app_id(req));
		return (panel_done(req, page, "recorded"));
	case OUTCOME_REFUSED:
		/* A review changed since the page was loaded. */
		json_object_set_new(data, "blocked", json_string(o.detail));
		cons_blocked(req, o.detail);
		fields_error(req, "consensus", json_string_value(
		    json_object_get(data, "blocked_message")));
		return (cons_form(req, 409));
	case OUTCOME_INVALID:
		if (strcmp(o.detail, "incomplete") == 0)
			fields_error(req, "consensus", "Give the panel's score "
			    "for every criterion of the rubric.");
		else
			fields_error(req, o.detail, "Write this text: it cannot "
			    "be empty.");
		return (cons_form(req, 422));
	default:
		return (step_error(req, 404, NULL));
	}
}

static const step_fn cons_steps[] = { cons_show, cons_saved, NULL };

HANDLER(consensus_page,
	.methods = METHODS_FORM,
	.enter = ENTER_ADMIN,
	.body = BODY_FORM,
	.load = cons_load,
	.steps = cons_steps,
	.template = "admin_consensus",
)
