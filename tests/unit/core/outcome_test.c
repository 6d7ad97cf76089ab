#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/outcome.h"

static void
test_known(void **state)
{
	struct outcome	o;

	(void)state;
	outcome_parse(&o, "conflict", "7", NULL);
	assert_int_equal(o.code, OUTCOME_CONFLICT);
	assert_int_equal(o.number, 7);
	assert_string_equal(o.detail, "");

	outcome_parse(&o, "invalid", NULL, "slug");
	assert_int_equal(o.code, OUTCOME_INVALID);
	assert_int_equal(o.number, 0);
	assert_string_equal(o.detail, "slug");
	assert_string_equal(o.data, "");
	outcome_data(&o, "XX, YY");
	assert_string_equal(o.data, "XX, YY");
	outcome_data(&o, NULL);
	assert_string_equal(o.data, "");
}

static void
test_unknown(void **state)
{
	struct outcome	o;

	(void)state;
	outcome_parse(&o, "Closed", "1", NULL);
	assert_int_equal(o.code, OUTCOME_UNKNOWN);
	outcome_parse(&o, NULL, NULL, NULL);
	assert_int_equal(o.code, OUTCOME_UNKNOWN);
	outcome_parse(&o, "saved", "12x", NULL);
	assert_int_equal(o.code, OUTCOME_SAVED);
	assert_int_equal(o.number, 0);
}

static void
test_names_round_trip(void **state)
{
	struct outcome	o;
	int		c;

	(void)state;
	for (c = OUTCOME_OK; c <= OUTCOME_LAST; c++) {
		outcome_parse(&o, outcome_name((enum outcome_code)c), NULL,
		    NULL);
		assert_int_equal(o.code, c);
	}
	assert_string_equal(outcome_name(OUTCOME_UNKNOWN), "unknown");
}

static void
test_long_detail(void **state)
{
	struct outcome	o;
	char		big[2000];

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	outcome_parse(&o, "invalid", NULL, big);
	assert_int_equal(strlen(o.detail), OUTCOME_DETAIL_MAX - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_long_detail),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
