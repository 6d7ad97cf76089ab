/*
 * The ranking of a round: reviewers beside the round, z-score
 * normalisation, applications' figures, orders with broken ties and
 * the calibration (core/rank.h).
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rank.h"
#include "core/score.h"

/* Results per criterion are equal within this: means of halves. */
#define CRIT_TOLERANCE	1e-9

/*
 * A reviewer's totals all alike leave a standard deviation of binary
 * error, not 0: below this, there is nothing to standardise by.
 */
#define SD_TOLERANCE	1e-9

/* A review's place among its reviewer's, for sorting by reviewer. */
struct by_reviewer {
	long	id;
	size_t	review;
};

/*
 * An application in an order. Each carries the input: qsort() has no
 * argument for the comparison's context (qsort_r() differs by libc).
 */
struct sort_ent {
	size_t				 app;
	long long			 tenths;	/* -1 without a key */
	const struct rank_input		*in;
};

static int
total_valid(double t)
{
	/* Below 0 is none; written so that NaN fails. */
	return (t < 0 || (t >= 0 && t <= 100));
}

static int
consensus_valid(double c)
{
	return (c == -1 || (c >= 0 && c <= 100));
}

static int
long_cmp(const void *a, const void *b)
{
	long	x = *(const long *)a, y = *(const long *)b;

	return (x < y ? -1 : x > y);
}

/* Two applications with one id would leave the last tie-break open. */
static int
ids_unique(const struct rank_input *in)
{
	long	*ids;
	size_t	 i;
	int	 ok;

	if (in->napps < 2)
		return (1);
	if ((ids = calloc(in->napps, sizeof(*ids))) == NULL)
		return (0);
	for (i = 0; i < in->napps; i++)
		ids[i] = in->apps[i].id;
	qsort(ids, in->napps, sizeof(*ids), long_cmp);
	ok = 1;
	for (i = 1; i < in->napps && ok; i++)
		if (ids[i] == ids[i - 1])
			ok = 0;
	free(ids);

	return (ok);
}

static int
input_valid(const struct rank_input *in)
{
	size_t	i;

	if (in->nreviews > RANK_REVIEWS_MAX || in->napps > RANK_APPS_MAX)
		return (0);
	if ((in->nreviews > 0 && in->reviews == NULL) ||
	    (in->napps > 0 && in->apps == NULL) ||
	    (in->ntiebreak > 0 && in->tiebreak == NULL))
		return (0);
	for (i = 0; i < in->nreviews; i++)
		if (in->reviews[i].app >= in->napps ||
		    !total_valid(in->reviews[i].total))
			return (0);
	for (i = 0; i < in->napps; i++)
		if (!consensus_valid(in->apps[i].consensus))
			return (0);
	for (i = 0; i < in->ntiebreak; i++)
		if (in->tiebreak[i] >= in->ncrit)
			return (0);

	return (ids_unique(in));
}

static int
by_reviewer_cmp(const void *a, const void *b)
{
	const struct by_reviewer	*x = a, *y = b;

	if (x->id != y->id)
		return (x->id < y->id ? -1 : 1);
	return (x->review < y->review ? -1 : x->review > y->review);
}

/* The round's mean and standard deviation over every included total. */
static void
round_stats(const struct rank_input *in, struct rank_round *r)
{
	double	sum, sq, d;
	size_t	i;

	r->mean = -1;
	r->sd = 0;
	sum = 0;
	for (i = 0; i < in->nreviews; i++) {
		if (in->reviews[i].total < 0)
			continue;
		sum += in->reviews[i].total;
		r->reviews++;
	}
	if (r->reviews == 0)
		return;
	r->mean = sum / r->reviews;

	/* Two passes: no cancellation of large squares. */
	sq = 0;
	for (i = 0; i < in->nreviews; i++) {
		if (in->reviews[i].total < 0)
			continue;
		d = in->reviews[i].total - r->mean;
		sq += d * d;
	}
	r->sd = sqrt(sq / r->reviews);
}

/*
 * One reviewer's figures, from the included totals of v[0..n) (one
 * reviewer's reviews), and their normalised totals into r->adjusted.
 */
static void
reviewer_make(const struct rank_input *in, const struct by_reviewer *v,
    size_t n, struct rank_round *r, struct rank_reviewer *rw)
{
	double	sum, sq, d, t, z;
	size_t	i;

	memset(rw, 0, sizeof(*rw));
	rw->id = v[0].id;
	sum = 0;
	for (i = 0; i < n; i++) {
		if ((t = in->reviews[v[i].review].total) < 0)
			continue;
		sum += t;
		rw->reviews++;
	}
	rw->mean = sum / rw->reviews;
	sq = 0;
	for (i = 0; i < n; i++) {
		if ((t = in->reviews[v[i].review].total) < 0)
			continue;
		d = t - rw->mean;
		sq += d * d;
	}
	rw->sd = sqrt(sq / rw->reviews);
	rw->leniency = rw->mean - r->mean;
	rw->normalised = rw->reviews >= RANK_NORM_MIN &&
	    rw->sd >= SD_TOLERANCE;

	for (i = 0; i < n; i++) {
		if ((t = in->reviews[v[i].review].total) < 0)
			continue;
		if (rw->normalised) {
			z = (t - rw->mean) / rw->sd;
			t = r->mean + z * r->sd;
			/* Kept on the scale: see core/rank.h. */
			if (t < 0)
				t = 0;
			else if (t > 100)
				t = 100;
		}
		r->adjusted[v[i].review] = t;
	}
}

/*
 * Reviewers in ascending id, each with the reviews that have a total
 * (a reviewer with none is no reviewer of the round's figures).
 */
static int
reviewers_make(const struct rank_input *in, struct rank_round *r)
{
	struct by_reviewer	*v;
	size_t			 i, j, n;

	for (i = 0; i < in->nreviews; i++)
		r->adjusted[i] = -1;
	n = 0;
	if ((v = calloc(in->nreviews + 1, sizeof(*v))) == NULL)
		return (-1);
	for (i = 0; i < in->nreviews; i++) {
		if (in->reviews[i].total < 0)
			continue;
		v[n].id = in->reviews[i].reviewer;
		v[n].review = i;
		n++;
	}
	qsort(v, n, sizeof(*v), by_reviewer_cmp);
	if ((r->reviewer = calloc(n + 1, sizeof(*r->reviewer))) == NULL) {
		free(v);
		return (-1);
	}
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && v[j].id == v[i].id; j++)
			continue;
		reviewer_make(in, v + i, j - i, r,
		    &r->reviewer[r->nreviewers++]);
	}
	free(v);

	return (0);
}

/* Each application's figures, from the totals and the adjusted ones. */
static void
apps_make(const struct rank_input *in, struct rank_round *r)
{
	struct rank_app_stat	*a;
	double			 t;
	size_t			 i;

	for (i = 0; i < in->nreviews; i++) {
		if ((t = in->reviews[i].total) < 0)
			continue;
		a = &r->app[in->reviews[i].app];
		if (a->reviews == 0 || t < a->min)
			a->min = t;
		if (a->reviews == 0 || t > a->max)
			a->max = t;
		a->raw_mean += t;
		a->norm_mean += r->adjusted[i];
		a->reviews++;
	}
	for (i = 0; i < in->napps; i++) {
		a = &r->app[i];
		if (a->reviews == 0) {
			a->raw_mean = a->norm_mean = a->min = a->max = -1;
		} else {
			a->raw_mean /= a->reviews;
			a->norm_mean /= a->reviews;
			a->spread = a->max - a->min;
		}
		a->has_consensus = in->apps[i].consensus >= 0;
		a->result = a->has_consensus ? in->apps[i].consensus :
		    a->norm_mean;
	}
}

/* An application's result on criterion c, in halves; -1 without one. */
static double
crit_of(const struct rank_input *in, size_t app, size_t c)
{
	const double	*v = in->apps[app].crit;

	/* Written so that NaN is none too. */
	if (v == NULL || !(v[c] >= 0))
		return (-1);
	return (v[c]);
}

/*
 * The order of two applications, better first (below 0: a first), and
 * what decided it when their keys tie. Without a key, both go by id.
 */
static int
decide(const struct sort_ent *a, const struct sort_ent *b,
    enum rank_tie *tie, size_t *criterion)
{
	const struct rank_input	*in = a->in;
	double			 x, y;
	long			 ida, idb;
	size_t			 i, c;

	*tie = RANK_TIE_NONE;
	*criterion = 0;
	if (a->tenths != b->tenths)
		return (a->tenths > b->tenths ? -1 : 1);
	for (i = 0; a->tenths >= 0 && i < in->ntiebreak; i++) {
		c = in->tiebreak[i];
		x = crit_of(in, a->app, c);
		y = crit_of(in, b->app, c);
		if (x - y > CRIT_TOLERANCE || y - x > CRIT_TOLERANCE) {
			*tie = RANK_TIE_CRITERION;
			*criterion = c;
			return (x > y ? -1 : 1);
		}
	}
	*tie = RANK_TIE_ID;
	ida = in->apps[a->app].id;
	idb = in->apps[b->app].id;

	/* Ids are unique (input_valid()): never 0 for two applications. */
	return (ida < idb ? -1 : ida > idb);
}

static int
sort_ent_cmp(const void *a, const void *b)
{
	enum rank_tie	tie;
	size_t		criterion;

	return (decide(a, b, &tie, &criterion));
}

static double
key_of(const struct rank_app_stat *a, enum rank_key k)
{
	switch (k) {
	case RANK_RAW:
		return (a->raw_mean);
	case RANK_NORM:
		return (a->norm_mean);
	default:
		return (a->result);
	}
}

/* One order, into r->order[k], and each application's rank in it. */
static void
order_make(const struct rank_input *in, struct rank_round *r,
    enum rank_key k, struct sort_ent *v)
{
	struct rank_place	*p;
	size_t			 i;

	for (i = 0; i < in->napps; i++) {
		v[i].app = i;
		v[i].tenths = score_total_tenths(key_of(&r->app[i], k));
		v[i].in = in;
	}
	qsort(v, in->napps, sizeof(*v), sort_ent_cmp);
	for (i = 0; i < in->napps; i++) {
		p = &r->order[k][i];
		p->app = v[i].app;
		p->key = key_of(&r->app[p->app], k);
		if (v[i].tenths < 0)
			continue;
		p->rank = i + 1;
		r->app[p->app].rank[k] = p->rank;
		if (i > 0 && v[i - 1].tenths == v[i].tenths)
			(void)decide(&v[i - 1], &v[i], &p->tie,
			    &p->criterion);
	}
}

/* The applications whose rank the normalisation changes. */
static void
moves_make(struct rank_round *r)
{
	const struct rank_app_stat	*a;
	size_t				 i, app;

	for (i = 0; i < r->napps; i++) {
		app = r->order[RANK_NORM][i].app;
		a = &r->app[app];
		if (a->rank[RANK_RAW] == a->rank[RANK_NORM])
			continue;
		r->move[r->nmoves].app = app;
		r->move[r->nmoves].rank_raw = a->rank[RANK_RAW];
		r->move[r->nmoves].rank_norm = a->rank[RANK_NORM];
		r->nmoves++;
	}
}

static int
alloc_all(const struct rank_input *in, struct rank_round *r)
{
	size_t	k;

	/* + 1: calloc(0) may be NULL, which is no failure here. */
	r->nreviews = in->nreviews;
	r->napps = in->napps;
	if ((r->adjusted = calloc(in->nreviews + 1,
	    sizeof(*r->adjusted))) == NULL)
		return (-1);
	if ((r->app = calloc(in->napps + 1, sizeof(*r->app))) == NULL)
		return (-1);
	if ((r->move = calloc(in->napps + 1, sizeof(*r->move))) == NULL)
		return (-1);
	for (k = 0; k < RANK_KEYS; k++)
		if ((r->order[k] = calloc(in->napps + 1,
		    sizeof(*r->order[k]))) == NULL)
			return (-1);

	return (0);
}

int
rank_make(const struct rank_input *in, struct rank_round *out)
{
	struct sort_ent	*v;
	size_t		 k;

	memset(out, 0, sizeof(*out));
	if (in == NULL || !input_valid(in))
		return (-1);
	if (alloc_all(in, out) == -1)
		goto fail;
	round_stats(in, out);
	if (reviewers_make(in, out) == -1)
		goto fail;
	apps_make(in, out);

	if ((v = calloc(in->napps + 1, sizeof(*v))) == NULL)
		goto fail;
	for (k = 0; k < RANK_KEYS; k++)
		order_make(in, out, (enum rank_key)k, v);
	free(v);
	moves_make(out);

	return (0);
fail:
	rank_free(out);
	return (-1);
}

void
rank_free(struct rank_round *r)
{
	size_t	k;

	if (r == NULL)
		return;
	free(r->reviewer);
	free(r->adjusted);
	free(r->app);
	for (k = 0; k < RANK_KEYS; k++)
		free(r->order[k]);
	free(r->move);
	memset(r, 0, sizeof(*r));
}

enum rank_tie
rank_tie_between(const struct rank_input *in, size_t a, size_t b,
    size_t *criterion)
{
	struct sort_ent	x, y;
	enum rank_tie	tie;

	*criterion = 0;
	if (in == NULL || a >= in->napps || b >= in->napps || a == b)
		return (RANK_TIE_ID);
	/* Keys alike (and present): decide() goes down the tie-break. */
	x.app = a;
	x.tenths = 0;
	x.in = in;
	y = x;
	y.app = b;
	(void)decide(&x, &y, &tie, criterion);

	return (tie);
}
