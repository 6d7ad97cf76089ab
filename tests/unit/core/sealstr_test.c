/*
 * Unit tests for src/core/sealstr.c: short secrets sealed with the key.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/sealstr.h"

static char		 dir[] = "/tmp/sealstr_test.XXXXXX";
static struct keyring	 both, only_b;

static int
setup(void **state)
{
	char	a[128], b[128], err[256];

	(void)state;
	if (sodium_init() < 0 || mkdtemp(dir) == NULL)
		return (-1);
	snprintf(a, sizeof(a), "%s/a.key", dir);
	snprintf(b, sizeof(b), "%s/b.key", dir);
	if (filecrypt_key_write(a, err, sizeof(err)) == -1 ||
	    filecrypt_key_write(b, err, sizeof(err)) == -1)
		return (-1);
	if (keyring_load(&both, a, b, err, sizeof(err)) == -1 ||
	    keyring_load(&only_b, b, NULL, err, sizeof(err)) == -1)
		return (-1);
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return (system(cmd) == 0 ? 0 : -1);
}

static void
test_roundtrip(void **state)
{
	const char	*secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
	char		*s1, *s2, out[64], id[FILECRYPT_KEYID_LEN + 1];

	(void)state;
	s1 = sealstr_seal(keyring_current(&both), secret);
	s2 = sealstr_seal(keyring_current(&both), secret);
	assert_non_null(s1);
	assert_non_null(s2);
	/* A fresh nonce each time; nothing of the secret shows. */
	assert_string_not_equal(s1, s2);
	assert_null(strstr(s1, "JBSWY3"));
	assert_int_equal(strncmp(s1, "s1.", 3), 0);
	assert_int_equal(sealstr_key_id(s1, id), 1);
	assert_string_equal(id, keyring_current(&both)->id);

	assert_int_equal(sealstr_open(&both, s1, out, sizeof(out)), 0);
	assert_string_equal(out, secret);
	/* Sealed with a, opened by a ring without a: refused. */
	assert_int_equal(sealstr_open(&only_b, s1, out, sizeof(out)), -1);
	/* Too small a buffer: refused, not cut. */
	assert_int_equal(sealstr_open(&both, s1, out, 10), -1);
	free(s1);
	free(s2);
}

static void
test_tampered(void **state)
{
	char	*s, out[64], c;
	size_t	 i, len;

	(void)state;
	s = sealstr_seal(keyring_current(&both), "SECRET");
	len = strlen(s);
	for (i = 20; i < len; i++) {
		c = s[i];
		s[i] = c == 'A' ? 'B' : 'A';
		assert_int_equal(sealstr_open(&both, s, out, sizeof(out)), -1);
		s[i] = c;
	}
	assert_int_equal(sealstr_open(&both, s, out, sizeof(out)), 0);
	s[len - 3] = '\0';
	assert_int_equal(sealstr_open(&both, s, out, sizeof(out)), -1);
	assert_int_equal(sealstr_open(&both, "s1.", out, sizeof(out)), -1);
	assert_int_equal(sealstr_open(&both, "s1.0123456789abcdef.", out,
	    sizeof(out)), -1);
	free(s);
}

static void
test_plain(void **state)
{
	char	out[64], id[FILECRYPT_KEYID_LEN + 1], big[300];

	(void)state;
	/* Stored before sealing existed: read as it is. */
	assert_int_equal(sealstr_key_id("JBSWY3DP", id), 0);
	assert_int_equal(sealstr_open(&only_b, "JBSWY3DP", out, sizeof(out)),
	    0);
	assert_string_equal(out, "JBSWY3DP");
	assert_int_equal(sealstr_open(&only_b, "JBSWY3DP", out, 4), -1);
	/* Longer than anything this seals. */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_null(sealstr_seal(keyring_current(&both), big));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_tampered),
		cmocka_unit_test(test_plain),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
