#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/roundform.h"

static void
test_slug(void **state)
{
	(void)state;
	assert_null(roundform_slug("2026"));
	assert_null(roundform_slug("2026-recognition"));
	assert_non_null(roundform_slug(""));
	assert_non_null(roundform_slug("Upper"));
	assert_non_null(roundform_slug("-lead"));
	assert_non_null(roundform_slug("trail-"));
	assert_non_null(roundform_slug("a--b"));
	assert_non_null(roundform_slug("a b"));
	assert_non_null(roundform_slug("new"));
	assert_non_null(roundform_slug("../x"));
}

static void
test_datetime(void **state)
{
	(void)state;
	assert_null(roundform_datetime("2026-06-30T17:00", 1));
	assert_null(roundform_datetime("2028-02-29T00:00", 1));
	assert_null(roundform_datetime("", 0));
	assert_non_null(roundform_datetime("", 1));
	assert_non_null(roundform_datetime("2027-02-29T00:00", 1));
	assert_non_null(roundform_datetime("2026-13-01T00:00", 1));
	assert_non_null(roundform_datetime("2026-06-31T10:00", 1));
	assert_non_null(roundform_datetime("2026-06-30T24:00", 1));
	assert_non_null(roundform_datetime("2026-06-30 17:00", 1));
	assert_non_null(roundform_datetime("2026-06-30T17:00:00", 1));
	assert_non_null(roundform_datetime("20x6-06-30T17:00", 1));
}

static void
test_int(void **state)
{
	int	 v;

	(void)state;
	assert_null(roundform_int("3", 1, 10, &v));
	assert_int_equal(v, 3);
	assert_non_null(roundform_int("0", 1, 10, &v));
	assert_non_null(roundform_int("11", 1, 10, &v));
	assert_non_null(roundform_int("-1", 0, 10, &v));
	assert_non_null(roundform_int("", 0, 10, &v));
	assert_non_null(roundform_int("99999999999", 0, 10, &v));
	assert_non_null(roundform_int("3x", 0, 10, &v));
}

static void
test_categories(void **state)
{
	json_t	*list;

	(void)state;
	assert_null(roundform_categories(roundform_default_categories, &list));
	assert_int_equal(json_array_size(list), 4);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 0), "code")), "IMPACT");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 3), "description")),
	    "Patient engagement and community involvement.");
	json_decref(list);

	assert_null(roundform_categories("A: one\n\n  B - two  \nC", &list));
	assert_int_equal(json_array_size(list), 3);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(list, 1), "description")), "two");
	json_decref(list);

	assert_non_null(roundform_categories("", &list));
	assert_non_null(roundform_categories("lower — x", &list));
	assert_non_null(roundform_categories("A: x\nA: y", &list));
	assert_non_null(roundform_categories(
	    "A\nB\nC\nD\nE\nF\nG\nH\nI\nJ\nK\nL\nM", &list));
}

static void
test_countries(void **state)
{
	char	*out;

	(void)state;
	assert_null(roundform_countries("at, be\nBG  cz", &out));
	assert_string_equal(out, "{AT,BE,BG,CZ}");
	free(out);
	assert_non_null(roundform_countries("", &out));
	assert_non_null(roundform_countries("AUT", &out));
	assert_non_null(roundform_countries("A1", &out));
	assert_non_null(roundform_countries("AT,{x}", &out));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slug),
		cmocka_unit_test(test_datetime),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_categories),
		cmocka_unit_test(test_countries),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
