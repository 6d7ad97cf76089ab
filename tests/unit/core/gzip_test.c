#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <zlib.h>

#include "core/gzip.h"

static void
test_accepted(void **state)
{
	(void)state;
	assert_true(gzip_accepted("gzip"));
	assert_true(gzip_accepted("gzip, deflate, br"));
	assert_true(gzip_accepted("br;q=1.0, GZIP;q=0.5"));
	assert_true(gzip_accepted("x-gzip"));
	assert_true(gzip_accepted("*"));
	assert_true(gzip_accepted("deflate, *;q=0.1"));
	assert_true(gzip_accepted(" gzip ; q=0.001"));
	assert_false(gzip_accepted(NULL));
	assert_false(gzip_accepted(""));
	assert_false(gzip_accepted("identity"));
	assert_false(gzip_accepted("deflate, br"));
	assert_false(gzip_accepted("gzip;q=0"));
	assert_false(gzip_accepted("gzip;q=0.000"));
	assert_false(gzip_accepted("*, gzip;q=0"));
	assert_false(gzip_accepted("*;q=0"));
	assert_false(gzip_accepted("gzipx, xgzip"));
	assert_true(gzip_accepted("gzip;level=1;q=0.9"));
}

static void
test_compress(void **state)
{
	char		 text[20000], back[20000];
	void		*gz;
	size_t		 gzlen, i;
	uLongf		 n;
	z_stream	 z;

	(void)state;
	for (i = 0; i < sizeof(text); i++)
		text[i] = "<li>A practice others can follow.</li>\n"[i % 39];
	assert_int_equal(gzip_compress(text, sizeof(text), &gz, &gzlen), 0);
	assert_true(gzlen < sizeof(text) / 10);
	assert_int_equal(((unsigned char *)gz)[0], 0x1f);
	assert_int_equal(((unsigned char *)gz)[1], 0x8b);

	memset(&z, 0, sizeof(z));
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	z.next_in = gz;
	z.avail_in = gzlen;
	z.next_out = (Bytef *)back;
	z.avail_out = sizeof(back);
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	n = z.total_out;
	inflateEnd(&z);
	assert_int_equal(n, sizeof(text));
	assert_memory_equal(back, text, sizeof(text));
	free(gz);

	/* Nothing gained: not kept. */
	assert_int_equal(gzip_compress("ab", 2, &gz, &gzlen), -1);
	assert_null(gz);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_compress),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
