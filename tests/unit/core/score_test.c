#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/score.h"

/* Doubles computed by hand: equal but for binary error. */
#define assert_near(a, b) do {						\
	double	near_a = (a), near_b = (b);				\
	if (!(near_a - near_b < 1e-9 && near_b - near_a < 1e-9))	\
		fail_msg("%s is %.17g, not %.17g", #a, near_a, near_b);	\
} while (0)

#define N	SCORE_NONE

/* The default rubric (RUBRIC.md): weights sum to 100, gates on C1, C2. */
static const struct score_criterion	default_criteria[] = {
	{ "C1", 15, 6 },
	{ "C2", 15, 6 },
	{ "C3", 15, N },
	{ "C4", 15, N },
	{ "C5", 10, N },
	{ "C6", 10, N },
	{ "C7", 20, N },
};
static const struct score_rubric	rubric = { default_criteria, 7 };

/* A review of the default rubric, scores in halves. */
static struct score_review
review(int c1, int c2, int c3, int c4, int c5, int c6, int c7)
{
	struct score_review	rv;

	score_review_init(&rv);
	rv.halves[0] = c1;
	rv.halves[1] = c2;
	rv.halves[2] = c3;
	rv.halves[3] = c4;
	rv.halves[4] = c5;
	rv.halves[5] = c6;
	rv.halves[6] = c7;

	return (rv);
}

static struct score_review
review_all(int h)
{
	return (review(h, h, h, h, h, h, h));
}

static struct score_review
abstention(int h)
{
	struct score_review	rv;

	rv = review_all(h);
	rv.abstained = 1;

	return (rv);
}

static void
test_parse_accepts(void **state)
{
	static const struct {
		const char	*s;
		int		 halves;
	} ok[] = {
		{ "0", 0 }, { "0.0", 0 }, { "0.5", 1 }, { "1", 2 },
		{ "3", 6 }, { "3.0", 6 }, { "3.5", 7 }, { "3.00", 6 },
		{ "3.50", 7 }, { "4.5", 9 }, { "5", 10 }, { "5.0", 10 },
		{ "5.00", 10 }, { "0.50", 1 },
	};
	size_t	i;
	int	h;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		h = -99;
		if (score_parse(ok[i].s, &h) != NULL)
			fail_msg("refused: '%s'", ok[i].s);
		if (h != ok[i].halves)
			fail_msg("'%s' is %d halves, not %d", ok[i].s, h,
			    ok[i].halves);
	}
}

static void
test_parse_refuses(void **state)
{
	static const char *const	bad[] = {
		"", " 3", "3 ", "\t3", "3\n", "3.3", "0.25", "5.5", "5.50",
		"-0", "-1", "+3", "-0.5", "6", "10", "1e0", "nan", "NaN", "inf",
		"\xef\xbc\x93",			/* ３, fullwidth */
		"\xd9\xa3",			/* ٣, Arabic-Indic */
		"\xc2\xbd",			/* ½ */
		"3,5", "3,0", ".5", "3.", "03", "00", "3..5", "3.5.", "3.05",
		"3.55", "3.500", "3.000", "0x3", "3/2", "three", "3.5\xff",
		"5.01", "4.99",
	};
	const char			*msg;
	size_t				 i;
	int				 h;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		h = -99;
		if ((msg = score_parse(bad[i], &h)) == NULL)
			fail_msg("accepted: '%s' (%d halves)", bad[i], h);
		assert_string_equal(msg,
		    "Scores go from 0 to 5 in steps of 0.5.");
		/* A refusal leaves the number as it was. */
		assert_int_equal(h, -99);
	}
	assert_non_null(score_parse(NULL, &h));
	/* Only the first 5 bytes are looked at, and that is enough. */
	assert_non_null(score_parse("3.5000000000000000000000000000", &h));
}

static void
test_format(void **state)
{
	char	out[SCORE_FORMAT_MAX];

	(void)state;
	score_format(0, out, sizeof(out));
	assert_string_equal(out, "0");
	score_format(1, out, sizeof(out));
	assert_string_equal(out, "0.5");
	score_format(7, out, sizeof(out));
	assert_string_equal(out, "3.5");
	score_format(8, out, sizeof(out));
	assert_string_equal(out, "4");
	score_format(10, out, sizeof(out));
	assert_string_equal(out, "5");
	score_format(SCORE_NONE, out, sizeof(out));
	assert_string_equal(out, "");
	score_format(11, out, sizeof(out));
	assert_string_equal(out, "");
	out[0] = 'x';
	score_format(7, out, 0);
	assert_int_equal(out[0], 'x');
}

/* Every score parses back from its format. */
static void
test_format_parse(void **state)
{
	char	out[SCORE_FORMAT_MAX];
	int	h, back;

	(void)state;
	for (h = 0; h <= SCORE_HALVES_MAX; h++) {
		score_format(h, out, sizeof(out));
		assert_null(score_parse(out, &back));
		assert_int_equal(back, h);
	}
}

static void
test_rubric_valid(void **state)
{
	struct score_criterion	c[SCORE_CRITERIA_MAX + 1];
	struct score_rubric	r;
	size_t			i;

	(void)state;
	assert_true(score_rubric_valid(&rubric));
	assert_false(score_rubric_valid(NULL));

	for (i = 0; i < SCORE_CRITERIA_MAX + 1; i++) {
		c[i].code = "C";
		c[i].weight = 1;
		c[i].gate = N;
	}
	r.criteria = c;
	r.n = SCORE_CRITERIA_MAX;
	assert_true(score_rubric_valid(&r));
	r.n = SCORE_CRITERIA_MAX + 1;
	assert_false(score_rubric_valid(&r));
	r.n = 0;
	assert_false(score_rubric_valid(&r));
	r.n = 1;
	r.criteria = NULL;
	assert_false(score_rubric_valid(&r));
	r.criteria = c;

	c[0].gate = 0;
	assert_true(score_rubric_valid(&r));
	c[0].gate = 10;
	assert_true(score_rubric_valid(&r));
	c[0].gate = 11;
	assert_false(score_rubric_valid(&r));
	c[0].gate = -2;
	assert_false(score_rubric_valid(&r));
	c[0].gate = N;

	c[0].weight = 0;
	assert_false(score_rubric_valid(&r));
	c[0].weight = -15;
	assert_false(score_rubric_valid(&r));
	c[0].weight = NAN;
	assert_false(score_rubric_valid(&r));
	c[0].weight = INFINITY;
	assert_false(score_rubric_valid(&r));
	c[0].weight = 0.01;
	assert_true(score_rubric_valid(&r));

	c[0].code = "";
	assert_false(score_rubric_valid(&r));
	c[0].code = NULL;
	assert_false(score_rubric_valid(&r));
}

/*
 * The default rubric, by hand: C1..C7 = 3, 3.5, 2, 4, 5, 1, 4.5 points.
 * Σ w·s = 45 + 52.5 + 30 + 60 + 50 + 10 + 90 = 337.5; / 100 × 20 = 67.5
 * (RUBRIC.md's Σ(w × s) / 5 gives the same).
 */
static void
test_total_default(void **state)
{
	struct score_review	rv;
	char			out[SCORE_TOTAL_FORMAT_MAX];

	(void)state;
	rv = review(6, 7, 4, 8, 10, 2, 9);
	assert_near(score_review_total(&rubric, &rv), 67.5);
	score_total_format(score_review_total(&rubric, &rv), out, sizeof(out));
	assert_string_equal(out, "67.5");

	rv = review_all(10);
	assert_near(score_review_total(&rubric, &rv), 100);
	score_total_format(score_review_total(&rubric, &rv), out, sizeof(out));
	assert_string_equal(out, "100.0");
	rv = review_all(0);
	assert_near(score_review_total(&rubric, &rv), 0);
	score_total_format(score_review_total(&rubric, &rv), out, sizeof(out));
	assert_string_equal(out, "0.0");

	/* Half points everywhere: 3.5 is 70. */
	rv = review_all(7);
	assert_near(score_review_total(&rubric, &rv), 70);

	/* 4, 3.5, 3, 2.5, 2, 1.5, 1: 60+52.5+45+37.5+20+15+20 = 250: 50. */
	rv = review(8, 7, 6, 5, 4, 3, 2);
	assert_near(score_review_total(&rubric, &rv), 50);

	/* One half point on C7 (weight 20) moves the total by 2. */
	rv = review(6, 6, 6, 6, 6, 6, 7);
	assert_near(score_review_total(&rubric, &rv), 62);
	/* and on C5 (weight 10) by 1. */
	rv = review(6, 6, 6, 6, 7, 6, 6);
	assert_near(score_review_total(&rubric, &rv), 61);
}

/* Weights are relative: a rubric whose weights do not sum to 100. */
static void
test_total_weights(void **state)
{
	static const struct score_criterion	two[] = {
		{ "A", 1, N }, { "B", 3, N },
	};
	static const struct score_criterion	tenth[] = {
		{ "C1", 1.5, 6 }, { "C2", 1.5, 6 }, { "C3", 1.5, N },
		{ "C4", 1.5, N }, { "C5", 1, N }, { "C6", 1, N },
		{ "C7", 2, N },
	};
	static const struct score_criterion	binary[] = {
		{ "A", 0.1, N }, { "B", 0.7, N },
	};
	static const struct score_criterion	sevenths[] = {
		{ "a", 1, N }, { "b", 1, N }, { "c", 1, N }, { "d", 1, N },
		{ "e", 1, N }, { "f", 1, N }, { "g", 1, N },
	};
	struct score_rubric	r;
	struct score_review	rv;
	char			out[SCORE_TOTAL_FORMAT_MAX];

	(void)state;
	/* (1 × 5 + 3 × 2.5) / 4 × 20 = 62.5 */
	r.criteria = two;
	r.n = 2;
	score_review_init(&rv);
	rv.halves[0] = 10;
	rv.halves[1] = 5;
	assert_near(score_review_total(&r, &rv), 62.5);

	/* The default weights divided by 10: the same totals. */
	r.criteria = tenth;
	r.n = 7;
	rv = review(6, 7, 4, 8, 10, 2, 9);
	assert_near(score_review_total(&r, &rv), 67.5);

	/* Equal weights: 45 halves of 70 is 64.2857...: shown 64.3. */
	r.criteria = sevenths;
	rv = review(6, 7, 4, 8, 10, 2, 8);
	assert_near(score_review_total(&r, &rv), 450.0 / 7);
	score_total_format(score_review_total(&r, &rv), out, sizeof(out));
	assert_string_equal(out, "64.3");

	/*
	 * 0.7 × 1.5 / 0.8 × 20 is 26.25, computed 26.249999999999996: the
	 * tolerance shows it as 26.3, as a person would round it.
	 */
	r.criteria = binary;
	r.n = 2;
	score_review_init(&rv);
	rv.halves[0] = 0;
	rv.halves[1] = 3;
	assert_near(score_review_total(&r, &rv), 26.25);
	assert_true(score_review_total(&r, &rv) < 26.25);
	score_total_format(score_review_total(&r, &rv), out, sizeof(out));
	assert_string_equal(out, "26.3");

	/* And full marks, 80 / 0.7999999999999999, are 100, not above. */
	rv.halves[0] = rv.halves[1] = 10;
	assert_true(score_review_total(&r, &rv) == 100);
}

/* A review with a score missing has no total; nor has an abstention. */
static void
test_total_missing(void **state)
{
	struct score_review	rv;
	struct score_rubric	none = { default_criteria, 0 };
	char			out[SCORE_TOTAL_FORMAT_MAX];

	(void)state;
	rv = review(6, 7, 4, N, 10, 2, 9);
	assert_near(score_review_total(&rubric, &rv), -1);
	score_total_format(score_review_total(&rubric, &rv), out, sizeof(out));
	assert_string_equal(out, "");
	rv = review(6, 7, 4, 8, 10, 2, N);
	assert_near(score_review_total(&rubric, &rv), -1);
	rv = review(6, 7, 4, 11, 10, 2, 9);
	assert_near(score_review_total(&rubric, &rv), -1);
	rv = review(6, 7, 4, -2, 10, 2, 9);
	assert_near(score_review_total(&rubric, &rv), -1);

	rv = abstention(6);
	assert_near(score_review_total(&rubric, &rv), -1);
	rv = review_all(6);
	assert_near(score_review_total(&none, &rv), -1);
	assert_near(score_review_total(&rubric, NULL), -1);

	/* A fresh review has every score missing. */
	score_review_init(&rv);
	assert_int_equal(rv.halves[0], SCORE_NONE);
	assert_int_equal(rv.halves[SCORE_CRITERIA_MAX - 1], SCORE_NONE);
	assert_false(rv.abstained);
	assert_near(score_review_total(&rubric, &rv), -1);
}

/* A review's gates: exactly the minimum passes, half a point less fails. */
static void
test_review_gates(void **state)
{
	static const struct score_criterion	zero[] = {
		{ "Z", 1, 0 },
	};
	struct score_rubric	r = { zero, 1 };
	struct score_review	rv;

	(void)state;
	rv = review_all(6);
	assert_true(score_review_gates(&rubric, &rv));
	rv = review(6, 6, 0, 0, 0, 0, 0);
	assert_true(score_review_gates(&rubric, &rv));
	rv = review(5, 10, 10, 10, 10, 10, 10);
	assert_false(score_review_gates(&rubric, &rv));
	rv = review(10, 5, 10, 10, 10, 10, 10);
	assert_false(score_review_gates(&rubric, &rv));
	/* A missing gated score does not pass; a missing other one does. */
	rv = review(N, 10, 10, 10, 10, 10, 10);
	assert_false(score_review_gates(&rubric, &rv));
	rv = review(6, 6, N, N, N, N, N);
	assert_true(score_review_gates(&rubric, &rv));
	rv = review(11, 6, 6, 6, 6, 6, 6);
	assert_false(score_review_gates(&rubric, &rv));
	rv = abstention(10);
	assert_false(score_review_gates(&rubric, &rv));

	/* A gate of 0 is met by any score, not by none. */
	score_review_init(&rv);
	rv.halves[0] = 0;
	assert_true(score_review_gates(&r, &rv));
	rv.halves[0] = N;
	assert_false(score_review_gates(&r, &rv));
}

static void
test_rounding(void **state)
{
	char	out[SCORE_TOTAL_FORMAT_MAX];

	(void)state;
	assert_int_equal(score_total_tenths(62.25), 623);
	assert_int_equal(score_total_tenths(45.05), 451);	/* 45.0499... */
	assert_int_equal(score_total_tenths(45.04), 450);
	assert_int_equal(score_total_tenths(45.0499), 450);
	assert_int_equal(score_total_tenths(0), 0);
	assert_int_equal(score_total_tenths(100), 1000);
	assert_int_equal(score_total_tenths(-1), -1);
	assert_int_equal(score_total_tenths(NAN), -1);
	assert_int_equal(score_total_tenths(INFINITY), -1);

	score_total_format(62.25, out, sizeof(out));
	assert_string_equal(out, "62.3");
	score_total_format(45.05, out, sizeof(out));
	assert_string_equal(out, "45.1");
	score_total_format(99.96, out, sizeof(out));
	assert_string_equal(out, "100.0");
	score_total_format(7, out, sizeof(out));
	assert_string_equal(out, "7.0");
	score_total_format(NAN, out, sizeof(out));
	assert_string_equal(out, "");

	score_mean_format(3.25, out, sizeof(out));
	assert_string_equal(out, "3.25");
	score_mean_format(19 / 6.0, out, sizeof(out));
	assert_string_equal(out, "3.17");
	score_mean_format(3, out, sizeof(out));
	assert_string_equal(out, "3.00");
	score_mean_format(2.995, out, sizeof(out));
	assert_string_equal(out, "3.00");
	score_mean_format(1.005, out, sizeof(out));	/* 1.00499... */
	assert_string_equal(out, "1.01");
	score_mean_format(17 / 6.0, out, sizeof(out));
	assert_string_equal(out, "2.83");
	score_mean_format(-1, out, sizeof(out));
	assert_string_equal(out, "");
}

/*
 * A: all 3 (60.0). B: 4, 3.5, 3, 2.5, 2, 1.5, 1 (50.0). C abstains with
 * scores that would be nonsense; D leaves C4 out. Means per criterion
 * (halves 14, 13, 12, 11, 10, 9, 8 over 2): 3.5, 3.25, 3, 2.75, 2.5,
 * 2.25, 2. Their total: 52.5 + 48.75 + 45 + 41.25 + 25 + 22.5 + 40 =
 * 275, / 5 = 55, the mean of 60 and 50.
 */
static void
test_summary(void **state)
{
	static const double	means[] = { 3.5, 3.25, 3, 2.75, 2.5, 2.25, 2 };
	static const int	spreads[] = { 2, 1, 0, 1, 2, 3, 4 };
	struct score_review	rv[4];
	struct score_summary	s;
	size_t			i;

	(void)state;
	rv[0] = review_all(6);
	rv[1] = abstention(99);
	rv[2] = review(8, 7, 6, 5, 4, 3, 2);
	rv[3] = review(0, 0, 0, N, 0, 0, 0);
	assert_int_equal(score_summarise(&rubric, rv, 4, NULL, &s), 0);

	assert_int_equal(s.n, 7);
	assert_int_equal(s.reviews, 2);
	assert_int_equal(s.abstained, 1);
	assert_int_equal(s.incomplete, 1);
	for (i = 0; i < 7; i++) {
		assert_int_equal(s.crit[i].count, 2);
		assert_near(s.crit[i].mean, means[i]);
		assert_near(s.crit[i].result, means[i]);
		assert_int_equal(s.crit[i].spread, spreads[i]);
		assert_true(s.crit[i].gate_met);
		assert_int_equal(s.consensus[i], SCORE_NONE);
	}
	assert_int_equal(s.crit[0].min, 6);
	assert_int_equal(s.crit[0].max, 8);
	assert_int_equal(s.crit[6].min, 2);
	assert_int_equal(s.crit[6].max, 6);
	assert_int_equal(s.crit[1].sum, 13);
	assert_near(s.total_mean, 55);
	assert_near(s.total_min, 50);
	assert_near(s.total_max, 60);
	assert_near(s.total_spread, 10);
	assert_near(s.result_total, 55);
	assert_false(s.has_consensus);
	assert_true(s.eligible);
}

/* Abstentions change nothing but their count. */
static void
test_summary_abstentions(void **state)
{
	struct score_review	rv[4];
	struct score_summary	with, without;
	size_t			i;

	(void)state;
	rv[0] = review(6, 7, 4, 8, 10, 2, 9);
	rv[1] = review(8, 7, 6, 5, 4, 3, 2);
	rv[2] = abstention(0);
	rv[3] = abstention(10);
	assert_int_equal(score_summarise(&rubric, rv, 2, NULL, &without), 0);
	assert_int_equal(score_summarise(&rubric, rv, 4, NULL, &with), 0);
	assert_int_equal(with.abstained, 2);
	assert_int_equal(without.abstained, 0);
	assert_int_equal(with.reviews, 2);
	for (i = 0; i < 7; i++) {
		assert_near(with.crit[i].mean, without.crit[i].mean);
		assert_int_equal(with.crit[i].spread, without.crit[i].spread);
		assert_int_equal(with.crit[i].count, 2);
	}
	/* (67.5 + 50) / 2 */
	assert_near(with.total_mean, 58.75);
	assert_near(with.total_spread, 17.5);

	/* Only abstentions: nothing to show, the gates unmet. */
	assert_int_equal(score_summarise(&rubric, rv + 2, 2, NULL, &with), 0);
	assert_int_equal(with.reviews, 0);
	assert_near(with.total_mean, -1);
	assert_near(with.result_total, -1);
	assert_near(with.crit[0].mean, -1);
	assert_int_equal(with.crit[0].min, SCORE_NONE);
	assert_int_equal(with.crit[0].spread, 0);
	assert_false(with.crit[0].gate_met);
	assert_true(with.crit[2].gate_met);
	assert_false(with.eligible);
}

/* One review: its own figures, no spread, nothing to discuss. */
static void
test_summary_one(void **state)
{
	struct score_review	rv;
	struct score_summary	s;
	struct score_agenda	a;
	size_t			i;

	(void)state;
	rv = review(0, 10, 0, 10, 0, 10, 1);
	assert_int_equal(score_summarise(&rubric, &rv, 1, NULL, &s), 0);
	assert_int_equal(s.reviews, 1);
	for (i = 0; i < 7; i++) {
		assert_int_equal(s.crit[i].spread, 0);
		assert_int_equal(s.crit[i].min, s.crit[i].max);
	}
	/* 15 × 5 × 2 + 10 × 5 + 20 × 0.5 = 210, / 5 = 42 */
	assert_near(s.total_mean, 42);
	assert_near(s.total_min, 42);
	assert_near(s.total_spread, 0);
	assert_false(s.eligible);		/* C1 is 0 */
	assert_int_equal(score_agenda_make(&rubric, &s, SCORE_AGENDA_GAP, &a),
	    0);
	assert_int_equal(a.n, 0);

	/* No review at all. */
	assert_int_equal(score_summarise(&rubric, NULL, 0, NULL, &s), 0);
	assert_int_equal(s.reviews, 0);
	assert_int_equal(score_agenda_make(&rubric, &s, SCORE_AGENDA_GAP, &a),
	    0);
	assert_int_equal(a.n, 0);
}

static void
test_summary_refuses(void **state)
{
	struct score_review	rv[2];
	struct score_summary	s;
	struct score_rubric	none = { default_criteria, 0 };
	int			bad[7] = { 6, 6, 6, N, 6, 6, 6 };

	(void)state;
	rv[0] = review_all(6);
	rv[1] = review(6, 6, 6, 12, 6, 6, 6);
	assert_int_equal(score_summarise(&rubric, rv, 2, NULL, &s), -1);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.reviews, 0);
	assert_int_equal(score_summarise(&none, rv, 1, NULL, &s), -1);
	assert_int_equal(score_summarise(&rubric, NULL, 1, NULL, &s), -1);
	assert_int_equal(score_summarise(&rubric, rv, SCORE_REVIEWS_MAX + 1,
	    NULL, &s), -1);
	/* A consensus gives every criterion, in range. */
	assert_int_equal(score_summarise(&rubric, rv, 1, bad, &s), -1);
	bad[3] = 11;
	assert_int_equal(score_summarise(&rubric, rv, 1, bad, &s), -1);
}

/*
 * The mean against a gate is exact: 2.5 and 3.5 make 3, which meets a
 * gate of 3; 2.5 and 3 make 2.75, which does not.
 */
static void
test_summary_gates(void **state)
{
	struct score_review	rv[3];
	struct score_summary	s;
	char			out[SCORE_MEAN_FORMAT_MAX];

	(void)state;
	rv[0] = review(5, 6, 6, 6, 6, 6, 6);
	rv[1] = review(7, 6, 6, 6, 6, 6, 6);
	assert_int_equal(score_summarise(&rubric, rv, 2, NULL, &s), 0);
	assert_near(s.crit[0].mean, 3);
	assert_true(s.crit[0].gate_met);
	assert_true(s.eligible);

	rv[1] = review(6, 6, 6, 6, 6, 6, 6);
	assert_int_equal(score_summarise(&rubric, rv, 2, NULL, &s), 0);
	assert_near(s.crit[0].mean, 2.75);
	assert_false(s.crit[0].gate_met);
	assert_true(s.crit[1].gate_met);
	assert_false(s.eligible);

	/* Thirds: 2.5, 3, 3.5 is 3; 2.5, 3, 3 is 2.83, shown so. */
	rv[2] = review(7, 6, 6, 6, 6, 6, 6);
	assert_int_equal(score_summarise(&rubric, rv, 3, NULL, &s), 0);
	assert_true(s.eligible);
	rv[2] = review(6, 6, 6, 6, 6, 6, 6);
	assert_int_equal(score_summarise(&rubric, rv, 3, NULL, &s), 0);
	assert_false(s.eligible);
	score_mean_format(s.crit[0].mean, out, sizeof(out));
	assert_string_equal(out, "2.83");
}

/*
 * A: all 3; B: all 4. Means 3.5 everywhere, total 70. The consensus
 * puts C1 at 2.5 and the rest at 3: its total is 60 - 15 × 0.5 / 5 =
 * 58.5, and C1's gate fails though its mean meets it.
 */
static void
test_consensus(void **state)
{
	static const int	agreed[7] = { 5, 6, 6, 6, 6, 6, 6 };
	static const int	rescue[7] = { 6, 6, 6, 6, 6, 6, 6 };
	struct score_review	rv[2];
	struct score_summary	s;
	struct score_agenda	a;
	size_t			i;

	(void)state;
	rv[0] = review_all(6);
	rv[1] = review_all(8);
	assert_int_equal(score_summarise(&rubric, rv, 2, agreed, &s), 0);
	assert_true(s.has_consensus);
	assert_near(s.result_total, 58.5);
	assert_near(s.total_mean, 70);		/* the reviewers' still */
	assert_near(s.total_spread, 20);
	for (i = 0; i < 7; i++) {
		assert_near(s.crit[i].mean, 3.5);
		assert_int_equal(s.consensus[i], agreed[i]);
		assert_near(s.crit[i].result, agreed[i] / 2.0);
	}
	assert_false(s.crit[0].gate_met);
	assert_true(s.crit[1].gate_met);
	assert_false(s.eligible);

	/* The other way: means below the gate, the consensus meets it. */
	rv[0] = review(4, 6, 6, 6, 6, 6, 6);
	rv[1] = review(6, 6, 6, 6, 6, 6, 6);
	assert_int_equal(score_summarise(&rubric, rv, 2, NULL, &s), 0);
	assert_false(s.eligible);
	assert_int_equal(score_summarise(&rubric, rv, 2, rescue, &s), 0);
	assert_true(s.eligible);
	assert_near(s.crit[0].mean, 2.5);
	assert_near(s.crit[0].result, 3);
	assert_near(s.result_total, 60);
	assert_near(s.total_mean, 58.5);

	/* A consensus without reviews still decides. */
	assert_int_equal(score_summarise(&rubric, NULL, 0, rescue, &s), 0);
	assert_near(s.result_total, 60);
	assert_near(s.total_mean, -1);
	assert_true(s.eligible);

	/* The reasons stand: the consensus settles them, not the rule. */
	rv[0] = review(5, 6, 6, 6, 6, 6, 6);
	assert_int_equal(score_summarise(&rubric, rv, 2, rescue, &s), 0);
	assert_int_equal(score_agenda_make(&rubric, &s, SCORE_AGENDA_GAP, &a),
	    0);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.reason[0].kind, SCORE_REASON_GATE);
}

static void
summarise_agenda(const struct score_review *rv, size_t n, double gap,
    struct score_agenda *a)
{
	struct score_summary	s;

	assert_int_equal(score_summarise(&rubric, rv, n, NULL, &s), 0);
	assert_int_equal(score_agenda_make(&rubric, &s, gap, a), 0);
}

static void
assert_words(const struct score_reason *rs, const char *want)
{
	char	out[128];

	assert_int_equal(score_reason_words(rs, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

/* C3 at 1.5 against 3: 1.5 apart. At 2 against 3 it is not. */
static void
test_agenda_spread(void **state)
{
	struct score_review	rv[3];
	struct score_agenda	a;

	(void)state;
	rv[0] = review_all(6);
	rv[1] = review(6, 6, 3, 6, 6, 6, 6);
	summarise_agenda(rv, 2, SCORE_AGENDA_GAP, &a);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.reason[0].kind, SCORE_REASON_SPREAD);
	assert_int_equal(a.reason[0].criterion, 2);
	assert_string_equal(a.reason[0].code, "C3");
	assert_int_equal(a.reason[0].low, 3);
	assert_int_equal(a.reason[0].high, 6);
	assert_words(&a.reason[0], "C3: scores 1.5 and 3 are 1.5 apart");

	rv[1] = review(6, 6, 4, 6, 6, 6, 6);
	summarise_agenda(rv, 2, SCORE_AGENDA_GAP, &a);
	assert_int_equal(a.n, 0);

	/* Among three, the two furthest apart: 1, 2 and 4. */
	rv[0] = review(6, 4, 6, 6, 6, 6, 6);
	rv[1] = review(6, 2, 6, 6, 6, 6, 6);
	rv[2] = review(6, 8, 6, 6, 6, 6, 6);
	summarise_agenda(rv, 3, SCORE_AGENDA_GAP, &a);
	assert_int_equal(a.n, 2);
	assert_words(&a.reason[0], "C2: scores 1 and 4 are 3 apart");
	/* and C2's gate of 3: 1 and 2 below, 4 above. */
	assert_words(&a.reason[1], "gate C2 (minimum 3): scores on both sides");

	/* An abstention's scores start no discussion. */
	rv[0] = review_all(6);
	rv[1] = abstention(0);
	summarise_agenda(rv, 2, SCORE_AGENDA_GAP, &a);
	assert_int_equal(a.n, 0);
}

/*
 * Totals 60 and 80 are exactly 20 apart: not more. With every criterion
 * 1 point apart, that is as far as totals go, so at the default gap
 * TOTALS comes with a SPREAD: C7 at 4.5 makes it 82, and C7 1.5 apart.
 */
static void
test_agenda_totals(void **state)
{
	struct score_review	rv[2];
	struct score_agenda	a;
	struct score_summary	s;

	(void)state;
	rv[0] = review_all(6);
	rv[1] = review_all(8);
	summarise_agenda(rv, 2, SCORE_AGENDA_GAP, &a);
	assert_int_equal(a.n, 0);

	rv[1] = review(8, 8, 8, 8, 8, 8, 9);
	summarise_agenda(rv, 2, SCORE_AGENDA_GAP, &a);
	assert_int_equal(a.n, 2);
	assert_int_equal(a.reason[0].kind, SCORE_REASON_SPREAD);
	assert_int_equal(a.reason[1].kind, SCORE_REASON_TOTALS);
	assert_near(a.reason[1].total_low, 60);
	assert_near(a.reason[1].total_high, 82);
	assert_words(&a.reason[0], "C7: scores 3 and 4.5 are 1.5 apart");
	assert_words(&a.reason[1],
	    "totals 60.0 and 82.0 are more than 20 points apart");

	/* Alone, at a gap of 15: 60 and 80, every criterion 1 apart. */
	rv[1] = review_all(8);
	summarise_agenda(rv, 2, 15, &a);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.reason[0].kind, SCORE_REASON_TOTALS);
	assert_words(&a.reason[0],
	    "totals 60.0 and 80.0 are more than 15 points apart");
	summarise_agenda(rv, 2, 12.5, &a);
	assert_words(&a.reason[0],
	    "totals 60.0 and 80.0 are more than 12.5 points apart");
	summarise_agenda(rv, 2, 19.9, &a);
	assert_int_equal(a.n, 1);

	/* The gap is a number of points on the scale. */
	assert_int_equal(score_summarise(&rubric, rv, 2, NULL, &s), 0);
	assert_int_equal(score_agenda_make(&rubric, &s, -1, &a), -1);
	assert_int_equal(a.n, 0);
	assert_int_equal(score_agenda_make(&rubric, &s, NAN, &a), -1);
	assert_int_equal(score_agenda_make(&rubric, &s, 100.5, &a), -1);
	assert_int_equal(score_agenda_make(&rubric, &s, 0, &a), 0);
	assert_int_equal(a.n, 1);
}

/* C1 at 2.5 and 3 against a gate of 3: both sides. 3 and 3.5: not. */
static void
test_agenda_gate(void **state)
{
	struct score_review	rv[2];
	struct score_agenda	a;

	(void)state;
	rv[0] = review_all(6);
	rv[1] = review(5, 6, 6, 6, 6, 6, 6);
	summarise_agenda(rv, 2, SCORE_AGENDA_GAP, &a);
	assert_int_equal(a.n, 1);
	assert_int_equal(a.reason[0].kind, SCORE_REASON_GATE);
	assert_int_equal(a.reason[0].criterion, 0);
	assert_int_equal(a.reason[0].low, 5);
	assert_int_equal(a.reason[0].high, 6);
	assert_int_equal(a.reason[0].gate, 6);
	assert_words(&a.reason[0], "gate C1 (minimum 3): scores on both sides");

	/* Both at or above, or both below: one side. */
	rv[0] = review(7, 6, 6, 6, 6, 6, 6);
	rv[1] = review(6, 6, 6, 6, 6, 6, 6);
	summarise_agenda(rv, 2, SCORE_AGENDA_GAP, &a);
	assert_int_equal(a.n, 0);
	rv[0] = review(4, 6, 6, 6, 6, 6, 6);
	rv[1] = review(5, 6, 6, 6, 6, 6, 6);
	summarise_agenda(rv, 2, SCORE_AGENDA_GAP, &a);
	assert_int_equal(a.n, 0);
}

/*
 * A: all 3 (60.0). B: 2.5, 3, 5, 5, 5, 3, 5: 37.5 + 45 + 75 + 75 + 50 +
 * 30 + 100 = 412.5, / 5 = 82.5. C3, C4, C5 and C7 are 2 apart, the
 * totals 22.5, and C1 is on both sides of its gate.
 */
static void
test_agenda_together(void **state)
{
	struct score_review	rv[3];
	struct score_agenda	a;

	(void)state;
	rv[0] = review_all(6);
	rv[1] = abstention(0);
	rv[2] = review(5, 6, 10, 10, 10, 6, 10);
	summarise_agenda(rv, 3, SCORE_AGENDA_GAP, &a);
	assert_int_equal(a.n, 6);
	assert_words(&a.reason[0], "C3: scores 3 and 5 are 2 apart");
	assert_words(&a.reason[1], "C4: scores 3 and 5 are 2 apart");
	assert_words(&a.reason[2], "C5: scores 3 and 5 are 2 apart");
	assert_words(&a.reason[3], "C7: scores 3 and 5 are 2 apart");
	assert_words(&a.reason[4],
	    "totals 60.0 and 82.5 are more than 20 points apart");
	assert_words(&a.reason[5], "gate C1 (minimum 3): scores on both sides");
	assert_int_equal(a.reason[3].criterion, 6);
	assert_int_equal(a.reason[5].criterion, 0);
}

/* An agenda is made with the rubric its summary was made with. */
static void
test_agenda_refuses(void **state)
{
	struct score_rubric	short_rubric = { default_criteria, 6 };
	struct score_review	rv = review_all(6);
	struct score_summary	s;
	struct score_agenda	a;

	(void)state;
	assert_int_equal(score_summarise(&short_rubric, &rv, 1, NULL, &s), 0);
	assert_int_equal(score_agenda_make(&rubric, &s, SCORE_AGENDA_GAP, &a),
	    -1);
	assert_int_equal(score_agenda_make(&rubric, NULL, SCORE_AGENDA_GAP,
	    &a), -1);
	assert_int_equal(score_agenda_make(&short_rubric, &s,
	    SCORE_AGENDA_GAP, &a), 0);
}

static void
test_words_refuses(void **state)
{
	struct score_reason	rs;
	char			out[16];

	(void)state;
	memset(&rs, 0, sizeof(rs));
	rs.kind = SCORE_REASON_GATE;
	rs.code = "C1";
	rs.gate = 6;
	/* Does not fit: nothing half written. */
	assert_int_equal(score_reason_words(&rs, out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(score_reason_words(&rs, out, 0), -1);
	rs.code = NULL;
	assert_int_equal(score_reason_words(&rs, out, sizeof(out)), -1);
	rs.kind = (enum score_reason_kind)42;
	assert_int_equal(score_reason_words(&rs, out, sizeof(out)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_accepts),
		cmocka_unit_test(test_parse_refuses),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_rubric_valid),
		cmocka_unit_test(test_total_default),
		cmocka_unit_test(test_total_weights),
		cmocka_unit_test(test_total_missing),
		cmocka_unit_test(test_review_gates),
		cmocka_unit_test(test_rounding),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_summary_abstentions),
		cmocka_unit_test(test_summary_one),
		cmocka_unit_test(test_summary_refuses),
		cmocka_unit_test(test_summary_gates),
		cmocka_unit_test(test_consensus),
		cmocka_unit_test(test_agenda_spread),
		cmocka_unit_test(test_agenda_totals),
		cmocka_unit_test(test_agenda_gate),
		cmocka_unit_test(test_agenda_together),
		cmocka_unit_test(test_agenda_refuses),
		cmocka_unit_test(test_words_refuses),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
