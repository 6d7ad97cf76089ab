#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/rank.h"

/* Doubles computed by hand: equal but for binary error. */
#define assert_near(a, b) do {						\
	double	near_a = (a), near_b = (b);				\
	if (!(near_a - near_b < 1e-9 && near_b - near_a < 1e-9))	\
		fail_msg("%s is %.17g, not %.17g", #a, near_a, near_b);	\
} while (0)

static struct rank_input
input(const struct rank_review *rv, size_t nrv, const struct rank_app *a,
    size_t na)
{
	struct rank_input	in;

	memset(&in, 0, sizeof(in));
	in.reviews = rv;
	in.nreviews = nrv;
	in.apps = a;
	in.napps = na;

	return (in);
}

static const struct rank_reviewer *
reviewer(const struct rank_round *r, long id)
{
	size_t	i;

	for (i = 0; i < r->nreviewers; i++)
		if (r->reviewer[i].id == id)
			return (&r->reviewer[i]);
	fail_msg("no reviewer %ld", id);
	return (NULL);
}

/*
 * Six applications A to F, truly worth 80, 72, 64, 56, 48 and 40. The
 * fair reviewer 1 reads all six; the harsh reviewer 2 (20 below the
 * truth) reads A, C, E; the lenient reviewer 3 (20 above) reads B, D,
 * F. Raw means: A 70, B 82, C 54, D 66, E 38, F 50, so B comes first
 * and E last. Each reviewer's totals are a line of the truth, so their
 * z-scores are the truth's and the normalised order is the true one.
 */
enum { A, B, C, D, E, F };
static const struct rank_review	planted[] = {
	{ 1, A, 80 }, { 1, B, 72 }, { 1, C, 64 },
	{ 1, D, 56 }, { 1, E, 48 }, { 1, F, 40 },
	{ 2, A, 60 }, { 2, C, 44 }, { 2, E, 28 },
	{ 3, B, 92 }, { 3, D, 76 }, { 3, F, 60 },
};
static const struct rank_app	planted_apps[] = {
	{ 101, -1, NULL }, { 102, -1, NULL }, { 103, -1, NULL },
	{ 104, -1, NULL }, { 105, -1, NULL }, { 106, -1, NULL },
};

static void
test_planted(void **state)
{
	struct rank_input	in;
	struct rank_round	r;
	double			sd;
	size_t			i;
	static const size_t	raw[] = { B, A, D, C, F, E };
	static const struct rank_move	moves[] = {
		{ A, 2, 1 }, { B, 1, 2 }, { C, 4, 3 },
		{ D, 3, 4 }, { E, 6, 5 }, { F, 5, 6 },
	};

	(void)state;
	in = input(planted, 12, planted_apps, 6);
	assert_int_equal(rank_make(&in, &r), 0);

	/* 720 / 12; squares from 60: 1120 + 1280 + 1280. */
	assert_int_equal(r.reviews, 12);
	assert_near(r.mean, 60);
	sd = sqrt(3680.0 / 12);
	assert_near(r.sd, sd);

	/* Leniency: mean minus the round's. */
	assert_int_equal(r.nreviewers, 3);
	assert_int_equal(r.reviewer[0].id, 1);
	assert_int_equal(reviewer(&r, 1)->reviews, 6);
	assert_near(reviewer(&r, 1)->leniency, 0);
	assert_near(reviewer(&r, 2)->mean, 44);
	assert_near(reviewer(&r, 2)->sd, sqrt(512.0 / 3));
	assert_near(reviewer(&r, 2)->leniency, -16);
	assert_near(reviewer(&r, 3)->leniency, 16);
	for (i = 0; i < 3; i++)
		assert_true(r.reviewer[i].normalised);

	/* The harsh 60 on A: z = 16 / sqrt(512 / 3) = sqrt(3 / 2). */
	assert_near(r.adjusted[6], 60 + sqrt(1.5) * sd);
	assert_near(r.adjusted[7], 60);

	assert_near(r.app[B].raw_mean, 82);
	assert_near(r.app[B].spread, 20);
	assert_near(r.app[E].raw_mean, 38);
	assert_int_equal(r.app[A].reviews, 2);
	/* A: the fair z 20 / sqrt(1120 / 6), the harsh sqrt(3 / 2). */
	assert_near(r.app[A].norm_mean, 60 +
	    (20 / sqrt(1120.0 / 6) + sqrt(1.5)) / 2 * sd);
	assert_near(r.app[A].result, r.app[A].norm_mean);

	for (i = 0; i < 6; i++) {
		assert_int_equal(r.order[RANK_RAW][i].app, raw[i]);
		assert_int_equal(r.order[RANK_NORM][i].app, i);
		assert_int_equal(r.order[RANK_RESULT][i].app, i);
		assert_int_equal(r.order[RANK_NORM][i].rank, i + 1);
		assert_int_equal(r.order[RANK_NORM][i].tie, RANK_TIE_NONE);
		assert_int_equal(r.app[i].rank[RANK_NORM], i + 1);
	}

	assert_int_equal(r.nmoves, 6);
	for (i = 0; i < 6; i++) {
		assert_int_equal(r.move[i].app, moves[i].app);
		assert_int_equal(r.move[i].rank_raw, moves[i].rank_raw);
		assert_int_equal(r.move[i].rank_norm, moves[i].rank_norm);
	}
	rank_free(&r);
	assert_null(r.app);
}

/*
 * Reviewer 1: 50, 60, 70 (mean 60, sd sqrt(200 / 3)); reviewer 2 only
 * two reviews, 90 and 30. Round: mean 60, squares 2000 / 5, sd 20.
 */
static void
test_too_few(void **state)
{
	static const struct rank_review	rv[] = {
		{ 1, 0, 50 }, { 1, 1, 60 }, { 1, 2, 70 },
		{ 2, 0, 90 }, { 2, 1, 30 }, { 2, 2, -1 },
	};
	static const struct rank_app	apps[] = {
		{ 1, -1, NULL }, { 2, -1, NULL }, { 3, -1, NULL },
	};
	struct rank_input		in;
	struct rank_round		r;

	(void)state;
	in = input(rv, 6, apps, 3);
	assert_int_equal(rank_make(&in, &r), 0);
	assert_int_equal(r.reviews, 5);
	assert_near(r.sd, 20);

	assert_true(reviewer(&r, 1)->normalised);
	assert_near(r.adjusted[0], 60 - 20 * sqrt(1.5));
	assert_near(r.adjusted[1], 60);

	/* Flagged, totals as they are; the abstention counts nowhere. */
	assert_false(reviewer(&r, 2)->normalised);
	assert_int_equal(reviewer(&r, 2)->reviews, 2);
	assert_near(reviewer(&r, 2)->sd, 30);
	assert_near(r.adjusted[3], 90);
	assert_near(r.adjusted[4], 30);
	assert_near(r.adjusted[5], -1);
	assert_int_equal(r.app[2].reviews, 1);
	assert_near(r.app[2].spread, 0);
	rank_free(&r);
}

/* Reviewer 1 gave 70 three times: nothing to standardise by. */
static void
test_sd_zero(void **state)
{
	static const struct rank_review	rv[] = {
		{ 1, 0, 70 }, { 1, 1, 70 }, { 1, 2, 70 },
		{ 2, 0, 40 }, { 2, 1, 50 }, { 2, 2, 90 },
	};
	static const struct rank_app	apps[] = {
		{ 1, -1, NULL }, { 2, -1, NULL }, { 3, -1, NULL },
	};
	struct rank_input		in;
	struct rank_round		r;

	(void)state;
	in = input(rv, 6, apps, 3);
	assert_int_equal(rank_make(&in, &r), 0);
	assert_near(reviewer(&r, 1)->sd, 0);
	assert_false(reviewer(&r, 1)->normalised);
	assert_near(r.adjusted[0], 70);
	assert_near(r.adjusted[2], 70);
	assert_true(reviewer(&r, 2)->normalised);
	rank_free(&r);
}

/*
 * Five applications that all show 70.0 (70.04 too: the page shows
 * tenths), one 70.05 that shows 70.1; tie-break C1, then C2. Results
 * per criterion in halves.
 */
static void
test_ties(void **state)
{
	static const double		c_9_5[] = { 9, 5 }, c_8_7[] = { 8, 7 },
					c_8_6[] = { 8, 6 }, c_0_0[] = { 0, 0 };
	static const struct rank_app	apps[] = {
		{ 40, -1, c_8_6 }, { 30, -1, c_8_7 }, { 20, -1, c_9_5 },
		{ 10, -1, c_8_7 }, { 5, -1, c_0_0 }, { 1, -1, c_0_0 },
	};
	static const struct rank_review	rv[] = {
		{ 1, 0, 70 }, { 1, 1, 70 }, { 1, 2, 70 },
		{ 1, 3, 70 }, { 1, 4, 70.04 }, { 1, 5, 70.05 },
	};
	static const size_t		tiebreak[] = { 0, 1 };
	static const struct {
		size_t		app;
		enum rank_tie	tie;
		size_t		criterion;
	} want[] = {
		{ 5, RANK_TIE_NONE, 0 },	/* 70.1 */
		{ 2, RANK_TIE_NONE, 0 },	/* below 70.1: no tie */
		{ 3, RANK_TIE_CRITERION, 0 },	/* C1: 8 below 9 */
		{ 1, RANK_TIE_ID, 0 },		/* C1, C2 alike: 10, 30 */
		{ 0, RANK_TIE_CRITERION, 1 },	/* C2: 6 below 7 */
		{ 4, RANK_TIE_CRITERION, 0 },	/* 70.04, C1: 0 below 8 */
	};
	struct rank_input		in;
	struct rank_round		r;
	const struct rank_place		*p;
	size_t				i;

	(void)state;
	in = input(rv, 6, apps, 6);
	in.ncrit = 2;
	in.tiebreak = tiebreak;
	in.ntiebreak = 2;
	assert_int_equal(rank_make(&in, &r), 0);
	for (i = 0; i < 6; i++) {
		p = &r.order[RANK_RAW][i];
		assert_int_equal(p->app, want[i].app);
		assert_int_equal(p->rank, i + 1);
		assert_int_equal(p->tie, want[i].tie);
		assert_int_equal(p->criterion, want[i].criterion);
	}
	rank_free(&r);

	/* Without a tie-break order, ids decide: 1 (70.1), 5, 10, ... */
	in.ntiebreak = 0;
	assert_int_equal(rank_make(&in, &r), 0);
	assert_int_equal(r.order[RANK_RAW][1].app, 4);
	assert_int_equal(r.order[RANK_RAW][1].tie, RANK_TIE_NONE);
	assert_int_equal(r.order[RANK_RAW][2].app, 3);
	assert_int_equal(r.order[RANK_RAW][2].tie, RANK_TIE_ID);
	rank_free(&r);
}

/*
 * Between two applications that are no neighbours in an order (a page
 * showing one category): test_ties' applications, in any pair.
 */
static void
test_tie_between(void **state)
{
	static const double		c_9_5[] = { 9, 5 }, c_8_7[] = { 8, 7 },
					c_8_6[] = { 8, 6 };
	static const struct rank_app	apps[] = {
		{ 40, -1, c_8_6 }, { 30, -1, c_8_7 }, { 20, -1, c_9_5 },
		{ 10, -1, c_8_7 },
	};
	static const size_t		tiebreak[] = { 0, 1 };
	struct rank_input		in;
	size_t				c;

	(void)state;
	in = input(NULL, 0, apps, 4);
	in.ncrit = 2;
	in.tiebreak = tiebreak;
	in.ntiebreak = 2;
	/* 9 above 8 on C1, whichever is asked first. */
	assert_int_equal(rank_tie_between(&in, 2, 0, &c), RANK_TIE_CRITERION);
	assert_int_equal(c, 0);
	assert_int_equal(rank_tie_between(&in, 0, 2, &c), RANK_TIE_CRITERION);
	assert_int_equal(c, 0);
	/* C1 alike, 7 above 6 on C2. */
	assert_int_equal(rank_tie_between(&in, 3, 0, &c), RANK_TIE_CRITERION);
	assert_int_equal(c, 1);
	/* Alike on both: the id. */
	assert_int_equal(rank_tie_between(&in, 3, 1, &c), RANK_TIE_ID);
	assert_int_equal(c, 0);
	/* Out of range, or the same application: the id, nothing read. */
	assert_int_equal(rank_tie_between(&in, 4, 0, &c), RANK_TIE_ID);
	assert_int_equal(rank_tie_between(&in, 1, 1, &c), RANK_TIE_ID);
	assert_int_equal(rank_tie_between(NULL, 0, 1, &c), RANK_TIE_ID);
}

/*
 * Application 1 reads 60 but its consensus is 85: first by result,
 * second by raw and normalised means, which are still reported.
 * Application 2 has a consensus and no review.
 */
static void
test_consensus(void **state)
{
	static const struct rank_review	rv[] = {
		{ 1, 0, 80 }, { 1, 1, 60 },
	};
	static const struct rank_app	apps[] = {
		{ 1, -1, NULL }, { 2, 85, NULL }, { 3, 50, NULL },
	};
	struct rank_input		in;
	struct rank_round		r;

	(void)state;
	in = input(rv, 2, apps, 3);
	assert_int_equal(rank_make(&in, &r), 0);
	assert_false(r.app[0].has_consensus);
	assert_near(r.app[0].result, 80);
	assert_true(r.app[1].has_consensus);
	assert_near(r.app[1].result, 85);
	assert_near(r.app[1].raw_mean, 60);
	assert_near(r.app[1].norm_mean, 60);

	assert_int_equal(r.order[RANK_RESULT][0].app, 1);
	assert_int_equal(r.order[RANK_RESULT][1].app, 0);
	assert_int_equal(r.order[RANK_RESULT][2].app, 2);
	assert_int_equal(r.app[2].rank[RANK_RESULT], 3);

	/* No review: no raw rank, last. */
	assert_int_equal(r.order[RANK_RAW][0].app, 0);
	assert_int_equal(r.order[RANK_RAW][2].app, 2);
	assert_int_equal(r.order[RANK_RAW][2].rank, 0);
	assert_near(r.order[RANK_RAW][2].key, -1);
	assert_int_equal(r.app[2].rank[RANK_RAW], 0);
	assert_near(r.app[2].raw_mean, -1);
	assert_int_equal(r.nmoves, 0);
	rank_free(&r);
}

static void
test_empty(void **state)
{
	static const struct rank_review	rv[] = { { 1, 0, -1 } };
	static const struct rank_app	apps[] = {
		{ 2, -1, NULL }, { 1, -1, NULL },
	};
	struct rank_input		in;
	struct rank_round		r;

	(void)state;
	in = input(NULL, 0, NULL, 0);
	assert_int_equal(rank_make(&in, &r), 0);
	assert_int_equal(r.reviews, 0);
	assert_near(r.mean, -1);
	assert_near(r.sd, 0);
	assert_int_equal(r.nreviewers, 0);
	assert_int_equal(r.napps, 0);
	assert_int_equal(r.nmoves, 0);
	rank_free(&r);

	/* An abstention only: no reviewer, no key; ids give the order. */
	in = input(rv, 1, apps, 2);
	assert_int_equal(rank_make(&in, &r), 0);
	assert_int_equal(r.nreviewers, 0);
	assert_int_equal(r.app[0].reviews, 0);
	assert_int_equal(r.order[RANK_NORM][0].app, 1);
	assert_int_equal(r.order[RANK_NORM][0].rank, 0);
	assert_int_equal(r.order[RANK_NORM][0].tie, RANK_TIE_NONE);
	rank_free(&r);
	rank_free(NULL);
}

static void
test_refuses(void **state)
{
	struct rank_review		rv[] = { { 1, 0, 50 } };
	struct rank_app			apps[] = {
		{ 1, -1, NULL }, { 2, -1, NULL },
	};
	size_t				tiebreak[] = { 2 };
	struct rank_input		in;
	struct rank_round		r;

	(void)state;
	assert_int_equal(rank_make(NULL, &r), -1);
	in = input(rv, 1, apps, 2);
	assert_int_equal(rank_make(&in, &r), 0);
	rank_free(&r);

	rv[0].total = 100.5;
	assert_int_equal(rank_make(&in, &r), -1);
	assert_null(r.app);
	assert_int_equal(r.napps, 0);
	rv[0].total = NAN;
	assert_int_equal(rank_make(&in, &r), -1);
	rv[0].total = 50;
	rv[0].app = 2;
	assert_int_equal(rank_make(&in, &r), -1);
	rv[0].app = 0;

	apps[1].consensus = 101;
	assert_int_equal(rank_make(&in, &r), -1);
	apps[1].consensus = -0.5;
	assert_int_equal(rank_make(&in, &r), -1);
	apps[1].consensus = -1;

	apps[1].id = 1;
	assert_int_equal(rank_make(&in, &r), -1);
	apps[1].id = 2;

	in.ncrit = 2;
	in.tiebreak = tiebreak;
	in.ntiebreak = 1;
	assert_int_equal(rank_make(&in, &r), -1);
	in.ncrit = 3;
	assert_int_equal(rank_make(&in, &r), 0);
	rank_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_planted),
		cmocka_unit_test(test_too_few),
		cmocka_unit_test(test_sd_zero),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_tie_between),
		cmocka_unit_test(test_consensus),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_refuses),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
