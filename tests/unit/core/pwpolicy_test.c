/*
 * Unit tests for src/core/pwpolicy.c, with the real list file.  Run from
 * the repository root (make unit does).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/pwpolicy.h"

#define LIST_PATH	"assets/data/common-passwords.txt"

static char	*read_file(const char *, size_t *);
static int	 setup(void **);
static int	 teardown(void **);
static void	 test_load_real(void **);
static void	 test_load_parsing(void **);
static void	 test_load_empty(void **);
static void	 test_length(void **);
static void	 test_utf8(void **);
static void	 test_personal(void **);
static void	 test_common(void **);
static void	 test_stem(void **);
static void	 test_accepts(void **);
static void	 test_null_list(void **);

static char *
read_file(const char *path, size_t *len)
{
	FILE	*fp;
	char	*buf;
	long	 sz;

	if ((fp = fopen(path, "rb")) == NULL)
		return (NULL);
	if (fseek(fp, 0, SEEK_END) == -1 || (sz = ftell(fp)) < 0 ||
	    fseek(fp, 0, SEEK_SET) == -1) {
		fclose(fp);
		return (NULL);
	}
	if ((buf = malloc((size_t)sz + 1)) == NULL ||
	    fread(buf, 1, (size_t)sz, fp) != (size_t)sz) {
		free(buf);
		fclose(fp);
		return (NULL);
	}
	fclose(fp);
	*len = (size_t)sz;

	return (buf);
}

static int
setup(void **state)
{
	char	*buf;
	size_t	 len;

	if ((buf = read_file(LIST_PATH, &len)) == NULL) {
		print_error("cannot read %s (run from the repository root)\n",
		    LIST_PATH);
		return (-1);
	}
	*state = pwlist_load(buf, len);
	free(buf);

	return (0);
}

static int
teardown(void **state)
{
	pwlist_free(*state);
	return (0);
}

static void
test_load_real(void **state)
{
	const struct pwlist	*list = *state;

	assert_true(pwlist_count(list) >= 10000);
	assert_true(pwlist_contains(list, "password"));
	assert_true(pwlist_contains(list, "PassWord"));
	assert_true(pwlist_contains(list, "123456"));
	assert_true(pwlist_contains(list, "qwertyuiop"));
	assert_true(pwlist_contains(list, "1qaz2wsx"));
	/* The first and last lines of the sorted file. */
	assert_true(pwlist_contains(list, "!qaz2wsx"));
	assert_false(pwlist_contains(list, "# common passwords: the "
	    "\"passwords\" frequency list of zxcvbn 4.4.2 (mit licence, "
	    "dropbox); see readme."));
	assert_false(pwlist_contains(list, ""));
	assert_false(pwlist_contains(list, "paszword"));
	assert_false(pwlist_contains(list, "passwordd"));
	assert_false(pwlist_contains(list, NULL));
}

static void
test_load_parsing(void **state)
{
	const char	 text[] = "# comment\r\nBeta\r\n\nalpha\n#x\nALPHA\n"
	    "gamma\ndelta";
	struct pwlist	*list;

	(void)state;
	list = pwlist_load(text, sizeof(text) - 1);
	assert_int_equal(pwlist_count(list), 4);
	assert_true(pwlist_contains(list, "alpha"));
	assert_true(pwlist_contains(list, "beta"));
	assert_true(pwlist_contains(list, "BETA"));
	assert_true(pwlist_contains(list, "gamma"));
	/* The last line has no newline. */
	assert_true(pwlist_contains(list, "delta"));
	assert_false(pwlist_contains(list, "beta\r"));
	assert_false(pwlist_contains(list, "# comment"));
	assert_false(pwlist_contains(list, "#x"));
	assert_false(pwlist_contains(list, "alph"));
	assert_false(pwlist_contains(list, "alphaa"));
	assert_false(pwlist_contains(list, "zeta"));
	pwlist_free(list);
}

static void
test_load_empty(void **state)
{
	struct pwlist	*list;

	(void)state;
	list = pwlist_load("", 0);
	assert_int_equal(pwlist_count(list), 0);
	assert_false(pwlist_contains(list, "a"));
	pwlist_free(list);

	list = pwlist_load("#only\n\n\n", 8);
	assert_int_equal(pwlist_count(list), 0);
	pwlist_free(list);

	pwlist_free(NULL);
	assert_int_equal(pwlist_count(NULL), 0);
}

static void
test_length(void **state)
{
	const struct pwlist	*list = *state;
	char			 buf[4 * (PWPOLICY_MAX_CHARS + 1) + 1];
	size_t			 i;

	assert_string_equal(pwpolicy_check(list, "", NULL, NULL),
	    PWPOLICY_MSG_SHORT);
	assert_string_equal(pwpolicy_check(list, NULL, NULL, NULL),
	    PWPOLICY_MSG_SHORT);
	assert_string_equal(pwpolicy_check(list, "vq8#Lm2pZr4", NULL, NULL),
	    PWPOLICY_MSG_SHORT);
	assert_null(pwpolicy_check(list, "vq8#Lm2pZr4x", NULL, NULL));

	/* 11 code points but 22 bytes: still too short. */
	assert_string_equal(pwpolicy_check(list,
	    "\xc3\xa9\xc3\xa8\xc3\xa0\xc3\xb9\xc3\xa2\xc3\xaa\xc3\xae\xc3\xb4"
	    "\xc3\xbb\xc3\xa7\xc3\xab", NULL, NULL), PWPOLICY_MSG_SHORT);
	/* 12 code points, 48 bytes (U+1F600...). */
	memset(buf, 0, sizeof(buf));
	for (i = 0; i < 12; i++)
		memcpy(buf + 4 * i, "\xf0\x9f\x98\x80", 4);
	assert_null(pwpolicy_check(list, buf, NULL, NULL));

	/* 1024 four-byte characters pass; 1025 do not. */
	for (i = 0; i < PWPOLICY_MAX_CHARS; i++)
		memcpy(buf + 4 * i, "\xf0\x9f\x98\x80", 4);
	buf[4 * PWPOLICY_MAX_CHARS] = '\0';
	assert_null(pwpolicy_check(list, buf, NULL, NULL));
	memcpy(buf + 4 * PWPOLICY_MAX_CHARS, "x", 2);
	assert_string_equal(pwpolicy_check(list, buf, NULL, NULL),
	    PWPOLICY_MSG_LONG);

	memset(buf, 'k', PWPOLICY_MAX_CHARS);
	buf[PWPOLICY_MAX_CHARS] = '\0';
	assert_null(pwpolicy_check(list, buf, NULL, NULL));
	buf[PWPOLICY_MAX_CHARS] = 'k';
	buf[PWPOLICY_MAX_CHARS + 1] = '\0';
	assert_string_equal(pwpolicy_check(list, buf, NULL, NULL),
	    PWPOLICY_MSG_LONG);
}

static void
test_utf8(void **state)
{
	const struct pwlist	*list = *state;

	/* Lone continuation, overlong '/', surrogate, truncated sequence. */
	assert_string_equal(pwpolicy_check(list, "abcdefghijkl\x80",
	    NULL, NULL), PWPOLICY_MSG_UTF8);
	assert_string_equal(pwpolicy_check(list, "abcdefghijkl\xc0\xaf",
	    NULL, NULL), PWPOLICY_MSG_UTF8);
	assert_string_equal(pwpolicy_check(list, "abcdefghijkl\xed\xa0\x80",
	    NULL, NULL), PWPOLICY_MSG_UTF8);
	assert_string_equal(pwpolicy_check(list, "abcdefghijkl\xe2\x82",
	    NULL, NULL), PWPOLICY_MSG_UTF8);
	/* Checked before length. */
	assert_string_equal(pwpolicy_check(list, "\xff", NULL, NULL),
	    PWPOLICY_MSG_UTF8);
}

static void
test_personal(void **state)
{
	const struct pwlist	*list = *state;
	const char		*email = "Jane.Quartermain@Example.org";

	assert_string_equal(pwpolicy_check(list,
	    "jane.quartermain@example.org", email, "Jane"),
	    PWPOLICY_MSG_PERSONAL);
	assert_string_equal(pwpolicy_check(list, "JANE.QUARTERMAIN",
	    email, NULL), PWPOLICY_MSG_PERSONAL);
	assert_string_equal(pwpolicy_check(list, "jane quartermain",
	    NULL, "Jane Quartermain"), PWPOLICY_MSG_PERSONAL);
	/* With a stem: trailing digits and punctuation do not help. */
	assert_string_equal(pwpolicy_check(list, "jane.quartermain1984!",
	    email, NULL), PWPOLICY_MSG_PERSONAL);
	assert_string_equal(pwpolicy_check(list, "Jane Quartermain 2024",
	    NULL, "Jane Quartermain"), PWPOLICY_MSG_PERSONAL);
	/* The last '@' ends the local part. */
	assert_string_equal(pwpolicy_check(list, "\"odd@local\"x",
	    "\"odd@local\"x@example.org", NULL), PWPOLICY_MSG_PERSONAL);

	/* Containing the name is not the rule. */
	assert_null(pwpolicy_check(list, "jane.quartermain.rides.bikes",
	    email, "Jane Quartermain"));
	assert_null(pwpolicy_check(list, "xjane.quartermain", email, NULL));
	/* Empty or odd personal data is ignored. */
	assert_null(pwpolicy_check(list, "vq8#Lm2pZr4x", "", ""));
	assert_null(pwpolicy_check(list, "vq8#Lm2pZr4x", "@example.org",
	    NULL));
	assert_null(pwpolicy_check(list, "vq8#Lm2pZr4x", "no-at-sign",
	    NULL));
}

static void
test_common(void **state)
{
	const struct pwlist	*list = *state;

	/* Entries of 12 characters or more, in any case. */
	assert_string_equal(pwpolicy_check(list, "1234567890qwerty",
	    NULL, NULL), PWPOLICY_MSG_COMMON);
	assert_string_equal(pwpolicy_check(list, "123456789QWERTY",
	    NULL, NULL), PWPOLICY_MSG_COMMON);
	assert_string_equal(pwpolicy_check(list, "123456654321",
	    NULL, NULL), PWPOLICY_MSG_COMMON);
	/* An all-digit password has no stem and is checked whole only. */
	assert_null(pwpolicy_check(list, "907315620048", NULL, NULL));
}

static void
test_stem(void **state)
{
	const struct pwlist	*list = *state;

	assert_string_equal(pwpolicy_check(list, "password123456",
	    NULL, NULL), PWPOLICY_MSG_COMMON);
	assert_string_equal(pwpolicy_check(list, "Password2024!!",
	    NULL, NULL), PWPOLICY_MSG_COMMON);
	assert_string_equal(pwpolicy_check(list, "qwertyuiop 1.",
	    NULL, NULL), PWPOLICY_MSG_COMMON);
	assert_string_equal(pwpolicy_check(list, "sunshine....",
	    NULL, NULL), PWPOLICY_MSG_COMMON);
	/* Only trailing characters are dropped. */
	assert_null(pwpolicy_check(list, "123456password", NULL, NULL));
	assert_null(pwpolicy_check(list, "password123456x", NULL, NULL));
	assert_null(pwpolicy_check(list, "p4ssw0rdp4ssw0rdzz", NULL, NULL));
	/* A stem that is not itself on the list. */
	assert_null(pwpolicy_check(list, "vq8Lm2pZr4xw123", NULL, NULL));
	/* Non-ASCII letters are not punctuation. */
	assert_null(pwpolicy_check(list, "password\xc3\xa9\xc3\xa9\xc3\xa9\xc3"
	    "\xa9", NULL, NULL));
}

static void
test_accepts(void **state)
{
	const struct pwlist	*list = *state;

	assert_null(pwpolicy_check(list, "correct horse battery staple",
	    "jane@example.org", "Jane"));
	assert_null(pwpolicy_check(list, "Tr0ub4dor&3-kestrel",
	    "jane@example.org", "Jane"));
	assert_null(pwpolicy_check(list, "\xce\xba\xce\xbb\xce\xb5\xce\xb9"
	    "\xce\xb4\xce\xaf \xcf\x83\xcf\x84\xce\xbf \xcf\x83\xcf\x80\xce"
	    "\xaf\xcf\x84\xce\xb9", NULL, NULL));
}

static void
test_null_list(void **state)
{
	(void)state;
	assert_null(pwpolicy_check(NULL, "password123456", NULL, NULL));
	assert_string_equal(pwpolicy_check(NULL, "short", NULL, NULL),
	    PWPOLICY_MSG_SHORT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_real),
		cmocka_unit_test(test_load_parsing),
		cmocka_unit_test(test_load_empty),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_personal),
		cmocka_unit_test(test_common),
		cmocka_unit_test(test_stem),
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_null_list),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
