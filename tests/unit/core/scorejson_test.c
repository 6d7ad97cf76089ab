#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/scorejson.h"

static void
test_rubric(void **state)
{
	struct scorejson_rubric	 cr;
	json_t			*list;

	(void)state;
	list = json_loads("[{\"code\":\"C1\",\"weight\":15,\"gate\":6},"
	    "{\"code\":\"C2\",\"weight\":12.5,\"gate\":null}]", 0, NULL);
	assert_int_equal(scorejson_rubric(list, &cr), 0);
	assert_int_equal(cr.r.n, 2);
	assert_string_equal(cr.crit[0].code, "C1");
	assert_int_equal(cr.crit[0].gate, 6);
	assert_true(cr.crit[1].weight == 12.5);
	assert_int_equal(cr.crit[1].gate, SCORE_NONE);
	json_decref(list);

	list = json_loads("[{\"code\":\"C1\",\"weight\":\"heavy\"}]", 0, NULL);
	assert_int_equal(scorejson_rubric(list, &cr), -1);
	json_decref(list);
	assert_int_equal(scorejson_rubric(NULL, &cr), -1);
	list = json_array();
	assert_int_equal(scorejson_rubric(list, &cr), -1);
	json_decref(list);
}

static void
test_halves(void **state)
{
	struct scorejson_rubric	 cr;
	json_t			*list, *v;
	int			 out[SCORE_CRITERIA_MAX];

	(void)state;
	v = json_integer(7);
	assert_int_equal(scorejson_halves(v), 7);
	json_decref(v);
	v = json_integer(11);
	assert_int_equal(scorejson_halves(v), SCORE_NONE);
	json_decref(v);
	v = json_real(3.0);
	assert_int_equal(scorejson_halves(v), SCORE_NONE);
	json_decref(v);
	assert_int_equal(scorejson_halves(NULL), SCORE_NONE);

	list = json_loads("[{\"code\":\"C1\",\"weight\":1},"
	    "{\"code\":\"C2\",\"weight\":1}]", 0, NULL);
	assert_int_equal(scorejson_rubric(list, &cr), 0);
	v = json_loads("{\"C1\":4,\"C2\":10}", 0, NULL);
	assert_ptr_equal(scorejson_consensus(&cr, v, out), out);
	assert_int_equal(out[0], 4);
	assert_int_equal(out[1], 10);
	json_decref(v);
	/* A criterion added since: the consensus no longer counts. */
	v = json_loads("{\"C1\":4}", 0, NULL);
	assert_null(scorejson_consensus(&cr, v, out));
	json_decref(v);
	assert_null(scorejson_consensus(&cr, NULL, out));
	json_decref(list);
}

static void
test_numbers(void **state)
{
	long long	out[8];

	(void)state;
	assert_int_equal(scorejson_numbers("2077,7,,10", out, 8), 4);
	assert_int_equal(out[0], 2077);
	assert_int_equal(out[1], 7);
	assert_int_equal(out[2], SCORE_NONE);
	assert_int_equal(out[3], 10);
	assert_int_equal(scorejson_halves_number(out[3]), 10);
	assert_int_equal(scorejson_halves_number(11), SCORE_NONE);
	assert_int_equal(scorejson_halves_number(SCORE_NONE), SCORE_NONE);

	/* Empty fields at either end, and nothing but commas. */
	assert_int_equal(scorejson_numbers(",5,", out, 8), 3);
	assert_int_equal(out[0], SCORE_NONE);
	assert_int_equal(out[1], 5);
	assert_int_equal(out[2], SCORE_NONE);
	assert_int_equal(scorejson_numbers(",,", out, 8), 3);
	assert_int_equal(out[2], SCORE_NONE);

	/* Anything but digits, and numbers too large, are none. */
	assert_int_equal(scorejson_numbers("-1,1.5,x,NULL, 3", out, 8), 5);
	assert_int_equal(out[0], SCORE_NONE);
	assert_int_equal(out[1], SCORE_NONE);
	assert_int_equal(out[2], SCORE_NONE);
	assert_int_equal(out[3], SCORE_NONE);
	assert_int_equal(out[4], SCORE_NONE);
	assert_int_equal(scorejson_numbers("999999999999999,"
	    "1000000000000000,99999999999999999999999", out, 8), 3);
	assert_int_equal(out[0], SCOREJSON_NUMBER_MAX);
	assert_int_equal(out[1], SCORE_NONE);
	assert_int_equal(out[2], SCORE_NONE);

	/* More fields than room: counted, not written. */
	out[2] = 42;
	assert_int_equal(scorejson_numbers("1,2,3,4", out, 2), 4);
	assert_int_equal(out[1], 2);
	assert_int_equal(out[2], 42);
	assert_int_equal(scorejson_numbers("", out, 8), 0);
	assert_int_equal(scorejson_numbers(NULL, out, 8), 0);
}

static void
test_set(void **state)
{
	json_t	*o;

	(void)state;
	o = json_object();
	scorejson_set_score(o, "a", 7);
	scorejson_set_score(o, "b", SCORE_NONE);
	scorejson_set_total(o, "t", 62.25);
	scorejson_set_total(o, "u", -1);
	assert_string_equal(json_string_value(json_object_get(o, "a")), "3.5");
	assert_true(json_is_null(json_object_get(o, "b")));
	assert_string_equal(json_string_value(json_object_get(o, "t")), "62.3");
	assert_true(json_is_null(json_object_get(o, "u")));
	json_decref(o);
}

/* Two reviews of every criterion: a on the first, b on the second. */
static void
summary_of(const struct score_rubric *r, const int *a, const int *b,
    struct score_summary *out)
{
	struct score_review	rv[2];
	size_t			i;

	score_review_init(&rv[0]);
	score_review_init(&rv[1]);
	for (i = 0; i < r->n; i++) {
		rv[0].halves[i] = a[i];
		rv[1].halves[i] = b[i];
	}
	assert_int_equal(score_summarise(r, rv, 2, NULL, out), 0);
}

/*
 * The shared sentences say what scorejson_reasons() says, reason by
 * reason, and two applications with the same spread or gate hold the
 * same string.
 */
static void
test_reasons_shared(void **state)
{
	struct score_criterion	 crit[3] = {
		{ .code = "C1", .weight = 40, .gate = 6 },
		{ .code = "C2", .weight = 40, .gate = SCORE_NONE },
		{ .code = "C3", .weight = 20, .gate = SCORE_NONE },
	};
	struct score_rubric	 r = { .criteria = crit, .n = 3 };
	struct scorejson_words	 words;
	struct score_summary	 s1, s2, s3;
	/* C1 across its gate and 3 apart, C2 4 apart, totals far apart. */
	int			 a[3] = { 2, 10, 10 }, b[3] = { 8, 2, 0 };
	/* Only C3 apart: totals close. */
	int			 c[3] = { 6, 6, 0 }, d[3] = { 6, 6, 8 };
	json_t			*plain, *shared, *again, *other;
	size_t			 i;

	(void)state;
	memset(&words, 0, sizeof(words));
	summary_of(&r, a, b, &s1);
	summary_of(&r, a, b, &s2);
	summary_of(&r, c, d, &s3);

	plain = scorejson_reasons(&r, &s1);
	shared = scorejson_reasons_shared(&r, &s1, &words);
	again = scorejson_reasons_shared(&r, &s2, &words);
	assert_true(json_array_size(plain) >= 3);
	assert_true(json_equal(plain, shared));
	assert_true(json_equal(plain, again));
	/* Spreads and gates shared; the totals' sentence made each time. */
	for (i = 0; i < json_array_size(shared); i++) {
		if (strncmp(json_string_value(json_array_get(shared, i)),
		    "totals ", 7) == 0)
			assert_ptr_not_equal(json_array_get(shared, i),
			    json_array_get(again, i));
		else
			assert_ptr_equal(json_array_get(shared, i),
			    json_array_get(again, i));
	}
	assert_non_null(words.gate[0][6]);
	assert_non_null(words.spread[0][2][8]);
	assert_string_equal(json_string_value(words.spread[1][2][10]),
	    "C2: scores 1 and 5 are 4 apart");

	other = scorejson_reasons_shared(&r, &s3, &words);
	json_decref(plain);
	plain = scorejson_reasons(&r, &s3);
	assert_true(json_equal(plain, other));
	assert_int_equal(json_array_size(other), 1);

	json_decref(plain);
	json_decref(shared);
	json_decref(again);
	json_decref(other);
	scorejson_words_free(&words);
	assert_null(words.spread[0][2][8]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rubric),
		cmocka_unit_test(test_halves),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_reasons_shared),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
