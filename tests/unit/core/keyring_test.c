/*
 * Unit tests for src/core/keyring.c: the current key and the old ones.
 */

#include <sys/stat.h>

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

#include "core/keyring.h"

static char	tmpdir[] = "/tmp/keyring_test.XXXXXX";
static char	path_a[128], path_b[128], path_c[128], path_bad[128];

static int
setup(void **state)
{
	char	err[256];
	FILE	*f;

	(void)state;
	if (sodium_init() < 0 || mkdtemp(tmpdir) == NULL)
		return (-1);
	snprintf(path_a, sizeof(path_a), "%s/a.key", tmpdir);
	snprintf(path_b, sizeof(path_b), "%s/b.key", tmpdir);
	snprintf(path_c, sizeof(path_c), "%s/c.key", tmpdir);
	snprintf(path_bad, sizeof(path_bad), "%s/bad.key", tmpdir);
	if (filecrypt_key_write(path_a, err, sizeof(err)) == -1 ||
	    filecrypt_key_write(path_b, err, sizeof(err)) == -1 ||
	    filecrypt_key_write(path_c, err, sizeof(err)) == -1)
		return (-1);
	if ((f = fopen(path_bad, "w")) == NULL)
		return (-1);
	fputs("short\n", f);
	fclose(f);
	return (chmod(path_bad, 0600));
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return (system(cmd) == 0 ? 0 : -1);
}

static void
test_current_and_old(void **state)
{
	struct keyring			 kr;
	const struct keyring_key	*cur, *k;
	char				 old[400], err[256];

	(void)state;
	snprintf(old, sizeof(old), "%s::%s:%s", path_b, path_c, path_a);
	assert_int_equal(keyring_load(&kr, path_a, old, err, sizeof(err)), 0);
	/* a given twice counts once. */
	assert_int_equal(kr.n, 3);
	cur = keyring_current(&kr);
	assert_non_null(cur);
	assert_int_equal(strlen(cur->id), FILECRYPT_KEYID_LEN);

	k = keyring_find(&kr, kr.keys[1].id);
	assert_ptr_equal(k, &kr.keys[1]);
	assert_string_not_equal(kr.keys[1].id, cur->id);
	assert_null(keyring_find(&kr, "0000000000000000"));
	keyring_wipe(&kr);
	assert_int_equal(kr.n, 0);
	assert_null(keyring_current(&kr));
}

static void
test_refusals(void **state)
{
	struct keyring	kr;
	char		err[256];

	(void)state;
	assert_int_equal(keyring_load(&kr, NULL, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "no path"));
	assert_int_equal(keyring_load(&kr, path_bad, NULL, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "bad.key"));
	/* A bad old key refuses the whole ring, not just that key. */
	assert_int_equal(keyring_load(&kr, path_a, path_bad, err,
	    sizeof(err)), -1);
	assert_int_equal(kr.n, 0);
	assert_int_equal(keyring_load(&kr, path_a, "/nonexistent/k", err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_current_and_old),
		cmocka_unit_test(test_refusals),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
