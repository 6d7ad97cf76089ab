#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/rubricform.h"

static void
test_weight(void **state)
{
	static const char *const	 good[][2] = {
		{ "15", "15" }, { "12.5", "12.5" }, { "12.50", "12.5" },
		{ "0.01", "0.01" }, { "1000", "1000" }, { "007", "7" },
		{ "1.05", "1.05" },
	};
	static const char *const	 bad[] = {
		"", "0", "0.00", "1000.01", "-1", "1e1", "0x10", " 3", "3 ",
		"3.", ".5", "1.234", "3,5", "nan", "12345678", "1.5.5",
	};
	char				 out[16];
	size_t				 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_null(rubricform_weight(good[i][0], out, sizeof(out)));
		assert_string_equal(out, good[i][1]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_non_null(rubricform_weight(bad[i], out, sizeof(out)));
}

static void
test_gate(void **state)
{
	char	out[16];

	(void)state;
	assert_null(rubricform_gate("", out, sizeof(out)));
	assert_string_equal(out, "");
	assert_null(rubricform_gate("3", out, sizeof(out)));
	assert_string_equal(out, "3");
	assert_null(rubricform_gate("2.5", out, sizeof(out)));
	assert_string_equal(out, "2.5");
	assert_null(rubricform_gate("0", out, sizeof(out)));
	assert_null(rubricform_gate("5.0", out, sizeof(out)));
	assert_string_equal(out, "5");
	assert_non_null(rubricform_gate("5.5", out, sizeof(out)));
	assert_non_null(rubricform_gate("2.3", out, sizeof(out)));
	assert_non_null(rubricform_gate("-1", out, sizeof(out)));
	assert_non_null(rubricform_gate("three", out, sizeof(out)));
}

static void
test_tie_break(void **state)
{
	char	codes[RUBRICFORM_CODES_MAX][RUBRICFORM_CODE_MAX];
	size_t	n;

	(void)state;
	assert_null(rubricform_tie_break("C1 C2 C7", codes, &n));
	assert_int_equal(n, 3);
	assert_string_equal(codes[2], "C7");
	assert_null(rubricform_tie_break(" c1, c2 > c7 ", codes, &n));
	assert_int_equal(n, 3);
	assert_string_equal(codes[0], "C1");
	assert_non_null(rubricform_tie_break("", codes, &n));
	assert_non_null(rubricform_tie_break("C1 C1", codes, &n));
	assert_non_null(rubricform_tie_break("C1; DROP", codes, &n));
	assert_non_null(rubricform_tie_break("C1 ÉC2", codes, &n));
	assert_non_null(rubricform_tie_break("ABCDEFGHIJKLMNOPQRSTU", codes,
	    &n));
	assert_non_null(rubricform_tie_break("A B C D E F G H I J K L M N O P "
	    "Q R S T U", codes, &n));
}

static void
test_text(void **state)
{
	(void)state;
	assert_null(rubricform_text("Lawful basis", 200, "name"));
	assert_non_null(rubricform_text("", 200, "name"));
	assert_string_equal(rubricform_text("ééé", 2, "name"),
	    "The name has at most 2 characters.");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_weight),
		cmocka_unit_test(test_gate),
		cmocka_unit_test(test_tie_break),
		cmocka_unit_test(test_text),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
