/*
 * Unit tests for src/core/token.c.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/token.h"

static int	 setup(void **);
static void	 test_new_shape(void **);
static void	 test_new_distinct(void **);
static void	 test_new_short_buffer(void **);
static void	 test_hash_vectors(void **);
static void	 test_equal(void **);
static void	 test_valid(void **);

static int
setup(void **state)
{
	(void)state;
	return (sodium_init() < 0 ? -1 : 0);
}

static void
test_new_shape(void **state)
{
	char	tok[TOKEN_LEN + 1];
	int	i;

	(void)state;
	for (i = 0; i < 200; i++) {
		assert_int_equal(token_new(tok, sizeof(tok)), 0);
		assert_int_equal(strlen(tok), TOKEN_LEN);
		assert_null(strchr(tok, '='));
		assert_null(strchr(tok, '+'));
		assert_null(strchr(tok, '/'));
		assert_true(token_valid(tok));
	}
}

static void
test_new_distinct(void **state)
{
	char		a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];
	unsigned char	raw[TOKEN_BYTES + 2];
	size_t		rawlen;

	(void)state;
	assert_int_equal(token_new(a, sizeof(a)), 0);
	assert_int_equal(token_new(b, sizeof(b)), 0);
	assert_string_not_equal(a, b);

	/* It decodes back to exactly 32 bytes. */
	assert_int_equal(sodium_base642bin(raw, sizeof(raw), a, strlen(a),
	    NULL, &rawlen, NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING), 0);
	assert_int_equal(rawlen, TOKEN_BYTES);
}

static void
test_new_short_buffer(void **state)
{
	char	buf[TOKEN_LEN + 1];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(token_new(buf, TOKEN_LEN), -1);
	assert_int_equal(token_new(buf, 0), -1);
	assert_int_equal(buf[0], 'x');
}

static void
test_hash_vectors(void **state)
{
	char	h[TOKEN_HASH_LEN + 1];

	(void)state;
	token_hash("", h);
	assert_string_equal(h,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	token_hash("abc", h);
	assert_string_equal(h,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(strlen(h), TOKEN_HASH_LEN);
}

static void
test_equal(void **state)
{
	(void)state;
	assert_int_equal(token_equal("abc", "abc"), 1);
	assert_int_equal(token_equal("", ""), 1);
	assert_int_equal(token_equal("abc", "abd"), 0);
	assert_int_equal(token_equal("abc", "ab"), 0);
	assert_int_equal(token_equal("ab", "abc"), 0);
	assert_int_equal(token_equal("", "a"), 0);
	assert_int_equal(token_equal("a", ""), 0);
	assert_int_equal(token_equal(NULL, "a"), 0);
	assert_int_equal(token_equal("a", NULL), 0);
	assert_int_equal(token_equal(NULL, NULL), 0);
}

static void
test_valid(void **state)
{
	char	tok[TOKEN_LEN + 2];

	(void)state;
	memset(tok, 'A', TOKEN_LEN);
	tok[TOKEN_LEN] = '\0';
	assert_true(token_valid(tok));
	tok[0] = '-';
	tok[1] = '_';
	tok[2] = 'z';
	tok[3] = '9';
	assert_true(token_valid(tok));
	tok[5] = '=';
	assert_false(token_valid(tok));
	tok[5] = '+';
	assert_false(token_valid(tok));
	tok[5] = '/';
	assert_false(token_valid(tok));
	tok[5] = '\xc3';
	assert_false(token_valid(tok));
	tok[5] = 'A';
	tok[TOKEN_LEN] = 'A';
	tok[TOKEN_LEN + 1] = '\0';
	assert_false(token_valid(tok));		/* 44 characters */
	tok[TOKEN_LEN - 1] = '\0';
	assert_false(token_valid(tok));		/* 42 characters */
	assert_false(token_valid(""));
	assert_false(token_valid(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_shape),
		cmocka_unit_test(test_new_distinct),
		cmocka_unit_test(test_new_short_buffer),
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_valid),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
