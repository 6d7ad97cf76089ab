#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/stmtset.h"

static void
test_names(void **state)
{
	struct stmtset	s;
	char		name[STMTSET_NAME_LEN], again[STMTSET_NAME_LEN];

	(void)state;
	stmtset_init(&s);
	assert_int_equal(stmtset_find(&s, "SELECT 1", name), 0);

	assert_int_equal(stmtset_add(&s, "SELECT 1", name), 1);
	assert_string_equal(name, "l0");
	assert_int_equal(stmtset_add(&s, "SELECT 2", name), 1);
	assert_string_equal(name, "l1");

	assert_int_equal(stmtset_find(&s, "SELECT 1", again), 1);
	assert_string_equal(again, "l0");
	assert_int_equal(stmtset_find(&s, "SELECT 2", again), 1);
	assert_string_equal(again, "l1");
	/* A prefix, a longer text, a different case: other statements. */
	assert_int_equal(stmtset_find(&s, "SELECT ", again), 0);
	assert_int_equal(stmtset_find(&s, "SELECT 12", again), 0);
	assert_int_equal(stmtset_find(&s, "select 1", again), 0);

	stmtset_clear(&s);
}

/* A text kept is a copy: the caller's buffer may change or go. */
static void
test_copies(void **state)
{
	struct stmtset	s;
	char		buf[64], name[STMTSET_NAME_LEN];

	(void)state;
	stmtset_init(&s);
	(void)snprintf(buf, sizeof(buf), "SELECT $1");
	assert_int_equal(stmtset_add(&s, buf, name), 1);
	(void)snprintf(buf, sizeof(buf), "SELECT $2");
	assert_int_equal(stmtset_find(&s, "SELECT $1", name), 1);
	assert_int_equal(stmtset_find(&s, buf, name), 0);
	stmtset_clear(&s);
}

/* Full: nothing more is kept, and what is kept keeps its name. */
static void
test_full(void **state)
{
	struct stmtset	s;
	char		text[32], name[STMTSET_NAME_LEN];
	size_t		i;

	(void)state;
	stmtset_init(&s);
	for (i = 0; i < STMTSET_MAX; i++) {
		(void)snprintf(text, sizeof(text), "SELECT %zu", i);
		assert_int_equal(stmtset_add(&s, text, name), 1);
	}
	assert_int_equal(stmtset_add(&s, "SELECT 'one more'", name), 0);
	assert_int_equal(stmtset_find(&s, "SELECT 'one more'", name), 0);
	assert_int_equal(stmtset_find(&s, "SELECT 200", name), 1);
	assert_string_equal(name, "l200");

	/* The last one taken back: its name is the next one's. */
	stmtset_pop(&s);
	assert_int_equal(stmtset_find(&s, "SELECT 255", name), 0);
	assert_int_equal(stmtset_add(&s, "SELECT 'instead'", name), 1);
	assert_string_equal(name, "l255");
	assert_int_equal(stmtset_find(&s, "SELECT 254", name), 1);

	/* A new session starts from nothing, and from l0. */
	stmtset_clear(&s);
	assert_int_equal(stmtset_find(&s, "SELECT 200", name), 0);
	assert_int_equal(stmtset_add(&s, "SELECT 200", name), 1);
	assert_string_equal(name, "l0");
	stmtset_pop(&s);
	stmtset_pop(&s);
	assert_int_equal(stmtset_find(&s, "SELECT 200", name), 0);
	stmtset_clear(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_copies),
		cmocka_unit_test(test_full),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
