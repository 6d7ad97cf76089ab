/*
 * Unit tests for src/core/auditchain.c. The expected hashes were computed
 * independently (Python's hashlib over the fields joined by 0x1F).
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "core/auditchain.h"

#define ZEROS	"0000000000000000000000000000000000000000000000000000000000000000"
#define H1	"036f9127a6e9b39ba400f3279981c47dbe6a9dd3a4505e86f74ef85d07d2ee51"
#define H2	"0c4b4d01769c8a77e2c88a06d3803c3a975e9862205749c88fa46786a8064df2"

struct row {
	const char	*f[AUDITCHAIN_FIELDS];
	size_t		 len[AUDITCHAIN_FIELDS];
};

static int	 setup(void **);
static void	 row_set(struct row *, const char *const *);
static void	 test_init(void **);
static void	 test_chain(void **);
static void	 test_changed(void **);
static void	 test_deleted(void **);
static void	 test_first(void **);

static const char *const entry1[AUDITCHAIN_FIELDS] = { "1",
    "1700000000000000", "", "user.register", "user:1", "203.0.113.7", "",
    "{\"a\": 1}", ZEROS };
static const char *const entry2[AUDITCHAIN_FIELDS] = { "2",
    "1700000000000001", "1", "login.success", "user:1", "", "", "", H1 };

static int
setup(void **state)
{
	(void)state;
	return (sodium_init() < 0 ? -1 : 0);
}

static void
row_set(struct row *r, const char *const *f)
{
	int	i;

	for (i = 0; i < AUDITCHAIN_FIELDS; i++) {
		r->f[i] = f[i];
		r->len[i] = strlen(f[i]);
	}
}

static void
test_init(void **state)
{
	struct auditchain	c;

	(void)state;
	auditchain_init(&c);
	assert_string_equal(c.head, ZEROS);
	assert_int_equal(c.entries, 0);
	assert_string_equal(c.head_id, "");
}

static void
test_chain(void **state)
{
	struct auditchain	c;
	struct row		r;

	(void)state;
	auditchain_init(&c);
	row_set(&r, entry1);
	assert_int_equal(auditchain_next(&c, r.f, r.len, H1), AUDITCHAIN_OK);
	assert_string_equal(c.head, H1);
	assert_string_equal(c.head_id, "1");
	row_set(&r, entry2);
	assert_int_equal(auditchain_next(&c, r.f, r.len, H2), AUDITCHAIN_OK);
	assert_string_equal(c.head, H2);
	assert_string_equal(c.head_id, "2");
	assert_int_equal(c.entries, 2);
}

/* A changed field (one byte of after) breaks the entry's own hash. */
static void
test_changed(void **state)
{
	struct auditchain	c;
	struct row		r;

	(void)state;
	auditchain_init(&c);
	row_set(&r, entry1);
	r.f[7] = "{\"a\": 2}";
	assert_int_equal(auditchain_next(&c, r.f, r.len, H1),
	    AUDITCHAIN_HASH);
	assert_string_equal(c.head, ZEROS);
	assert_int_equal(c.entries, 0);

	/* Only the bytes counted by len are hashed. */
	row_set(&r, entry1);
	r.f[7] = "{\"a\": 1}trailing";
	assert_int_equal(auditchain_next(&c, r.f, r.len, H1), AUDITCHAIN_OK);
}

/* Entry 2 after a deleted entry 1: the link is broken, the head stays. */
static void
test_deleted(void **state)
{
	struct auditchain	c;
	struct row		r;

	(void)state;
	auditchain_init(&c);
	row_set(&r, entry1);
	assert_int_equal(auditchain_next(&c, r.f, r.len, H1), AUDITCHAIN_OK);
	assert_int_equal(auditchain_next(&c, r.f, r.len, H1),
	    AUDITCHAIN_LINK);
	assert_string_equal(c.head, H1);
	assert_string_equal(c.head_id, "1");
	assert_int_equal(c.entries, 1);
}

static void
test_first(void **state)
{
	struct auditchain	c;
	struct row		r;

	(void)state;
	auditchain_init(&c);
	row_set(&r, entry2);
	assert_int_equal(auditchain_next(&c, r.f, r.len, H2),
	    AUDITCHAIN_FIRST);
	r.f[AUDITCHAIN_PREV] = "0";
	r.len[AUDITCHAIN_PREV] = 1;
	assert_int_equal(auditchain_next(&c, r.f, r.len, H2),
	    AUDITCHAIN_FIRST);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_changed),
		cmocka_unit_test(test_deleted),
		cmocka_unit_test(test_first),
	};

	return (cmocka_run_group_tests(tests, setup, NULL));
}
