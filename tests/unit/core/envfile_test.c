#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/envfile.h"

static int
parse(struct envfile *ef, const char *text, char *err, size_t errlen)
{
	return (envfile_parse(ef, text, strlen(text), err, errlen));
}

/* The production example (deploy/laurel.env.example): bare values. */
static void
test_systemd_file(void **state)
{
	struct envfile	 ef;
	char		 err[128];

	(void)state;
	assert_int_equal(parse(&ef,
	    "# /etc/laurel/laurel.env\n"
	    "\n"
	    "LAUREL_DB=host=127.0.0.1 dbname=laurel password='a b'  \n"
	    "  ; a comment too\n"
	    "LAUREL_DEV=0\n"
	    "#LAUREL_KEY_FILES_OLD=/x\n"
	    "LAUREL_BASE_URL = https://awards.example.eu", err,
	    sizeof(err)), 0);
	assert_int_equal(ef.nvars, 3);
	assert_string_equal(ef.vars[0].name, "LAUREL_DB");
	assert_string_equal(ef.vars[0].value,
	    "host=127.0.0.1 dbname=laurel password='a b'");
	assert_string_equal(envfile_get(&ef, "LAUREL_DEV"), "0");
	assert_string_equal(envfile_get(&ef, "LAUREL_BASE_URL"),
	    "https://awards.example.eu");
	assert_null(envfile_get(&ef, "LAUREL_KEY_FILES_OLD"));
	envfile_free(&ef);
}

static void
test_quotes(void **state)
{
	struct envfile	 ef;
	char		 err[128];

	(void)state;
	assert_int_equal(parse(&ef,
	    "A=\"x \\\"y\\\" \\$z \\n\"\n"
	    "B='a \\ \"b\" #c'  \n"
	    "C=\n"
	    "D=\"\"\n"
	    "E=a\\ \\\\b\\ \n"
	    "A=again\n", err, sizeof(err)), 0);
	assert_int_equal(ef.nvars, 5);
	assert_string_equal(ef.vars[0].name, "A");
	assert_string_equal(ef.vars[0].value, "again");
	assert_string_equal(envfile_get(&ef, "B"), "a \\ \"b\" #c");
	assert_string_equal(envfile_get(&ef, "C"), "");
	assert_string_equal(envfile_get(&ef, "D"), "");
	assert_string_equal(envfile_get(&ef, "E"), "a \\b ");
	envfile_free(&ef);

	assert_int_equal(parse(&ef, "A=\"x \\\"y\\\" \\$z \\n\"", err,
	    sizeof(err)), 0);
	assert_string_equal(envfile_get(&ef, "A"), "x \"y\" $z \\n");
	envfile_free(&ef);
}

static void
test_refused(void **state)
{
	static const struct {
		const char	*text;
		const char	*err;
	} bad[] = {
		{ "A=1\nexport B=2\n", "line 2: not NAME=VALUE" },
		{ "A\n", "line 1: not NAME=VALUE" },
		{ "=1\n", "line 1: not NAME=VALUE" },
		{ "1A=1\n", "line 1: not NAME=VALUE" },
		{ "A-B=1\n", "line 1: not NAME=VALUE" },
		{ "\n\nA=\"open\n", "line 3: the quote \" is not closed" },
		{ "A='open\nB=1'\n", "line 1: the quote ' is not closed" },
		{ "A=\"x\"y\n", "line 1: text after the closing quote" },
		{ "A='x' #\n", "line 1: text after the closing quote" },
		{ "A=x\\\n y\n", "line 1: a backslash ends the line" },
		{ "A=1\r\n", "line 1: a carriage return" },
	};
	struct envfile	 ef;
	char		 err[128];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&ef, bad[i].text, err, sizeof(err)),
		    -1);
		assert_non_null(strstr(err, bad[i].err));
		assert_null(ef.vars);
		assert_int_equal(ef.nvars, 0);
	}

	assert_int_equal(envfile_parse(&ef, "A=1\nB=\0\n", 8, err,
	    sizeof(err)), -1);
	assert_string_equal(err, "line 2: a NUL byte");

	/* A short buffer is cut, never overrun. */
	assert_int_equal(parse(&ef, "A\n", err, 4), -1);
	assert_string_equal(err, "lin");
}

static void
test_empty(void **state)
{
	struct envfile	 ef;
	char		 err[16];

	(void)state;
	assert_int_equal(envfile_parse(&ef, "", 0, err, sizeof(err)), 0);
	assert_int_equal(ef.nvars, 0);
	assert_int_equal(parse(&ef, "\n# only\n\n", err, sizeof(err)), 0);
	assert_int_equal(ef.nvars, 0);
	envfile_free(&ef);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_systemd_file),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_empty),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
