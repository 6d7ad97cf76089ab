#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/decide.h"

static void
test_words(void **state)
{
	(void)state;
	assert_string_equal(decide_words("winner"), "Winner");
	assert_string_equal(decide_words("honourable_mention"),
	    "Honourable mention");
	assert_string_equal(decide_words("not_selected"), "Not selected");
	assert_null(decide_words("Winner"));
	assert_null(decide_words(""));
	assert_null(decide_words(NULL));
	assert_true(decide_recognised("finalist"));
	assert_false(decide_recognised("not_selected"));
	assert_false(decide_recognised("nonsense"));
	assert_false(decide_recognised(NULL));
}

/* n words "w w w ...". */
static void
words(char *buf, size_t n)
{
	size_t	i;

	buf[0] = '\0';
	for (i = 0; i < n; i++)
		strcat(buf, i > 0 ? " w" : "w");
}

static void
test_check(void **state)
{
	char		 msg[DECIDE_MESSAGE_MAX], text[400];
	const char	*field;

	(void)state;
	assert_int_equal(decide_check("", "", &field, msg, sizeof(msg)), 0);
	assert_int_equal(decide_check("not_selected", "ignored", &field, msg,
	    sizeof(msg)), 0);
	assert_int_equal(decide_check("maybe", "", &field, msg, sizeof(msg)),
	    -1);
	assert_string_equal(field, "decision");

	assert_int_equal(decide_check("winner", "", &field, msg, sizeof(msg)),
	    -1);
	assert_string_equal(field, "citation");
	assert_non_null(strstr(msg, "winner needs a public citation"));
	assert_int_equal(decide_check("finalist", "  \n ", &field, msg,
	    sizeof(msg)), -1);

	words(text, 150);
	assert_int_equal(decide_check("winner", text, &field, msg,
	    sizeof(msg)), 0);
	words(text, 151);
	assert_int_equal(decide_check("honourable_mention", text, &field, msg,
	    sizeof(msg)), -1);
	assert_string_equal(msg, "The citation has 151 words: it may have "
	    "at most 150.");
}

static void
test_shape(void **state)
{
	json_t	*r;

	(void)state;
	r = json_pack("{s:s, s:[{s:s, s:s}]}", "decision", "finalist",
	    "feedback", "label", "Reviewer 1", "text", "Good.");
	decide_shape(r);
	assert_string_equal(json_string_value(json_object_get(r,
	    "decision_words")), "Finalist");
	assert_true(json_is_true(json_object_get(r, "is_recognised")));
	assert_true(json_is_true(json_object_get(r, "has_feedback")));
	json_decref(r);

	r = json_pack("{s:s, s:[]}", "decision", "not_selected", "feedback");
	decide_shape(r);
	assert_true(json_is_false(json_object_get(r, "is_recognised")));
	assert_true(json_is_false(json_object_get(r, "has_feedback")));
	json_decref(r);
	decide_shape(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_shape),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
