/*
 * The ranking of a round and its calibration view (SPEC §5, issue 13),
 * admins only:
 *
 *	GET /admin/rounds/{slug}/ranking[?category=CODE][&order=raw|normalised]
 *		each application with its reviews' totals, the raw mean and
 *		spread, the normalised mean beside it, the consensus, the
 *		result, its gates, the consensus agenda's disagreement flag
 *		and its ranks, each broken tie with the rule that broke it;
 *		once review is closed, the decisions form (decisions.c
 *		takes its POST)
 *	GET /admin/rounds/{slug}/calibration
 *		each reviewer beside the round (reviews, mean, spread,
 *		leniency, whether normalised), and the applications that the
 *		normalisation moves
 *
 * sql/85_ranking.sql hands over half points only, and leaves out every
 * application the admin is conflicted with (its reviews too). Every
 * total, mean, gate and reason is core/score.c's; the normalisation,
 * the orders and the tie-breaks are core/rank.c's. The round is computed
 * whole (reviewers are normalised over all their reviews of the round)
 * and a category only chooses the rows shown, ranked among themselves.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/form.h"
#include "core/rank.h"
#include "core/score.h"
#include "core/scorejson.h"
#include "core/tmpl.h"
#include "decide/ranking.h"
#include "panel/panel.h"
#include "web/body.h"
#include "web/ctx.h"
#include "web/fields.h"
#include "web/handler.h"

#define FIELD_LEN	48	/* "citation_" and an id */

/* A round's rubric as core/score.c takes it; codes borrowed from JSON. */

/*
 * A round computed. Applications are the loaded ones, in reference
 * order, and core/rank.c knows each by its index there: its last
 * tie-break ("the lower id") is then the lower reference, which the
 * page can name, where the database's id means nothing to the reader.
 */
struct rk {
	struct scorejson_rubric	 cr;
	json_t			*apps;		/* borrowed: the page data's */
	size_t			 napps;
	struct rank_review	*rv;		/* grouped by application */
	size_t			 nrv;
	struct rank_app		*ra;
	double			*crit;		/* napps × criteria, halves */
	size_t			 tb[SCORE_CRITERIA_MAX];
	struct rank_input	 in;
	struct rank_round	 out;
};

static const struct {
	const char	*value;
	const char	*label;
} decisions[] = {
	{ "", "— undecided —" },
	{ "winner", "Winner" },
	{ "finalist", "Finalist" },
	{ "honourable_mention", "Honourable mention" },
	{ "not_selected", "Not selected" },
};

static const struct {
	const char	*name;		/* ?order= */
	const char	*label;
	enum rank_key	 key;
} orders[] = {
	{ "result", "result (consensus, else normalised mean)", RANK_RESULT },
	{ "raw", "raw mean", RANK_RAW },
	{ "normalised", "normalised mean", RANK_NORM },
};




/* A rank from 1; null without one (no key: nothing to rank by). */
static void
set_rank(json_t *obj, const char *key, size_t rank)
{
	json_object_set_new(obj, key, rank > 0 ?
	    json_integer((json_int_t)rank) : json_null());
}




/*
 * The gates an application's result fails, in words: "C1: 2.50, below
 * the minimum of 3". Means with two decimals (score_mean_format()): a
 * mean below a gate never shows as the gate itself.
 */
static json_t *
gates_words(const struct scorejson_rubric *cr, json_t *rubric,
    const struct score_summary *s)
{
	const struct score_stat	*st;
	json_t			*list;
	const char		*min;
	char			 mean[SCORE_MEAN_FORMAT_MAX], w[SCOREJSON_WORDS_MAX];
	size_t			 i;

	list = json_array();
	for (i = 0; i < cr->r.n; i++) {
		st = &s->crit[i];
		if (cr->crit[i].gate == SCORE_NONE || st->gate_met)
			continue;
		min = json_string_value(json_object_get(json_array_get(rubric,
		    i), "gate_text"));
		if (st->result < 0)
			(void)snprintf(w, sizeof(w), "%s: no score yet, the "
			    "minimum is %s", cr->crit[i].code,
			    min != NULL ? min : "");
		else {
			score_mean_format(st->result, mean, sizeof(mean));
			(void)snprintf(w, sizeof(w), "%s: %s%s, below the "
			    "minimum of %s", cr->crit[i].code,
			    s->has_consensus ? "consensus " : "", mean,
			    min != NULL ? min : "");
		}
		json_array_append_new(list, json_string(w));
	}

	return (list);
}

/*
 * One application: its reviews summed up (core/score.c) into the row's
 * figures that do not depend on the others, and its reviews and results
 * into the input of core/rank.c.
 */
static void
rk_app(struct rk *k, json_t *rubric, size_t i, json_t *app)
{
	struct score_review	*rv;
	struct score_summary	 sum;
	json_t			*reviews, *h, *reasons;
	int			 cons[SCORE_CRITERIA_MAX], *cp;
	size_t			 j, c, n, ncrit;

	ncrit = k->cr.r.n;
	reviews = json_object_get(app, "reviews");
	n = json_array_size(reviews);
	if (n > SCORE_REVIEWS_MAX)
		n = SCORE_REVIEWS_MAX;
	rv = kore_calloc(n > 0 ? n : 1, sizeof(*rv));
	for (j = 0; j < n; j++) {
		score_review_init(&rv[j]);
		h = json_array_get(reviews, j);
		/* Short: a score missing, the review left out (SCORE_NONE). */
		if (json_array_size(h) != ncrit + 1)
			continue;
		for (c = 0; c < ncrit; c++)
			rv[j].halves[c] = scorejson_halves(json_array_get(h, c + 1));
	}
	cp = scorejson_consensus(&k->cr, json_object_get(app, "consensus"), cons);
	/* A summary that fails (it cannot: scores are checked) is all zero. */
	if (score_summarise(&k->cr.r, rv, n, cp, &sum) == -1)
		(void)score_summarise(&k->cr.r, NULL, 0, NULL, &sum);

	for (j = 0; j < n; j++) {
		k->rv[k->nrv].reviewer = (long)json_integer_value(
		    json_array_get(json_array_get(reviews, j), 0));
		k->rv[k->nrv].app = i;
		k->rv[k->nrv].total = score_review_total(&k->cr.r, &rv[j]);
		k->nrv++;
	}
	kore_free(rv);

	k->ra[i].id = (long)i;
	k->ra[i].consensus = sum.has_consensus ? sum.result_total : -1;
	k->ra[i].crit = &k->crit[i * ncrit];
	for (c = 0; c < ncrit; c++)
		k->crit[i * ncrit + c] = sum.crit[c].result >= 0 ?
		    sum.crit[c].result * 2 : -1;

	scorejson_set_total(app, "consensus", sum.has_consensus ? sum.result_total : -1);
	json_object_set_new(app, "eligible", json_boolean(sum.eligible));
	json_object_set_new(app, "gates_failed", gates_words(&k->cr, rubric,
	    &sum));
	reasons = scorejson_reasons(&k->cr.r, &sum);
	json_object_set_new(app, "disagreement",
	    json_boolean(json_array_size(reasons) > 0));
	json_object_set_new(app, "reasons", reasons);
}

static void
rk_free(struct rk *k)
{
	rank_free(&k->out);
	kore_free(k->rv);
	kore_free(k->ra);
	kore_free(k->crit);
	memset(k, 0, sizeof(*k));
}

/* The round's tie-break codes as rubric indices; unknown codes skipped. */
static size_t
rk_tiebreak(struct rk *k, json_t *codes)
{
	json_t		*v;
	const char	*code;
	size_t		 i, c, n;

	n = 0;
	json_array_foreach(codes, i, v) {
		if ((code = json_string_value(v)) == NULL)
			continue;
		for (c = 0; c < k->cr.r.n && n < SCORE_CRITERIA_MAX; c++) {
			if (strcmp(k->cr.crit[c].code, code) == 0) {
				k->tb[n++] = c;
				break;
			}
		}
	}

	return (n);
}

/*
 * The loaded round computed into *k (rk_free() it): 0, or -1 when the
 * rubric cannot be summed up or core/rank.c refused (the error page is
 * then the caller's).
 */
static int
rk_make(struct http_request *req, struct rk *k)
{
	json_t	*data, *app, *rubric;
	size_t	 i, nrv;

	memset(k, 0, sizeof(*k));
	data = ctx_get(req)->data;
	rubric = json_object_get(data, "rubric");
	if (scorejson_rubric(rubric, &k->cr) == -1)
		return (-1);
	k->apps = json_object_get(data, "applications");
	k->napps = json_array_size(k->apps);

	nrv = 0;
	json_array_foreach(k->apps, i, app)
		nrv += json_array_size(json_object_get(app, "reviews"));
	k->rv = kore_calloc(nrv + 1, sizeof(*k->rv));
	k->ra = kore_calloc(k->napps + 1, sizeof(*k->ra));
	k->crit = kore_calloc(k->napps * k->cr.r.n + 1, sizeof(*k->crit));
	json_array_foreach(k->apps, i, app)
		rk_app(k, rubric, i, app);

	k->in.reviews = k->rv;
	k->in.nreviews = k->nrv;
	k->in.apps = k->ra;
	k->in.napps = k->napps;
	k->in.ncrit = k->cr.r.n;
	k->in.tiebreak = k->tb;
	k->in.ntiebreak = rk_tiebreak(k, json_object_get(data, "tie_break"));
	if (rank_make(&k->in, &k->out) == -1) {
		rk_free(k);
		return (-1);
	}

	return (0);
}

static int
rk_refused(struct http_request *req)
{
	return (step_error(req, 500, "This round's ranking cannot be "
	    "computed: its rubric needs 1 to 20 criteria, each with a weight "
	    "above 0."));
}

/* A reviewer of the round's figures by id (core/rank.c sorts them). */
static const struct rank_reviewer *
rk_reviewer(const struct rk *k, long id)
{
	size_t	lo, hi, mid;

	lo = 0;
	hi = k->out.nreviewers;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (k->out.reviewer[mid].id == id)
			return (&k->out.reviewer[mid]);
		if (k->out.reviewer[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}

	return (NULL);
}

/* A reviewer's name from the loaded list (by id, ascending); "". */
static const char *
reviewer_name(json_t *list, long id)
{
	json_t		*r;
	json_int_t	 v;
	size_t		 lo, hi, mid;
	const char	*name;

	lo = 0;
	hi = json_array_size(list);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		r = json_array_get(list, mid);
		v = json_integer_value(json_object_get(r, "id"));
		if (v == id) {
			name = json_string_value(json_object_get(r, "name"));
			return (name != NULL ? name : "");
		}
		if (v < id)
			lo = mid + 1;
		else
			hi = mid;
	}

	return ("");
}

/* Why a reviewer's totals count as they are, in words. */
static const char *
unnormalised_words(const struct rank_reviewer *rw)
{
	if (rw->reviews < RANK_NORM_MIN)
		return ("fewer than three reviews");
	return ("every total alike");
}

/* The round's figures, on both pages. */
static void
rk_round_data(struct rk *k, json_t *data)
{
	json_t	*list, *one;
	size_t	 i;
	char	 w[SCOREJSON_WORDS_MAX];

	scorejson_set_total(data, "round_mean", k->out.mean);
	scorejson_set_total(data, "round_sd", k->out.reviews > 0 ? k->out.sd : -1);
	json_object_set_new(data, "round_reviews",
	    json_integer(k->out.reviews));

	/* "1 application is left out", with its verb. */
	i = (size_t)json_integer_value(json_object_get(data, "hidden"));
	if (i == 0)
		json_object_set_new(data, "hidden", json_null());
	else {
		(void)snprintf(w, sizeof(w), "%zu %s left out: you have a "
		    "conflict of interest with %s.", i, i == 1 ?
		    "application is" : "applications are", i == 1 ? "it" :
		    "them");
		json_object_set_new(data, "hidden", json_string(w));
	}

	/* "Ties are broken by C1, then C2, then C7, then the reference." */
	list = json_array();
	for (i = 0; i < k->in.ntiebreak; i++)
		json_array_append_new(list, json_string(
		    k->cr.crit[k->tb[i]].code));
	json_object_set_new(data, "tie_break", list);

	list = json_array();
	for (i = 0; i < k->out.nreviewers; i++) {
		if (k->out.reviewer[i].normalised)
			continue;
		one = json_pack("{s:s,s:s}", "name", reviewer_name(
		    json_object_get(data, "reviewers"),
		    k->out.reviewer[i].id), "why",
		    unnormalised_words(&k->out.reviewer[i]));
		json_array_append_new(list, one);
	}
	json_object_set_new(data, "unnormalised", list);
	json_object_set_new(data, "has_unnormalised",
	    json_boolean(json_array_size(list) > 0));
}

/*
 * The ranking.
 */

const char *
ranking_load(struct http_request *req, struct load_params *lp)
{
	panel_load_slug(req, lp);
	return ("ranking_data($2, s.user_id) AS ranking");
}

/*
 * The decision, its label (null when undecided) and which option of
 * the form is selected: a flag per option ("selected_winner"), not a
 * list of options per row, which cost 10,000 objects to build and
 * render at 2,000 applications (SPEC §8).
 */
static void
decision_set(json_t *row, const char *value)
{
	const char	*words;
	char		 key[FIELD_LEN];
	size_t		 i;
	int		 sel;

	if (value == NULL)
		value = "";
	words = NULL;
	for (i = 0; i < sizeof(decisions) / sizeof(decisions[0]); i++) {
		sel = strcmp(decisions[i].value, value) == 0;
		if (sel && i > 0)
			words = decisions[i].label;
		(void)snprintf(key, sizeof(key), "selected_%s",
		    i > 0 ? decisions[i].value : "none");
		json_object_set_new(row, key, json_boolean(sel));
	}
	/* A recognised practice has a public citation. */
	json_object_set_new(row, "recognised", json_boolean(words != NULL &&
	    strcmp(value, "not_selected") != 0));
	json_object_set_new(row, "decision_words", words != NULL ?
	    json_string(words) : json_null());
	/* Last: value may be the row's own, which this frees. */
	json_object_set_new(row, "decision", *value != '\0' ?
	    json_string(value) : json_null());
}

/* The form's fields of a row, as decisions.c reads them back. */
static void
row_fields(json_t *row)
{
	char		field[FIELD_LEN];
	json_int_t	id;

	id = json_integer_value(json_object_get(row, "id"));
	(void)snprintf(field, sizeof(field), "decision_%lld", (long long)id);
	json_object_set_new(row, "decision_field", json_string(field));
	(void)snprintf(field, sizeof(field), "citation_%lld", (long long)id);
	json_object_set_new(row, "citation_field", json_string(field));
	json_object_set_new(row, "decision_error", json_null());
	json_object_set_new(row, "citation_error", json_null());
	decision_set(row, json_string_value(json_object_get(row,
	    "decision")));
	tmpl_null_if_empty(row, "citation");
}

/*
 * A row's figures of the round computed: the reviews' totals (complete
 * ones: an abstention counts as done, not scored), the means, the
 * result, and how many of its reviews count as they are.
 */
static void
row_figures(const struct rk *k, size_t i, json_t *row, size_t *next)
{
	const struct rank_app_stat	*st = &k->out.app[i];
	const struct rank_reviewer	*rw;
	json_t				*totals;
	size_t				 j;
	int				 asis;
	char				 t[SCORE_TOTAL_FORMAT_MAX];

	totals = json_array();
	asis = 0;
	for (j = *next; j < k->nrv && k->rv[j].app == i; j++) {
		if (k->rv[j].total < 0)
			continue;
		score_total_format(k->rv[j].total, t, sizeof(t));
		json_array_append_new(totals, json_string(t));
		rw = rk_reviewer(k, k->rv[j].reviewer);
		if (rw != NULL && !rw->normalised)
			asis++;
	}
	*next = j;
	json_object_set_new(row, "totals", totals);
	scorejson_set_total(row, "raw_mean", st->raw_mean);
	scorejson_set_total(row, "spread", st->reviews >= 2 ? st->spread : -1);
	scorejson_set_total(row, "norm_mean", st->norm_mean);
	scorejson_set_total(row, "result", st->result);
	json_object_set_new(row, "as_is", asis > 0 ?
	    json_integer(asis) : json_null());
	/* The templates take 0 as true (core/tmpl.c). */
	if (json_integer_value(json_object_get(row, "abstained")) == 0)
		json_object_set_new(row, "abstained", json_null());
	(void)json_object_del(row, "reviews");
}

/*
 * One order over the rows shown: their ranks from 1 among themselves,
 * and between two shown neighbours whose keys show alike, the rule that
 * broke the tie, in words ("tie broken by C1").
 */
static void
row_ranks(const struct rk *k, enum rank_key key, const int *shown,
    const char *rank_key, const char *tie_key)
{
	const struct rank_place	*p;
	json_t			*row;
	size_t			 i, pos, prev, c;
	long long		 prev_tenths;
	char			 w[SCOREJSON_WORDS_MAX];

	pos = 0;
	prev = 0;
	prev_tenths = -1;
	for (i = 0; i < k->napps; i++) {
		p = &k->out.order[key][i];
		if (!shown[p->app])
			continue;
		row = json_array_get(k->apps, p->app);
		json_object_set_new(row, tie_key, json_null());
		if (p->rank == 0) {
			set_rank(row, rank_key, 0);
			continue;
		}
		set_rank(row, rank_key, ++pos);
		if (pos > 1 && score_total_tenths(p->key) == prev_tenths) {
			if (rank_tie_between(&k->in, prev, p->app, &c) ==
			    RANK_TIE_CRITERION)
				(void)snprintf(w, sizeof(w), "tie broken by %s",
				    k->cr.crit[c].code);
			else
				(void)snprintf(w, sizeof(w), "tie broken by "
				    "the lower reference");
			json_object_set_new(row, tie_key, json_string(w));
		}
		prev = p->app;
		prev_tenths = score_total_tenths(p->key);
	}
}

/*
 * ?category=: the category whose rows are shown (NULL: all), marked in
 * the page's list; an unknown one is said, and all are shown.
 */
static const char *
ranking_category(struct http_request *req, json_t *data)
{
	json_t		*c;
	const char	*want, *code, *found;
	char		 w[SCOREJSON_WORDS_MAX];
	size_t		 i;

	want = form_get(body_query(req), "category");
	found = NULL;
	json_array_foreach(json_object_get(data, "categories"), i, c) {
		code = json_string_value(json_object_get(c, "code"));
		if (want != NULL && code != NULL && strcmp(code, want) == 0)
			found = code;
		json_object_set_new(c, "current", json_boolean(found == code &&
		    found != NULL));
		tmpl_null_if_empty(c, "description");
	}
	json_object_set_new(data, "category", found != NULL ?
	    json_string(found) : json_null());
	if (want != NULL && *want != '\0' && found == NULL) {
		/* Long enough for any code; a longer one is cut, not lost. */
		(void)snprintf(w, sizeof(w), "This round has no category "
		    "\"%.40s\": every application is shown.", want);
		json_object_set_new(data, "category_unknown", json_string(w));
	}

	return (found);
}

/* ?order=: which key the rows follow (the result when absent or unknown). */
static enum rank_key
ranking_order(struct http_request *req, json_t *data)
{
	json_t		*list;
	const char	*want;
	size_t		 i, at;

	want = form_get(body_query(req), "order");
	at = 0;
	for (i = 0; want != NULL && i < sizeof(orders) / sizeof(orders[0]);
	    i++)
		if (strcmp(orders[i].name, want) == 0)
			at = i;
	list = json_array();
	for (i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
		json_array_append_new(list, json_pack("{s:s,s:s,s:b,s:b}",
		    "name", orders[i].name, "label", orders[i].label,
		    "current", i == at, "is_default", i == 0));
	json_object_set_new(data, "orders", list);
	json_object_set_new(data, "order_label",
	    json_string(orders[at].label));

	return (orders[at].key);
}

/* The phase's words and what the page offers in it. */
static void
ranking_phase(json_t *data)
{
	const char	*phase;

	phase = json_string_value(json_object_get(data, "phase"));
	if (phase == NULL)
		phase = "";
	json_object_set_new(data, "is_deciding",
	    json_boolean(strcmp(phase, "deciding") == 0));
	json_object_set_new(data, "is_published",
	    json_boolean(strcmp(phase, "published") == 0));
	json_object_set_new(data, "is_reviewing",
	    json_boolean(strcmp(phase, "reviewing") == 0));
	json_object_set_new(data, "has_form",
	    json_boolean(strcmp(phase, "deciding") == 0 ||
	    strcmp(phase, "published") == 0));
}

int
ranking_show(struct http_request *req)
{
	struct rk	 k;
	json_t		*data, *rows, *row;
	const char	*cat, *c;
	enum rank_key	 key;
	size_t		 i, next;
	int		*shown;

	if (!handler_merge(req, "ranking", NULL))
		return (step_error(req, 404, NULL));
	data = ctx_get(req)->data;
	if (rk_make(req, &k) == -1)
		return (rk_refused(req));

	cat = ranking_category(req, data);
	key = ranking_order(req, data);
	ranking_phase(data);
	rk_round_data(&k, data);

	shown = kore_calloc(k.napps + 1, sizeof(*shown));
	next = 0;
	json_array_foreach(k.apps, i, row) {
		c = json_string_value(json_object_get(row, "category"));
		shown[i] = cat == NULL || (c != NULL && strcmp(c, cat) == 0);
		row_figures(&k, i, row, &next);
		row_fields(row);
	}
	row_ranks(&k, key, shown, "rank", "tie");
	row_ranks(&k, RANK_RAW, shown, "rank_raw", "tie_raw");
	row_ranks(&k, RANK_NORM, shown, "rank_norm", "tie_norm");
	row_ranks(&k, RANK_RESULT, shown, "rank_result", "tie_result");

	rows = json_array();
	for (i = 0; i < k.napps; i++) {
		if (shown[k.out.order[key][i].app])
			json_array_append(rows, json_array_get(k.apps,
			    k.out.order[key][i].app));
	}
	kore_free(shown);
	rk_free(&k);

	json_object_set_new(data, "has_applications",
	    json_boolean(json_array_size(rows) > 0));
	json_object_set_new(data, "applications", rows);
	(void)json_object_del(data, "reviewers");

	return (STEP_NEXT);
}

/* The shown row of application id; NULL when there is none. */
static json_t *
ranking_row(struct http_request *req, long long id)
{
	json_t	*row;
	size_t	 i;

	json_array_foreach(json_object_get(ctx_get(req)->data,
	    "applications"), i, row) {
		if (json_integer_value(json_object_get(row, "id")) == id)
			return (row);
	}

	return (NULL);
}

void
ranking_field_error(struct http_request *req, long long app_id,
    const char *field, const char *message)
{
	json_t		*row;
	const char	*ref;
	char		 key[FIELD_LEN], summary[1024];

	if ((row = ranking_row(req, app_id)) == NULL || field == NULL ||
	    message == NULL || (strcmp(field, "decision") != 0 &&
	    strcmp(field, "citation") != 0))
		return;
	(void)snprintf(key, sizeof(key), "%s_error", field);
	json_object_set_new(row, key, json_string(message));

	ref = json_string_value(json_object_get(row, "reference"));
	(void)snprintf(key, sizeof(key), "%s_%lld", field, app_id);
	(void)snprintf(summary, sizeof(summary), "%s: %s",
	    ref != NULL ? ref : "", message);
	fields_error(req, key, summary);
}

void
ranking_field_value(struct http_request *req, long long app_id,
    const char *field, const char *value)
{
	json_t	*row;

	if ((row = ranking_row(req, app_id)) == NULL || field == NULL)
		return;
	if (strcmp(field, "decision") == 0)
		decision_set(row, value);
	else if (strcmp(field, "citation") == 0) {
		json_object_set_new(row, "citation", json_string(value != NULL ?
		    value : ""));
		tmpl_null_if_empty(row, "citation");
	}
}

static const struct panel_notice ranking_notices[] = {
	{ "closed", "Review is closed: reviews no longer change, and "
	    "decisions can be recorded." },
	{ "decided", "The decisions have been saved." },
	{ NULL, NULL },
};

/* After a POST of closing review or of decisions: say it happened. */
static int
ranking_notice(struct http_request *req)
{
	panel_notice(req, ranking_notices);
	return (STEP_NEXT);
}

static const step_fn ranking_steps[] = { ranking_show, ranking_notice, NULL };

HANDLER(ranking_page,
	.methods = METHODS_GET,
	.enter = ENTER_ADMIN,
	.load = ranking_load,
	.steps = ranking_steps,
	.template = "admin_ranking",
)

/*
 * The calibration: each reviewer beside the round, and what the
 * normalisation changes.
 */

/* "+4.5", "-12.0", "0.0": a reviewer's mean minus the round's. */
static void
set_leniency(json_t *obj, double d)
{
	char		s[SCORE_TOTAL_FORMAT_MAX], w[SCORE_TOTAL_FORMAT_MAX + 1];
	long long	t;

	t = score_total_tenths(d < 0 ? -d : d);
	score_total_format(d < 0 ? -d : d, s, sizeof(s));
	(void)snprintf(w, sizeof(w), "%s%s", t == 0 ? "" : d < 0 ? "-" : "+",
	    s);
	json_object_set_new(obj, "leniency", json_string(w));
}

static int
calibration_show(struct http_request *req)
{
	struct rk			 k;
	const struct rank_reviewer	*rw;
	const struct rank_move		*m;
	json_t				*data, *list, *one, *app;
	size_t				 i, d;
	char				 w[SCOREJSON_WORDS_MAX];

	if (!handler_merge(req, "ranking", NULL))
		return (step_error(req, 404, NULL));
	data = ctx_get(req)->data;
	if (rk_make(req, &k) == -1)
		return (rk_refused(req));
	rk_round_data(&k, data);

	list = json_array();
	for (i = 0; i < k.out.nreviewers; i++) {
		rw = &k.out.reviewer[i];
		one = json_pack("{s:s,s:i,s:b}", "name", reviewer_name(
		    json_object_get(data, "reviewers"), rw->id), "reviews",
		    rw->reviews, "normalised", rw->normalised);
		scorejson_set_total(one, "mean", rw->mean);
		scorejson_set_total(one, "sd", rw->sd);
		set_leniency(one, rw->leniency);
		if (!rw->normalised)
			json_object_set_new(one, "why", json_string(
			    unnormalised_words(rw)));
		json_array_append_new(list, one);
	}
	json_object_set_new(data, "calibration", list);
	json_object_set_new(data, "has_calibration",
	    json_boolean(json_array_size(list) > 0));

	list = json_array();
	for (i = 0; i < k.out.nmoves; i++) {
		m = &k.out.move[i];
		app = json_array_get(k.apps, m->app);
		one = json_pack("{s:O,s:O,s:O,s:i,s:i}", "id",
		    json_object_get(app, "id"), "reference",
		    json_object_get(app, "reference"), "title",
		    json_object_get(app, "title"), "rank_raw",
		    (int)m->rank_raw, "rank_norm", (int)m->rank_norm);
		d = m->rank_raw > m->rank_norm ? m->rank_raw - m->rank_norm :
		    m->rank_norm - m->rank_raw;
		(void)snprintf(w, sizeof(w), "%s %zu %s",
		    m->rank_norm < m->rank_raw ? "up" : "down", d,
		    d == 1 ? "place" : "places");
		json_object_set_new(one, "change", json_string(w));
		json_array_append_new(list, one);
	}
	json_object_set_new(data, "moves", list);
	json_object_set_new(data, "has_moves",
	    json_boolean(json_array_size(list) > 0));
	rk_free(&k);

	(void)json_object_del(data, "applications");
	(void)json_object_del(data, "reviewers");

	return (STEP_NEXT);
}

static const step_fn calibration_steps[] = { calibration_show, NULL };

HANDLER(calibration_page,
	.methods = METHODS_GET,
	.enter = ENTER_ADMIN,
	.load = ranking_load,
	.steps = calibration_steps,
	.template = "admin_calibration",
)
