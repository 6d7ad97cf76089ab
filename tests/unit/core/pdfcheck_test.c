/*
 * Unit tests for src/core/pdfcheck.c.  The PDFs are made here: one by
 * hand with a computed xref, the others with qpdf's C API.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <qpdf/qpdf-c.h>

#include "core/pdfcheck.h"

#define MIB	(1024 * 1024)

static unsigned char	*hand_pdf(size_t *);
static unsigned char	*qpdf_pdf(size_t, int, const char *, size_t *);
static void		 expect_ok(const void *, size_t);
static void		 expect_refused(const void *, size_t, const char *);
static double		 now(void);

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/* A minimal one-page PDF 1.4 with a classic xref table. */
static unsigned char *
hand_pdf(size_t *outlen)
{
	static const char	*objs[] = {
		"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
		"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n",
		"3 0 obj\n<< /Type /Page /Parent 2 0 R "
		    "/MediaBox [0 0 612 792] /Contents 4 0 R >>\nendobj\n",
		"4 0 obj\n<< /Length 18 >>\nstream\n"
		    "0 0 m 100 100 l S\n\nendstream\nendobj\n",
	};
	char		*p;
	size_t		 off[4], n, i;
	int		 w;

	p = malloc(4096);
	assert_non_null(p);
	n = (size_t)snprintf(p, 4096, "%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n");
	for (i = 0; i < 4; i++) {
		off[i] = n;
		n += (size_t)snprintf(p + n, 4096 - n, "%s", objs[i]);
	}
	w = snprintf(p + n, 4096 - n, "xref\n0 5\n0000000000 65535 f \n"
	    "%010zu 00000 n \n%010zu 00000 n \n%010zu 00000 n \n"
	    "%010zu 00000 n \ntrailer\n<< /Size 5 /Root 1 0 R >>\n"
	    "startxref\n%zu\n%%%%EOF\n", off[0], off[1], off[2], off[3], n);
	*outlen = n + (size_t)w;
	return ((unsigned char *)p);
}

/*
 * A one-page PDF written by qpdf; with imgbytes > 0 the page shows a
 * DeviceGray image of that many uncompressed random bytes (4096 wide).
 * With encrypt, AES-256 (R6) with user password upw and an owner one.
 */
static unsigned char *
qpdf_pdf(size_t imgbytes, int encrypt, const char *upw, size_t *outlen)
{
	qpdf_data	 q;
	qpdf_oh		 page, img, dict, content, res, xo;
	unsigned char	*data, *out;
	char		 tmp[128];
	size_t		 i;
	uint32_t	 x;

	q = qpdf_init();
	qpdf_silence_errors(q);
	assert_int_equal(qpdf_empty_pdf(q), QPDF_SUCCESS);

	page = qpdf_make_indirect_object(q, qpdf_oh_parse(q,
	    "<< /Type /Page /MediaBox [0 0 612 792] >>"));
	content = qpdf_make_indirect_object(q, qpdf_oh_new_stream(q));
	res = qpdf_oh_new_dictionary(q);
	if (imgbytes > 0) {
		data = malloc(imgbytes);
		assert_non_null(data);
		x = 2463534242u;
		for (i = 0; i < imgbytes; i++) {
			x ^= x << 13; x ^= x >> 17; x ^= x << 5;
			data[i] = (unsigned char)x;
		}
		img = qpdf_make_indirect_object(q, qpdf_oh_new_stream(q));
		qpdf_oh_replace_stream_data(q, img, data, imgbytes,
		    qpdf_oh_new_null(q), qpdf_oh_new_null(q));
		free(data);
		dict = qpdf_oh_get_dict(q, img);
		snprintf(tmp, sizeof(tmp), "<< /Type /XObject /Subtype /Image "
		    "/Width 4096 /Height %zu /ColorSpace /DeviceGray "
		    "/BitsPerComponent 8 >>", imgbytes / 4096);
		xo = qpdf_oh_parse(q, tmp);
		qpdf_oh_replace_key(q, dict, "/Type",
		    qpdf_oh_get_key(q, xo, "/Type"));
		qpdf_oh_replace_key(q, dict, "/Subtype",
		    qpdf_oh_get_key(q, xo, "/Subtype"));
		qpdf_oh_replace_key(q, dict, "/Width",
		    qpdf_oh_get_key(q, xo, "/Width"));
		qpdf_oh_replace_key(q, dict, "/Height",
		    qpdf_oh_get_key(q, xo, "/Height"));
		qpdf_oh_replace_key(q, dict, "/ColorSpace",
		    qpdf_oh_get_key(q, xo, "/ColorSpace"));
		qpdf_oh_replace_key(q, dict, "/BitsPerComponent",
		    qpdf_oh_get_key(q, xo, "/BitsPerComponent"));
		xo = qpdf_oh_new_dictionary(q);
		qpdf_oh_replace_key(q, xo, "/Im1", img);
		qpdf_oh_replace_key(q, res, "/XObject", xo);
		qpdf_oh_replace_stream_data(q, content,
		    (const unsigned char *)"q 612 0 0 380 0 0 cm /Im1 Do Q\n", 31,
		    qpdf_oh_new_null(q), qpdf_oh_new_null(q));
	} else
		qpdf_oh_replace_stream_data(q, content,
		    (const unsigned char *)"0 0 m 100 100 l S\n", 18,
		    qpdf_oh_new_null(q), qpdf_oh_new_null(q));
	qpdf_oh_replace_key(q, page, "/Contents", content);
	qpdf_oh_replace_key(q, page, "/Resources", res);
	assert_int_equal(qpdf_add_page(q, q, page, QPDF_FALSE), QPDF_SUCCESS);

	assert_int_equal(qpdf_init_write_memory(q), QPDF_SUCCESS);
	/* Keep big streams uncompressed so the file is really ~imgbytes. */
	qpdf_set_compress_streams(q, QPDF_FALSE);
	if (encrypt)
		qpdf_set_r6_encryption_parameters2(q, upw, "owner-secret",
		    QPDF_TRUE, QPDF_TRUE, QPDF_TRUE, QPDF_TRUE, QPDF_TRUE,
		    QPDF_TRUE, qpdf_r3p_full, QPDF_TRUE);
	if (qpdf_write(q) & QPDF_ERRORS)
		fail_msg("qpdf_write: %s",
		    qpdf_get_error_full_text(q, qpdf_get_error(q)));

	*outlen = qpdf_get_buffer_length(q);
	out = malloc(*outlen);
	assert_non_null(out);
	memcpy(out, qpdf_get_buffer(q), *outlen);
	qpdf_cleanup(&q);
	return (out);
}

static void
expect_ok(const void *buf, size_t len)
{
	char	msg[256];

	msg[0] = '\0';
	if (pdfcheck(buf, len, msg, sizeof(msg)) != 0)
		fail_msg("refused: %s", msg);
}

static void
expect_refused(const void *buf, size_t len, const char *prefix)
{
	char	msg[256];

	msg[0] = '\0';
	assert_int_equal(pdfcheck(buf, len, msg, sizeof(msg)), -1);
	if (strncmp(msg, prefix, strlen(prefix)) != 0)
		fail_msg("message \"%s\" does not start \"%s\"", msg, prefix);
	assert_null(strstr(msg, "/"));
	print_message("# %s\n", msg);
}

static void
test_hand_made(void **state)
{
	unsigned char	*p;
	size_t		 len;

	(void)state;
	p = hand_pdf(&len);
	expect_ok(p, len);
	free(p);
}

static void
test_qpdf_made(void **state)
{
	unsigned char	*p, *q;
	size_t		 len;

	(void)state;
	p = qpdf_pdf(0, 0, NULL, &len);
	expect_ok(p, len);

	/* Junk before the header, as some mailers add, is tolerated... */
	q = malloc(len + 1000);
	assert_non_null(q);
	memset(q, ' ', 1000);
	memcpy(q + 1000, p, len);
	expect_ok(q, len + 1000);
	free(q);

	/* ...but not beyond 1024 bytes. */
	q = malloc(len + 1100);
	assert_non_null(q);
	memset(q, ' ', 1100);
	memcpy(q + 1100, p, len);
	expect_refused(q, len + 1100, PDFCHECK_MSG_NOTPDF);
	free(q);
	free(p);
}

static void
test_not_pdf(void **state)
{
	static const unsigned char	png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
		'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
	};

	(void)state;
	expect_refused(png, sizeof(png), PDFCHECK_MSG_NOTPDF);
	expect_refused("", 0, PDFCHECK_MSG_NOTPDF);
	expect_refused("%PDF", 4, PDFCHECK_MSG_NOTPDF);
	expect_refused("hello world\n", 12, PDFCHECK_MSG_NOTPDF);
}

static void
test_header_only(void **state)
{
	(void)state;
	expect_refused("%PDF-", 5, PDFCHECK_MSG_DAMAGED);
	expect_refused("%PDF-1.7\n%%EOF\n", 15, PDFCHECK_MSG_DAMAGED);
}

static void
test_truncated(void **state)
{
	unsigned char	*p;
	size_t		 len, cut;

	(void)state;
	p = hand_pdf(&len);
	/* Cut inside the page tree: objects 1..3 cannot all be found. */
	for (cut = 20; cut < len / 2; cut += 7)
		expect_refused(p, cut, PDFCHECK_MSG_DAMAGED);
	free(p);
}

static void
test_garbage_middle(void **state)
{
	unsigned char	*p;
	size_t		 len;
	char		*o;

	(void)state;
	p = hand_pdf(&len);
	/* Overwrite the page tree's objects, keeping the length. */
	o = strstr((char *)p, "2 0 obj");
	assert_non_null(o);
	memset(o, '#', 100);
	expect_refused(p, len, PDFCHECK_MSG_DAMAGED);
	free(p);

	/* Garbage in a content stream only is content, not structure. */
	p = hand_pdf(&len);
	o = strstr((char *)p, "0 0 m");
	assert_non_null(o);
	memset(o, 0xff, 10);
	expect_ok(p, len);
	free(p);
}

static void
test_encrypted(void **state)
{
	unsigned char	*p;
	size_t		 len;

	(void)state;
	p = qpdf_pdf(0, 1, "user-secret", &len);
	expect_refused(p, len, PDFCHECK_MSG_PASSWORD);
	free(p);

	/* Owner password only: opens without one, still refused. */
	p = qpdf_pdf(0, 1, "", &len);
	expect_refused(p, len, PDFCHECK_MSG_PASSWORD);
	free(p);
}

static void
test_big_timing(void **state)
{
	unsigned char	*p;
	size_t		 len;
	double		 t0, best;
	int		 i;

	(void)state;
	p = qpdf_pdf(10 * MIB, 0, NULL, &len);
	assert_true(len > 10 * MIB);
	best = 1e9;
	for (i = 0; i < 5; i++) {
		t0 = now();
		expect_ok(p, len);
		if (now() - t0 < best)
			best = now() - t0;
	}
	printf("# pdfcheck %.1f MiB PDF: %.2f ms, %.0f MiB/s "
	    "(best of 5, sanitizer build)\n", (double)len / MIB, best * 1e3,
	    (double)len / MIB / best);

	/* The same file cut in half, inside the image stream. */
	expect_refused(p, len / 2, PDFCHECK_MSG_DAMAGED);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_made),
		cmocka_unit_test(test_qpdf_made),
		cmocka_unit_test(test_not_pdf),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_garbage_middle),
		cmocka_unit_test(test_encrypted),
		cmocka_unit_test(test_big_timing),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
