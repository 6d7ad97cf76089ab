#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "core/pwhash.h"

static void
test_roundtrip(void **state)
{
	char	 hash[PWHASH_LEN], fresh[PWHASH_LEN];
	int	 rehash;

	(void)state;
	assert_int_equal(pwhash_hash("correct horse battery", hash), 0);
	assert_memory_equal(hash, "$argon2id$", 10);
	assert_int_equal(pwhash_verify(hash, "correct horse battery", &rehash,
	    fresh), 1);
	assert_int_equal(rehash, 0);
	assert_int_equal(pwhash_verify(hash, "correct horse batterY", &rehash,
	    fresh), 0);
	assert_int_equal(pwhash_verify("garbage", "x", &rehash, fresh), 0);
}

static void
test_rehash(void **state)
{
	char	 old[PWHASH_LEN], fresh[PWHASH_LEN];
	int	 rehash;

	(void)state;
	/* A hash made with weaker parameters is upgraded at sign-in. */
	assert_int_equal(crypto_pwhash_str(old, "a long passphrase", 17,
	    crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN), 0);
	assert_int_equal(pwhash_verify(old, "a long passphrase", &rehash,
	    fresh), 1);
	assert_int_equal(rehash, 1);
	assert_int_equal(pwhash_verify(fresh, "a long passphrase", &rehash,
	    old), 1);
	assert_int_equal(rehash, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_rehash),
	};

	if (sodium_init() == -1)
		return (1);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}
