#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/csv.h"

#define BOM	"\xef\xbb\xbf"

/* The file's text as a string, for comparing. */
static void
assert_csv(struct csv *c, const char *want)
{
	assert_int_equal(c->len, strlen(want));
	assert_memory_equal(c->buf, want, c->len);
}

/* One row of the cells given, the file compared with want. */
static void
row(const char *const *cells, const char *want)
{
	struct csv	c;
	size_t		i;

	csv_init(&c);
	for (i = 0; cells[i] != NULL; i++)
		csv_cell(&c, cells[i]);
	csv_row_end(&c);
	assert_csv(&c, want);
	csv_free(&c);
}

static void
test_empty(void **state)
{
	struct csv	c;

	(void)state;
	csv_init(&c);
	assert_csv(&c, BOM);
	assert_int_equal(c.rows, 0);
	csv_free(&c);
	assert_null(c.buf);
}

static void
test_plain(void **state)
{
	static const char *const cells[] = { "a", "", "Zürich", NULL };

	(void)state;
	row(cells, BOM "a,,Zürich\r\n");
}

static void
test_null_is_empty(void **state)
{
	struct csv	c;

	(void)state;
	csv_init(&c);
	csv_cell(&c, NULL);
	csv_cell(&c, "x");
	csv_row_end(&c);
	csv_cell(&c, "y");
	csv_row_end(&c);
	assert_csv(&c, BOM ",x\r\ny\r\n");
	assert_int_equal(c.rows, 2);
	csv_free(&c);
}

static void
test_quoting(void **state)
{
	static const char *const cells[] = { "a,b", "say \"hi\"", "two\nlines",
	    "cr\r", "\"", NULL };

	(void)state;
	row(cells, BOM "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\","
	    "\"\"\"\"\r\n");
}

static void
test_formula(void **state)
{
	static const char *const cells[] = { "=1+1", "+1", "-2", "@x",
	    "\tx", "a=b", "'q", NULL };

	(void)state;
	row(cells, BOM "'=1+1,'+1,'-2,'@x,'\tx,a=b,'q\r\n");
}

static void
test_formula_quoted(void **state)
{
	static const char *const cells[] = {
	    "=HYPERLINK(\"http://x\",\"y\")", "\rz", NULL };

	(void)state;
	row(cells, BOM "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","
	    "\"'\rz\"\r\n");
}

static void
test_grows(void **state)
{
	struct csv	 c;
	char		*big;
	size_t		 i;

	(void)state;
	big = malloc(100001);
	assert_non_null(big);
	memset(big, 'x', 100000);
	big[100000] = '\0';
	csv_init(&c);
	for (i = 0; i < 3; i++)
		csv_cell(&c, big);
	csv_row_end(&c);
	assert_int_equal(c.len, 3 + 300000 + 2 + 2);
	csv_free(&c);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_null_is_empty),
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_formula),
		cmocka_unit_test(test_formula_quoted),
		cmocka_unit_test(test_grows),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
