/*
 * Unit tests for src/core/totp.c: RFC 6238 appendix B (SHA-1), the
 * window, replay, and the URI and recovery-code helpers.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/totp.h"

/* base32 of the RFC's SHA-1 seed "12345678901234567890". */
#define RFC_SECRET	"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static int	 setup(void **);
static void	 test_rfc6238(void **);
static void	 test_check_vectors(void **);
static void	 test_window(void **);
static void	 test_replay(void **);
static void	 test_code_format(void **);
static void	 test_bad_args(void **);
static void	 test_secret_new(void **);
static void	 test_uri(void **);
static void	 test_recovery_new(void **);
static void	 test_recovery_normalise(void **);

static int
setup(void **state)
{
	(void)state;
	if (sodium_init() < 0)
		return (-1);

	return (totp_init() == 0 ? 0 : -1);
}

static void
test_rfc6238(void **state)
{
	static const struct {
		time_t		 t;
		const char	*code;
	} v[] = {
		{ 59,		"287082" },
		{ 1111111109,	"081804" },
		{ 1111111111,	"050471" },
		{ 1234567890,	"005924" },
		{ 2000000000,	"279037" },
		{ 20000000000,	"353130" },
	};
	char	out[TOTP_DIGITS + 1];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(totp_code(RFC_SECRET, v[i].t, out), 0);
		assert_string_equal(out, v[i].code);
	}

	/* Lower case and missing padding are read as well. */
	assert_int_equal(totp_code("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", 59,
	    out), 0);
	assert_string_equal(out, "287082");
}

static void
test_check_vectors(void **state)
{
	long long	step;

	(void)state;
	step = 0;
	assert_int_equal(totp_check(RFC_SECRET, "287082", 59, 0, -1, &step),
	    1);
	assert_int_equal(step, 1);
	assert_int_equal(totp_check(RFC_SECRET, "081804", 1111111109, 0, -1,
	    &step), 1);
	assert_int_equal(step, 1111111109 / 30);
	assert_int_equal(totp_check(RFC_SECRET, "353130", 20000000000, 1,
	    -1, &step), 1);
	assert_int_equal(step, 20000000000LL / 30);
	assert_int_equal(totp_check(RFC_SECRET, "287083", 59, 1, -1, &step),
	    0);
	assert_int_equal(totp_check(RFC_SECRET, "287082", 59, 1, -1, NULL),
	    1);
}

static void
test_window(void **state)
{
	char		code[TOTP_DIGITS + 1];
	time_t		now;
	long long	step;

	(void)state;
	now = 1700000015;	/* step 56666667 */
	assert_int_equal(totp_code(RFC_SECRET, now - 30, code), 0);

	/* The previous step: outside window 0, inside window 1. */
	assert_int_equal(totp_check(RFC_SECRET, code, now, 0, -1, &step),
	    0);
	assert_int_equal(totp_check(RFC_SECRET, code, now, 1, -1, &step),
	    1);
	assert_int_equal(step, now / 30 - 1);

	/* Two steps behind needs window 2. */
	assert_int_equal(totp_code(RFC_SECRET, now - 60, code), 0);
	assert_int_equal(totp_check(RFC_SECRET, code, now, 1, -1, &step),
	    0);
	assert_int_equal(totp_check(RFC_SECRET, code, now, 2, -1, &step),
	    1);
	assert_int_equal(step, now / 30 - 2);

	/* A clock running ahead. */
	assert_int_equal(totp_code(RFC_SECRET, now + 30, code), 0);
	assert_int_equal(totp_check(RFC_SECRET, code, now, 0, -1, &step),
	    0);
	assert_int_equal(totp_check(RFC_SECRET, code, now, 1, -1, &step),
	    1);
	assert_int_equal(step, now / 30 + 1);

	/* Step edges: second 29 and 30 of a step. */
	assert_int_equal(totp_code(RFC_SECRET, 1700000010, code), 0);
	assert_int_equal(totp_check(RFC_SECRET, code, 1700000039, 0, -1,
	    &step), 1);
	assert_int_equal(totp_check(RFC_SECRET, code, 1700000040, 0, -1,
	    &step), 0);
}

static void
test_replay(void **state)
{
	char		code[TOTP_DIGITS + 1], next[TOTP_DIGITS + 1];
	time_t		now;
	long long	step, used;

	(void)state;
	now = 1700000015;
	assert_int_equal(totp_code(RFC_SECRET, now, code), 0);
	assert_int_equal(totp_check(RFC_SECRET, code, now, 1, -1, &used), 1);
	assert_int_equal(used, now / 30);

	/* The same code again, now or a step later, is refused. */
	assert_int_equal(totp_check(RFC_SECRET, code, now, 1, used, &step),
	    0);
	assert_int_equal(totp_check(RFC_SECRET, code, now + 30, 1, used,
	    &step), 0);

	/* An older code is refused once a newer one was used. */
	assert_int_equal(totp_code(RFC_SECRET, now - 30, next), 0);
	assert_int_equal(totp_check(RFC_SECRET, next, now, 1, used, &step),
	    0);

	/* The next step's code is fine. */
	assert_int_equal(totp_code(RFC_SECRET, now + 30, next), 0);
	step = 0;
	assert_int_equal(totp_check(RFC_SECRET, next, now + 30, 1, used,
	    &step), 1);
	assert_int_equal(step, used + 1);

	/* matched_step is left alone on failure. */
	step = 42;
	assert_int_equal(totp_check(RFC_SECRET, code, now, 1, used, &step),
	    0);
	assert_int_equal(step, 42);
}

static void
test_code_format(void **state)
{
	(void)state;
	assert_int_equal(totp_check(RFC_SECRET, "287 082", 59, 0, -1, NULL),
	    1);
	assert_int_equal(totp_check(RFC_SECRET, " 2 8 7 0 8 2 ", 59, 0, -1,
	    NULL), 1);
	assert_int_equal(totp_check(RFC_SECRET, "28708", 59, 0, -1, NULL),
	    0);
	assert_int_equal(totp_check(RFC_SECRET, "2870820", 59, 0, -1, NULL),
	    0);
	assert_int_equal(totp_check(RFC_SECRET, "94287082", 59, 0, -1,
	    NULL), 0);
	assert_int_equal(totp_check(RFC_SECRET, "287-082", 59, 0, -1, NULL),
	    0);
	assert_int_equal(totp_check(RFC_SECRET, "287082\n", 59, 0, -1,
	    NULL), 0);
	assert_int_equal(totp_check(RFC_SECRET, "+87082", 59, 0, -1, NULL),
	    0);
	assert_int_equal(totp_check(RFC_SECRET, "", 59, 0, -1, NULL), 0);
	assert_int_equal(totp_check(RFC_SECRET, "      ", 59, 0, -1, NULL),
	    0);
	assert_int_equal(totp_check(RFC_SECRET, NULL, 59, 0, -1, NULL), 0);
	assert_int_equal(totp_check(RFC_SECRET,
	    "\xd9\xa2\xd9\xa8\xd9\xa7\xd9\xa0\xd9\xa8\xd9\xa2", 59, 0, -1,
	    NULL), 0);
}

static void
test_bad_args(void **state)
{
	char	out[TOTP_DIGITS + 1];

	(void)state;
	assert_int_equal(totp_check(NULL, "287082", 59, 0, -1, NULL), 0);
	assert_int_equal(totp_check("", "287082", 59, 0, -1, NULL), 0);
	assert_int_equal(totp_check("not base32!", "287082", 59, 0, -1,
	    NULL), 0);
	/* 10 bytes: shorter than TOTP_SECRET_MIN_BYTES. */
	assert_int_equal(totp_check("GEZDGNBVGY3TQOJQ", "287082", 59, 0, -1,
	    NULL), 0);
	assert_int_equal(totp_check(RFC_SECRET, "287082", 59, -1, -1, NULL),
	    0);
	assert_int_equal(totp_check(RFC_SECRET, "287082", 59,
	    TOTP_MAX_WINDOW + 1, -1, NULL), 0);
	assert_int_equal(totp_check(RFC_SECRET, "287082", 59,
	    TOTP_MAX_WINDOW, -1, NULL), 1);
	assert_int_equal(totp_check(RFC_SECRET, "287082", -1, 1, -1, NULL),
	    0);
	assert_int_equal(totp_code(NULL, 59, out), -1);
	assert_int_equal(totp_code("!!", 59, out), -1);
}

static void
test_secret_new(void **state)
{
	char	a[TOTP_SECRET_LEN + 1], b[TOTP_SECRET_LEN + 1];
	char	code[TOTP_DIGITS + 1];
	size_t	i;

	(void)state;
	assert_int_equal(totp_secret_new(a, sizeof(a)), 0);
	assert_int_equal(totp_secret_new(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), TOTP_SECRET_LEN);
	assert_string_not_equal(a, b);
	for (i = 0; i < TOTP_SECRET_LEN; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
		    a[i]));
	assert_int_equal(totp_secret_new(a, TOTP_SECRET_LEN), -1);

	/* A new secret works end to end. */
	assert_int_equal(totp_code(b, 1700000000, code), 0);
	assert_int_equal(totp_check(b, code, 1700000000, 1, -1, NULL), 1);
}

static void
test_uri(void **state)
{
	char	*uri;

	(void)state;
	uri = totp_uri("Laurel", "jane@example.org", RFC_SECRET);
	assert_string_equal(uri, "otpauth://totp/Laurel:jane%40example.org"
	    "?secret=" RFC_SECRET "&issuer=Laurel"
	    "&algorithm=SHA1&digits=6&period=30");
	free(uri);

	uri = totp_uri("Prix d'Été & Co:x", "a b+c/d?e#f~g_h.i-j",
	    "ABC");
	assert_string_equal(uri, "otpauth://totp/"
	    "Prix%20d%27%C3%89t%C3%A9%20%26%20Co%3Ax:"
	    "a%20b%2Bc%2Fd%3Fe%23f~g_h.i-j?secret=ABC"
	    "&issuer=Prix%20d%27%C3%89t%C3%A9%20%26%20Co%3Ax"
	    "&algorithm=SHA1&digits=6&period=30");
	free(uri);

	uri = totp_uri("", "", "");
	assert_string_equal(uri, "otpauth://totp/:?secret=&issuer="
	    "&algorithm=SHA1&digits=6&period=30");
	free(uri);

	assert_null(totp_uri(NULL, "a", "b"));
	assert_null(totp_uri("a", NULL, "b"));
	assert_null(totp_uri("a", "b", NULL));
}

static void
test_recovery_new(void **state)
{
	char	codes[10][TOTP_RECOVERY_SIZE], norm[TOTP_RECOVERY_SIZE];
	int	i, j, k;

	(void)state;
	totp_recovery_new(codes, 10);
	for (i = 0; i < 10; i++) {
		assert_int_equal(strlen(codes[i]), TOTP_RECOVERY_LEN);
		for (k = 0; k < TOTP_RECOVERY_LEN; k++) {
			if (k == 4 || k == 9)
				assert_int_equal(codes[i][k], '-');
			else
				assert_non_null(strchr(TOTP_RECOVERY_ALPHABET,
				    codes[i][k]));
		}
		assert_int_equal(totp_recovery_normalise(codes[i], norm), 1);
		assert_string_equal(norm, codes[i]);
		for (j = 0; j < i; j++)
			assert_string_not_equal(codes[i], codes[j]);
	}
	totp_recovery_new(codes, 0);
}

static void
test_recovery_normalise(void **state)
{
	char	out[TOTP_RECOVERY_SIZE];

	(void)state;
	assert_int_equal(totp_recovery_normalise("k7m2-q9x4-p3r8", out), 1);
	assert_string_equal(out, "k7m2-q9x4-p3r8");
	assert_int_equal(totp_recovery_normalise("K7M2Q9X4P3R8", out), 1);
	assert_string_equal(out, "k7m2-q9x4-p3r8");
	assert_int_equal(totp_recovery_normalise("  k7 m2 - q9x4--p3r8 ",
	    out), 1);
	assert_string_equal(out, "k7m2-q9x4-p3r8");
	assert_int_equal(totp_recovery_normalise("k7m-2q9-x4p-3r8", out), 1);
	assert_string_equal(out, "k7m2-q9x4-p3r8");

	/* Wrong length, ambiguous or foreign characters. */
	assert_int_equal(totp_recovery_normalise("k7m2-q9x4-p3r", out), 0);
	assert_string_equal(out, "");
	assert_int_equal(totp_recovery_normalise("k7m2-q9x4-p3r8a", out), 0);
	assert_int_equal(totp_recovery_normalise("k7m2-q9x4-p3r0", out), 0);
	assert_int_equal(totp_recovery_normalise("k7m2-q9x4-p3ro", out), 0);
	assert_int_equal(totp_recovery_normalise("k7m2-q9x4-p3r1", out), 0);
	assert_int_equal(totp_recovery_normalise("k7m2-q9x4-p3rl", out), 0);
	assert_int_equal(totp_recovery_normalise("k7m2-q9x4-p3ri", out), 0);
	assert_int_equal(totp_recovery_normalise("k7m2_q9x4_p3r8", out), 0);
	assert_int_equal(totp_recovery_normalise("k7m2\tq9x4-p3r8", out), 0);
	assert_int_equal(totp_recovery_normalise("k7m2-q9x4-p3r\xc3\xa9",
	    out), 0);
	assert_int_equal(totp_recovery_normalise("", out), 0);
	assert_int_equal(totp_recovery_normalise("---   ---", out), 0);
	assert_int_equal(totp_recovery_normalise(NULL, out), 0);
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238),
		cmocka_unit_test(test_check_vectors),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_code_format),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_secret_new),
		cmocka_unit_test(test_uri),
		cmocka_unit_test(test_recovery_new),
		cmocka_unit_test(test_recovery_normalise),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
