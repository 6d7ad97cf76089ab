#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/reviewform.h"

static json_t *
rubric(void)
{
	return (json_pack("[{s:s, s:s}, {s:s, s:s}]", "code", "C1", "name",
	    "Lawful basis", "code", "C2", "name", "Minimisation"));
}

static json_t *
read_body(const char *body, enum reviewform_kind kind, int complete)
{
	struct form	 f;
	json_t		*r, *out;

	form_init(&f);
	assert_int_equal(form_parse_urlencoded(&f, NULL, body, strlen(body)),
	    0);
	r = rubric();
	out = reviewform_read(r, &f, kind, complete);
	json_decref(r);
	form_free(&f);
	assert_non_null(out);
	return (out);
}

static const char *
first_error(const json_t *out, const char *field)
{
	json_t	*e;
	size_t	 i;

	json_array_foreach(json_object_get(out, "errors"), i, e) {
		if (strcmp(json_string_value(json_object_get(e, "field")),
		    field) == 0)
			return (json_string_value(json_object_get(e,
			    "message")));
	}
	return (NULL);
}

/* A draft keeps what is there, lacks the rest, holds no bad score. */
static void
test_draft(void **state)
{
	json_t	*out;

	(void)state;
	out = read_body("score_C1=3.5&comment_C1=Good+basis&feedback=Hello",
	    REVIEWFORM_SAVE, 0);
	assert_int_equal(json_array_size(json_object_get(out, "errors")), 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    out, "scores"), "C1")), 7);
	assert_true(json_is_null(json_object_get(json_object_get(out,
	    "scores"), "C2")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    out, "comments"), "C1")), "Good basis");
	assert_null(json_object_get(json_object_get(out, "comments"), "C2"));
	assert_true(json_is_null(json_object_get(out, "recommendation")));
	json_decref(out);

	out = read_body("score_C1=0.3&score_C2=abc&recommendation=maybe",
	    REVIEWFORM_SAVE, 0);
	assert_non_null(first_error(out, "score_C1"));
	assert_non_null(first_error(out, "score_C2"));
	assert_string_equal(first_error(out, "recommendation"),
	    "Choose award, finalist or not recommended.");
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    out, "values"), "score_C2")), "abc");
	json_decref(out);
}

/* A submit, or an edit of a submitted review, lacks nothing. */
static void
test_complete(void **state)
{
	json_t	*out;

	(void)state;
	out = read_body("score_C1=3", REVIEWFORM_SUBMIT, 0);
	assert_string_equal(first_error(out, "score_C2"),
	    "Give a score for C2: Minimisation.");
	assert_string_equal(first_error(out, "recommendation"),
	    "Choose your overall recommendation.");
	assert_null(first_error(out, "score_C1"));
	json_decref(out);

	out = read_body("score_C1=3", REVIEWFORM_SAVE, 1);
	assert_non_null(first_error(out, "score_C2"));
	json_decref(out);

	out = read_body("score_C1=5&score_C2=0&recommendation=finalist",
	    REVIEWFORM_SUBMIT, 0);
	assert_int_equal(json_array_size(json_object_get(out, "errors")), 0);
	assert_string_equal(json_string_value(json_object_get(out,
	    "recommendation")), "finalist");
	json_decref(out);
}

static void
test_abstain(void **state)
{
	json_t	*out;

	(void)state;
	out = read_body("abstain_reason=", REVIEWFORM_ABSTAIN, 1);
	assert_non_null(first_error(out, "abstain_reason"));
	assert_null(first_error(out, "score_C1"));
	json_decref(out);
	out = read_body("abstain_reason=Outside+my+field", REVIEWFORM_ABSTAIN,
	    0);
	assert_int_equal(json_array_size(json_object_get(out, "errors")), 0);
	assert_string_equal(json_string_value(json_object_get(out,
	    "abstain_reason")), "Outside my field");
	json_decref(out);
}

static void
test_limits(void **state)
{
	char	 body[12100];
	json_t	*out;

	(void)state;
	(void)snprintf(body, sizeof(body), "feedback=");
	memset(body + 9, 'x', 10001);
	body[9 + 10001] = '\0';
	out = read_body(body, REVIEWFORM_SAVE, 0);
	assert_string_equal(first_error(out, "feedback"),
	    "The feedback has at most 10000 characters.");
	json_decref(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_draft),
		cmocka_unit_test(test_complete),
		cmocka_unit_test(test_abstain),
		cmocka_unit_test(test_limits),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
