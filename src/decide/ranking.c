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

/*
 * An application as sql/85_ranking.sql lists it: an array read by
 * place, where 2,000 objects by name cost the page their keys twice,
 * parsed and then rebuilt (SPEC §8).
 */
enum {
	APP_ID,
	APP_REFERENCE,
	APP_TITLE,
	APP_CATEGORY,
	APP_DUE,
	APP_DONE,
	APP_ABSTAINED,
	APP_CONSENSUS,
	APP_DECISION,
	APP_CITATION,
	APP_REVIEWS,		/* "user,halves...,user,halves..." */
};

/* What a row of the ranking says of its own reviews (core/score.c's). */
struct rk_row {
	int	 eligible;
	json_t	*gates;		/* ineligible: the gates failed, in words */
	json_t	*reasons;	/* the agenda's reasons; NULL: none */
};

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
	struct rk_row		*row;		/* NULL: no rows (calibration) */
	struct scorejson_words	*words;		/* the rows' reasons, shared */
	double			*crit;		/* napps × criteria, halves */
	size_t			 tb[SCORE_CRITERIA_MAX];
	struct rank_input	 in;
	struct rank_round	 out;
};

#define RK_TENTHS	1001	/* the totals of 0.0 to 100.0 */

/*
 * What the rows of a page share: each order's ranks of the rows shown,
 * the rule that broke each tie (a criterion's index, the rubric's size
 * for the lower reference, -1 for none), and the values that many rows
 * show alike, each made once when first shown: 2,000 rows show 16,000
 * totals and ranks (SPEC §8), where a total has 1,001 forms.
 */
struct rk_page {
	size_t	*rank[RANK_KEYS];
	int	*tie[RANK_KEYS];
	json_t	*words[SCORE_CRITERIA_MAX + 1];	/* "tie broken by C1" */
	json_t	*total[RK_TENTHS];
	json_t	**number;			/* ranks, 1 to napps */
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

/* An application's reviews as listed, at most SCORE_REVIEWS_MAX. */
static size_t
rk_nreviews(const struct rk *k, json_t *app)
{
	size_t	n;

	n = scorejson_numbers(json_string_value(json_array_get(app,
	    APP_REVIEWS)), NULL, 0) / (k->cr.r.n + 1);

	return (n < SCORE_REVIEWS_MAX ? n : SCORE_REVIEWS_MAX);
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
	long long		*num, *h;
	int			 cons[SCORE_CRITERIA_MAX], *cp;
	size_t			 j, c, n, ncrit;

	ncrit = k->cr.r.n;
	n = rk_nreviews(k, app);
	num = kore_calloc(n * (ncrit + 1) + 1, sizeof(*num));
	(void)scorejson_numbers(json_string_value(json_array_get(app,
	    APP_REVIEWS)), num, n * (ncrit + 1));
	rv = kore_calloc(n > 0 ? n : 1, sizeof(*rv));
	for (j = 0; j < n; j++) {
		/* A score missing: the review left out (SCORE_NONE). */
		score_review_init(&rv[j]);
		h = &num[j * (ncrit + 1)];
		for (c = 0; c < ncrit; c++)
			rv[j].halves[c] = scorejson_halves_number(h[c + 1]);
	}
	cp = scorejson_consensus(&k->cr, json_array_get(app, APP_CONSENSUS),
	    cons);
	/* A summary that fails (it cannot: scores are checked) is all zero. */
	if (score_summarise(&k->cr.r, rv, n, cp, &sum) == -1)
		(void)score_summarise(&k->cr.r, NULL, 0, NULL, &sum);

	for (j = 0; j < n; j++) {
		k->rv[k->nrv].reviewer = (long)num[j * (ncrit + 1)];
		k->rv[k->nrv].app = i;
		k->rv[k->nrv].total = score_review_total(&k->cr.r, &rv[j]);
		k->nrv++;
	}
	kore_free(rv);
	kore_free(num);

	k->ra[i].id = (long)i;
	k->ra[i].consensus = sum.has_consensus ? sum.result_total : -1;
	k->ra[i].crit = &k->crit[i * ncrit];
	for (c = 0; c < ncrit; c++)
		k->crit[i * ncrit + c] = sum.crit[c].result >= 0 ?
		    sum.crit[c].result * 2 : -1;

	if (k->row == NULL)
		return;
	k->row[i].eligible = sum.eligible;
	if (!sum.eligible)
		k->row[i].gates = gates_words(&k->cr, rubric, &sum);
	k->row[i].reasons = scorejson_reasons_shared(&k->cr.r, &sum,
	    k->words);
	if (json_array_size(k->row[i].reasons) == 0) {
		json_decref(k->row[i].reasons);
		k->row[i].reasons = NULL;
	}
}

static void
rk_free(struct rk *k)
{
	size_t	i;

	for (i = 0; k->row != NULL && i < k->napps; i++) {
		json_decref(k->row[i].gates);
		json_decref(k->row[i].reasons);
	}
	kore_free(k->row);
	if (k->words != NULL) {
		scorejson_words_free(k->words);
		kore_free(k->words);
	}
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
 * The loaded round computed into *k (rk_free() it), with what each row
 * says of its reviews when rows is set: 0, or -1 when the rubric cannot
 * be summed up or core/rank.c refused (the error page is then the
 * caller's).
 */
static int
rk_make(struct http_request *req, struct rk *k, int rows)
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
		nrv += rk_nreviews(k, app);
	k->rv = kore_calloc(nrv + 1, sizeof(*k->rv));
	k->ra = kore_calloc(k->napps + 1, sizeof(*k->ra));
	if (rows) {
		k->row = kore_calloc(k->napps + 1, sizeof(*k->row));
		k->words = kore_calloc(1, sizeof(*k->words));
	}
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
 * ranking_data()'s column: the kept data (sql/85_ranking.sql) beside the
 * round's phase, merged into the page's data as one object. 0 when there
 * is none for this user.
 */
static int
rk_merge(struct http_request *req)
{
	return (handler_merge(req, "ranking", NULL) &&
	    handler_lift(ctx_get(req)->data, "kept"));
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

/*
 * The form's fields of a row, as decisions.c reads them back (named
 * decision_{id} and citation_{id} by the template).
 */
static void
row_fields(json_t *row, json_t *app)
{
	json_t	*citation;

	json_object_set_new(row, "decision_error", json_null());
	json_object_set_new(row, "citation_error", json_null());
	decision_set(row, json_string_value(json_array_get(app,
	    APP_DECISION)));
	citation = json_array_get(app, APP_CITATION);
	json_object_set(row, "citation", json_string_length(citation) > 0 ?
	    citation : json_null());
}

/* A total as the rows show it ("62.3"; null without one): shared. */
static json_t *
page_total(struct rk_page *pg, double total)
{
	char		s[SCORE_TOTAL_FORMAT_MAX];
	long long	t;

	t = score_total_tenths(total);
	if (t >= 0 && t < RK_TENTHS && pg->total[t] != NULL)
		return (json_incref(pg->total[t]));
	score_total_format(total, s, sizeof(s));
	if (s[0] == '\0')
		return (json_null());
	if (t < 0 || t >= RK_TENTHS)
		return (json_string(s));
	pg->total[t] = json_string(s);

	return (json_incref(pg->total[t]));
}

/* A rank from 1; null without one (no key: nothing to rank by). */
static json_t *
page_rank(struct rk_page *pg, size_t rank)
{
	if (rank == 0)
		return (json_null());
	if (pg->number[rank] == NULL)
		pg->number[rank] = json_integer((json_int_t)rank);

	return (json_incref(pg->number[rank]));
}

/*
 * A row's figures of the round computed: the reviews' totals (complete
 * ones: an abstention counts as done, not scored), the means, the
 * result, how many of its reviews count as they are, and what its
 * reviews say (core/score.c's).
 */
static void
row_figures(const struct rk *k, struct rk_page *pg, size_t i, json_t *row,
    size_t at)
{
	const struct rank_app_stat	*st = &k->out.app[i];
	const struct rank_reviewer	*rw;
	const struct rk_row		*rr = &k->row[i];
	json_t				*totals;
	int				 asis;

	totals = json_array();
	asis = 0;
	for (; at < k->nrv && k->rv[at].app == i; at++) {
		if (k->rv[at].total < 0)
			continue;
		json_array_append_new(totals, page_total(pg, k->rv[at].total));
		rw = rk_reviewer(k, k->rv[at].reviewer);
		if (rw != NULL && !rw->normalised)
			asis++;
	}
	json_object_set_new(row, "totals", totals);
	json_object_set_new(row, "raw_mean", page_total(pg, st->raw_mean));
	json_object_set_new(row, "spread", page_total(pg, st->reviews >= 2 ?
	    st->spread : -1));
	json_object_set_new(row, "norm_mean", page_total(pg, st->norm_mean));
	json_object_set_new(row, "result", page_total(pg, st->result));
	json_object_set_new(row, "consensus", page_total(pg,
	    k->ra[i].consensus));
	json_object_set_new(row, "as_is", asis > 0 ?
	    json_integer(asis) : json_null());

	/* Each list only where the template looks: ineligible, to discuss. */
	json_object_set_new(row, "eligible", json_boolean(rr->eligible));
	if (!rr->eligible)
		json_object_set(row, "gates_failed", rr->gates);
	json_object_set_new(row, "disagreement",
	    json_boolean(rr->reasons != NULL));
	if (rr->reasons != NULL)
		json_object_set(row, "reasons", rr->reasons);
}

/*
 * One order over the rows shown: their ranks from 1 among themselves,
 * and between two shown neighbours whose keys show alike, the rule that
 * broke the tie.
 */
static void
page_order(const struct rk *k, enum rank_key key, const int *shown,
    struct rk_page *pg)
{
	const struct rank_place	*p;
	size_t			 i, pos, prev, c;
	long long		 prev_tenths;

	pos = 0;
	prev = 0;
	prev_tenths = -1;
	for (i = 0; i < k->napps; i++) {
		p = &k->out.order[key][i];
		if (!shown[p->app])
			continue;
		pg->tie[key][p->app] = -1;
		if (p->rank == 0)
			continue;
		pg->rank[key][p->app] = ++pos;
		if (pos > 1 && score_total_tenths(p->key) == prev_tenths)
			pg->tie[key][p->app] = rank_tie_between(&k->in, prev,
			    p->app, &c) == RANK_TIE_CRITERION ? (int)c :
			    (int)k->cr.r.n;
		prev = p->app;
		prev_tenths = score_total_tenths(p->key);
	}
}

/* Every order's ranks of the rows shown, with the ties' words. */
static void
page_make(const struct rk *k, const int *shown, struct rk_page *pg)
{
	char	w[SCOREJSON_WORDS_MAX];
	size_t	c, key;

	memset(pg, 0, sizeof(*pg));
	for (key = 0; key < RANK_KEYS; key++) {
		pg->rank[key] = kore_calloc(k->napps + 1,
		    sizeof(*pg->rank[key]));
		pg->tie[key] = kore_calloc(k->napps + 1,
		    sizeof(*pg->tie[key]));
		page_order(k, key, shown, pg);
	}
	pg->number = kore_calloc(k->napps + 1, sizeof(*pg->number));
	for (c = 0; c <= k->cr.r.n; c++) {
		if (c < k->cr.r.n)
			(void)snprintf(w, sizeof(w), "tie broken by %s",
			    k->cr.crit[c].code);
		else
			(void)snprintf(w, sizeof(w), "tie broken by the "
			    "lower reference");
		pg->words[c] = json_string(w);
	}
}

static void
page_free(const struct rk *k, struct rk_page *pg)
{
	size_t	i;

	for (i = 0; i < RANK_KEYS; i++) {
		kore_free(pg->rank[i]);
		kore_free(pg->tie[i]);
	}
	for (i = 0; i < SCORE_CRITERIA_MAX + 1; i++)
		json_decref(pg->words[i]);
	for (i = 0; i < RK_TENTHS; i++)
		json_decref(pg->total[i]);
	for (i = 0; i <= k->napps; i++)
		json_decref(pg->number[i]);
	kore_free(pg->number);
	memset(pg, 0, sizeof(*pg));
}

/* A row's rank by one order, and the rule that broke its tie. */
static void
row_rank(struct rk_page *pg, enum rank_key key, size_t i, json_t *row,
    const char *rank_key, const char *tie_key)
{
	json_object_set_new(row, rank_key, page_rank(pg, pg->rank[key][i]));
	json_object_set(row, tie_key, pg->tie[key][i] >= 0 ?
	    pg->words[pg->tie[key][i]] : json_null());
}

/*
 * The row of application i, as the template shows it: what the
 * database said of it, shared with the loaded data rather than copied,
 * and what was computed. at: where its reviews start in k->rv.
 */
static json_t *
row_new(const struct rk *k, struct rk_page *pg, enum rank_key key,
    size_t i, size_t at)
{
	json_t	*row, *app, *abstained;

	app = json_array_get(k->apps, i);
	row = json_object();
	json_object_set(row, "id", json_array_get(app, APP_ID));
	json_object_set(row, "reference", json_array_get(app, APP_REFERENCE));
	json_object_set(row, "title", json_array_get(app, APP_TITLE));
	json_object_set(row, "category", json_array_get(app, APP_CATEGORY));
	json_object_set(row, "due", json_array_get(app, APP_DUE));
	json_object_set(row, "done", json_array_get(app, APP_DONE));
	/* The templates take 0 as true (core/tmpl.c). */
	abstained = json_array_get(app, APP_ABSTAINED);
	json_object_set(row, "abstained", json_integer_value(abstained) != 0 ?
	    abstained : json_null());
	row_figures(k, pg, i, row, at);
	row_fields(row, app);
	row_rank(pg, key, i, row, "rank", "tie");
	row_rank(pg, RANK_RAW, i, row, "rank_raw", "tie_raw");
	row_rank(pg, RANK_NORM, i, row, "rank_norm", "tie_norm");
	row_rank(pg, RANK_RESULT, i, row, "rank_result", "tie_result");

	return (row);
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
	struct rk_page	 pg;
	json_t		*data, *rows, *app;
	const char	*cat, *c;
	enum rank_key	 key;
	size_t		 i, *next, at;
	int		*shown;

	if (!rk_merge(req))
		return (step_error(req, 404, NULL));
	data = ctx_get(req)->data;
	if (rk_make(req, &k, 1) == -1)
		return (rk_refused(req));

	cat = ranking_category(req, data);
	key = ranking_order(req, data);
	ranking_phase(data);
	rk_round_data(&k, data);

	/* Where each application's reviews start (grouped, in order). */
	shown = kore_calloc(k.napps + 1, sizeof(*shown));
	next = kore_calloc(k.napps + 1, sizeof(*next));
	for (i = 0, at = 0; i < k.napps; i++) {
		app = json_array_get(k.apps, i);
		c = json_string_value(json_array_get(app, APP_CATEGORY));
		shown[i] = cat == NULL || (c != NULL && strcmp(c, cat) == 0);
		while (at < k.nrv && k.rv[at].app < i)
			at++;
		next[i] = at;
	}
	page_make(&k, shown, &pg);

	/* Only the rows shown are made, in the order asked for. */
	rows = json_array();
	for (i = 0; i < k.napps; i++) {
		at = k.out.order[key][i].app;
		if (shown[at])
			json_array_append_new(rows, row_new(&k, &pg, key, at,
			    next[at]));
	}
	page_free(&k, &pg);
	kore_free(next);
	kore_free(shown);
	rk_free(&k);

	json_object_set_new(data, "has_applications",
	    json_boolean(json_array_size(rows) > 0));
	json_object_set_new(data, "applications", rows);
	(void)json_object_del(data, "reviewers");

	return (STEP_NEXT);
}

/*
 * The shown row of application id; NULL when there is none. A POST of
 * the decisions looks up every row twice: a search along the 2,000 rows
 * each time was 8 million key lookups, about half a second. The rows are
 * indexed by id once, in the page's data (nothing renders the index).
 */
static json_t *
ranking_row(struct http_request *req, long long id)
{
	json_t	*data, *index, *row;
	char	 key[24];
	size_t	 i;

	data = ctx_get(req)->data;
	if ((index = json_object_get(data, "rows_by_id")) == NULL) {
		index = json_object();
		json_array_foreach(json_object_get(data, "applications"), i,
		    row) {
			(void)snprintf(key, sizeof(key), "%lld", (long long)
			    json_integer_value(json_object_get(row, "id")));
			json_object_set(index, key, row);
		}
		json_object_set_new(data, "rows_by_id", index);
	}
	(void)snprintf(key, sizeof(key), "%lld", id);

	return (json_object_get(index, key));
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

	if (!rk_merge(req))
		return (step_error(req, 404, NULL));
	data = ctx_get(req)->data;
	if (rk_make(req, &k, 0) == -1)
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
		    json_array_get(app, APP_ID), "reference",
		    json_array_get(app, APP_REFERENCE), "title",
		    json_array_get(app, APP_TITLE), "rank_raw",
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
