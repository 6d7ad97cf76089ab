#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/backupmanifest.h"

#define HEX	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"

static int
parse(struct backupmanifest *m, const char *text, char *err, size_t errlen)
{
	return (backupmanifest_parse(m, text, strlen(text), err, errlen));
}

/* What deploy/backup.sh writes. */
static void
test_backup_sh(void **state)
{
	struct backupmanifest	 m;
	char			 err[128];

	(void)state;
	assert_int_equal(parse(&m,
	    "# laurel-20250101T020000Z.dump\n"
	    "laurel-backup 1\n"
	    "sha256 " HEX "\n"
	    "\n"
	    "table public.users 20000\n"
	    "table public.\"odd name\" 0\n"
	    "table public.audit 123456789012345678", err, sizeof(err)), 0);
	assert_string_equal(m.sha256, HEX);
	assert_int_equal(m.ntables, 3);
	assert_string_equal(m.tables[1].name, "public.\"odd name\"");
	assert_int_equal(backupmanifest_find(&m, "public.users")->rows, 20000);
	assert_int_equal(backupmanifest_find(&m, "public.audit")->rows,
	    123456789012345678LL);
	assert_null(backupmanifest_find(&m, "public.user"));
	assert_int_equal(backupmanifest_rows(&m), 123456789012365678LL);
	backupmanifest_free(&m);
	assert_int_equal(m.ntables, 0);
}

static void
test_refused(void **state)
{
	static const struct {
		const char	*text;
		const char	*err;
	} bad[] = {
		{ "", "line 1: empty: not a Laurel backup manifest" },
		{ "# only\n", "empty: not a Laurel backup manifest" },
		{ "laurel-backup 2\n", "line 1: not a Laurel backup manifest" },
		{ "sha256 " HEX "\nlaurel-backup 1\n",
		    "line 1: not a Laurel backup manifest" },
		{ "laurel-backup 1\ntable public.a 1\n", "no sha256 line" },
		{ "laurel-backup 1\nsha256 " HEX "\nsha256 " HEX "\n",
		    "line 3: a second sha256 line" },
		{ "laurel-backup 1\nsha256 " HEX "0\n",
		    "line 2: the SHA-256 is not 64 lowercase hex digits" },
		{ "laurel-backup 1\nsha256 0123456789ABCDEF0123456789abcdef"
		    "0123456789abcdef0123456789abcdef\n", "line 2: the SHA-256" },
		{ "laurel-backup 1\nsha256 " HEX "\ntable public.a\n",
		    "line 3: not \"table NAME ROWS\"" },
		{ "laurel-backup 1\nsha256 " HEX "\ntable public.a \n",
		    "line 3: not \"table NAME ROWS\"" },
		{ "laurel-backup 1\nsha256 " HEX "\ntable  7\n",
		    "line 3: the table's name is empty" },
		{ "laurel-backup 1\nsha256 " HEX "\ntable public.a -1\n",
		    "line 3: the row count is not a number" },
		{ "laurel-backup 1\nsha256 " HEX "\ntable public.a 1x\n",
		    "line 3: the row count is not a number" },
		{ "laurel-backup 1\nsha256 " HEX "\ntable public.a "
		    "1234567890123456789\n", "line 3: not \"table NAME ROWS\"" },
		{ "laurel-backup 1\nsha256 " HEX "\ntable public.a 1\n"
		    "table public.a 2\n", "line 4: table public.a is listed "
		    "twice" },
		{ "laurel-backup 1\nsha256 " HEX "\nrows public.a 1\n",
		    "line 3: neither a sha256 nor a table line" },
		{ "laurel-backup 1\r\n", "line 1: a NUL byte or a carriage "
		    "return" },
	};
	struct backupmanifest	 m;
	char			 err[128];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&m, bad[i].text, err, sizeof(err)), -1);
		if (strstr(err, bad[i].err) == NULL)
			fail_msg("%zu: \"%s\" lacks \"%s\"", i, err, bad[i].err);
		assert_null(m.tables);
		assert_int_equal(m.ntables, 0);
	}

	assert_int_equal(backupmanifest_parse(&m, "laurel-backup 1\0\n", 16,
	    err, sizeof(err)), -1);
	assert_string_equal(err, "line 1: a NUL byte or a carriage return");

	/* A short buffer is cut, never overrun. */
	assert_int_equal(parse(&m, "x\n", err, 4), -1);
	assert_string_equal(err, "lin");
}

struct reports {
	char	 lines[8][160];
	size_t	 n;
};

static void
collect(void *arg, const char *line)
{
	struct reports	*r = arg;

	assert_true(r->n < 8);
	(void)snprintf(r->lines[r->n++], sizeof(r->lines[0]), "%s", line);
}

static void
test_compare(void **state)
{
	struct backupmanifest	 want, got;
	struct reports		 r;
	char			 err[128];

	(void)state;
	assert_int_equal(parse(&want, "laurel-backup 1\nsha256 " HEX "\n"
	    "table public.users 3\ntable public.audit 7\n"
	    "table public.gone 1\n", err, sizeof(err)), 0);

	/* The same counts in another order: no difference. */
	backupmanifest_init(&got);
	assert_int_equal(backupmanifest_add(&got, "public.gone", 1), 0);
	assert_int_equal(backupmanifest_add(&got, "public.audit", 7), 0);
	assert_int_equal(backupmanifest_add(&got, "public.users", 3), 0);
	assert_int_equal(backupmanifest_add(&got, "public.users", 3), -1);
	assert_int_equal(backupmanifest_add(&got, "", 3), -1);
	memset(&r, 0, sizeof(r));
	assert_int_equal(backupmanifest_compare(&want, &got, collect, &r), 0);
	assert_int_equal(r.n, 0);
	backupmanifest_free(&got);

	backupmanifest_init(&got);
	assert_int_equal(backupmanifest_add(&got, "public.users", 4), 0);
	assert_int_equal(backupmanifest_add(&got, "public.audit", 7), 0);
	assert_int_equal(backupmanifest_add(&got, "public.new", 0), 0);
	assert_int_equal(backupmanifest_compare(&want, &got, collect, &r), 3);
	assert_string_equal(r.lines[0],
	    "table public.users: 4 rows restored, the manifest says 3");
	assert_string_equal(r.lines[1],
	    "table public.gone: in the manifest (1 rows) but not restored");
	assert_string_equal(r.lines[2],
	    "table public.new: restored (0 rows) but not in the manifest");
	backupmanifest_free(&got);
	backupmanifest_free(&want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backup_sh),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_compare),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
