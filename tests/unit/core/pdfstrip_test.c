/*
 * Unit tests for src/core/pdfstrip.c.  The PDFs are made here, by hand
 * with a computed xref (streams uncompressed, so the bytes can be
 * searched) or with qpdf's C API (object streams, compression,
 * encryption).  Each copy is checked three ways: its raw bytes, its
 * bytes once qpdf has written it out uncompressed, and its objects as
 * qpdf reads them, numbered 1 to /Size - 1, which does not depend on
 * how pdfstrip walks the file.
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
#include "core/pdfstrip.h"

/* An object of a hand-made PDF: a dictionary, and a stream if any. */
struct pobj {
	const char	*dict;
	const char	*stream;
};

/* What the metadata of the test files says; none of it may survive. */
static const char	*secrets[] = {
	"Dr Jane Author",
	"Hospital Secret",
	"jane.author@hospital.example",
	"c0ffee00",		/* the original /ID */
	"MyPrivateApp",		/* a /PieceInfo key */
};

#define CONTENT1	"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"
#define CONTENT2	"BT /F1 12 Tf 72 720 Td (World) Tj ET"

static const struct pobj	meta_objs[] = {
	/* 1 */ { "<< /Type /Catalog /Pages 2 0 R /Metadata 5 0 R "
	    "/PieceInfo << /MyPrivateApp << /LastModified (D:20240101) "
	    "/Private (Dr Jane Author) >> >> >>", NULL },
	/* 2 */ { "<< /Type /Pages /Kids [3 0 R 11 0 R] /Count 2 >>", NULL },
	/* 3 */ { "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
	    "/Contents 4 0 R /Resources << /Font << /F1 7 0 R >> >> "
	    "/Metadata 6 0 R /PieceInfo << /MyPrivateApp << /Private 8 0 R "
	    ">> >> >>", NULL },
	/* 4 */ { "<<", CONTENT1 },
	/* 5 */ { "<< /Type /Metadata /Subtype /XML",
	    "<?xpacket begin=\"\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
	    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF "
	    "xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
	    "<rdf:Description xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
	    "<dc:creator>Dr Jane Author "
	    "&lt;jane.author@hospital.example&gt;</dc:creator>"
	    "</rdf:Description></rdf:RDF></x:xmpmeta>"
	    "<?xpacket end=\"w\"?>" },
	/* 6 */ { "<< /Type /Metadata /Subtype /XML",
	    "<x:xmpmeta>Page by Dr Jane Author</x:xmpmeta>" },
	/* 7 */ { "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
	    "/Metadata 10 0 R >>", NULL },
	/* 8 */ { "<< /Creator (Hospital Secret) >>", NULL },
	/* 9 */ { "<< /Author (Dr Jane Author) /Creator (Hospital Secret) "
	    "/Producer (Hospital Secret) /Title (Hospital Secret) "
	    "/Subject (Hospital Secret) /Keywords (Hospital Secret) "
	    "/CreationDate (D:20240101120000Z) >>", NULL },
	/* 10 */ { "<< /Type /Metadata /Subtype /XML",
	    "<x:xmpmeta>Font bought by Hospital Secret</x:xmpmeta>" },
	/* 11 */ { "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
	    "/Contents 12 0 R /Resources << /Font << /F1 7 0 R >> >> >>",
	    NULL },
	/* 12 */ { "<<", CONTENT2 },
	/* 13: referred to by nothing */
	{ "<< /Author (Dr Jane Author) >>", NULL },
};

#define META_TRAILER	"/Info 9 0 R /ID [<c0ffee00c0ffee00c0ffee00c0ffee00> " \
			"<c0ffee00c0ffee00c0ffee00c0ffee01>]"

static const struct pobj	plain_objs[] = {
	{ "<< /Type /Catalog /Pages 2 0 R >>", NULL },
	{ "<< /Type /Pages /Kids [3 0 R] /Count 1 >>", NULL },
	{ "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
	    "/Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>", NULL },
	{ "<<", CONTENT1 },
	{ "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>", NULL },
};

static unsigned char	*hand_pdf(const struct pobj *, size_t, const char *,
			    size_t *, size_t *);
static unsigned char	*qpdf_copy(qpdf_data, size_t *);
static unsigned char	*qpdf_made(int, size_t *);
static unsigned char	*uncompressed(const unsigned char *, size_t, size_t *);
static unsigned char	*strip_ok(const void *, size_t, size_t *);
static int		 has(const unsigned char *, size_t, const char *);
static void		 check_dict(qpdf_data, qpdf_oh, int);
static void		 check_objects(const unsigned char *, size_t, int);
static void		 check_clean(const unsigned char *, size_t, int);
static void		 expect_fail(const void *, size_t);

/*
 * Objects numbered from 1, with a classic xref; *xref is where it
 * starts, for an update to name as /Prev.  A stream's /Length is added.
 */
static unsigned char *
hand_pdf(const struct pobj *objs, size_t nobjs, const char *trailer,
    size_t *xref, size_t *outlen)
{
	FILE	*f;
	char	*p;
	size_t	 n, i;
	long	*off;

	off = calloc(nobjs, sizeof(*off));
	assert_non_null(off);
	f = open_memstream(&p, &n);
	assert_non_null(f);
	fprintf(f, "%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n");
	for (i = 0; i < nobjs; i++) {
		off[i] = ftell(f);
		if (objs[i].stream == NULL)
			fprintf(f, "%zu 0 obj\n%s\nendobj\n", i + 1,
			    objs[i].dict);
		else
			fprintf(f, "%zu 0 obj\n%s /Length %zu >>\nstream\n%s\n"
			    "endstream\nendobj\n", i + 1, objs[i].dict,
			    strlen(objs[i].stream) + 1, objs[i].stream);
	}
	*xref = (size_t)ftell(f);
	fprintf(f, "xref\n0 %zu\n0000000000 65535 f \n", nobjs + 1);
	for (i = 0; i < nobjs; i++)
		fprintf(f, "%010ld 00000 n \n", off[i]);
	fprintf(f, "trailer\n<< /Size %zu /Root 1 0 R %s >>\nstartxref\n%zu\n"
	    "%%%%EOF\n", nobjs + 1, trailer, *xref);
	assert_int_equal(fclose(f), 0);
	free(off);
	*outlen = n;
	return ((unsigned char *)p);
}

/* What qpdf has just written, in a buffer of ours. */
static unsigned char *
qpdf_copy(qpdf_data q, size_t *outlen)
{
	unsigned char	*out;

	if (qpdf_write(q) & QPDF_ERRORS)
		fail_msg("qpdf_write: %s",
		    qpdf_get_error_full_text(q, qpdf_get_error(q)));
	*outlen = qpdf_get_buffer_length(q);
	out = malloc(*outlen);
	assert_non_null(out);
	memcpy(out, qpdf_get_buffer(q), *outlen);
	return (out);
}

/*
 * The metadata file as a PDF 1.5 writer would make it: dictionaries in
 * compressed object streams, streams compressed.  With encrypt, AES-256
 * with an owner password only, so that it opens without one.
 */
static unsigned char *
qpdf_made(int encrypt, size_t *outlen)
{
	qpdf_data	 q;
	unsigned char	*in, *out;
	size_t		 inlen, xref;

	in = hand_pdf(meta_objs, sizeof(meta_objs) / sizeof(meta_objs[0]),
	    META_TRAILER, &xref, &inlen);
	q = qpdf_init();
	qpdf_silence_errors(q);
	assert_int_equal(qpdf_read_memory(q, "test", (const char *)in, inlen,
	    ""), QPDF_SUCCESS);
	assert_int_equal(qpdf_init_write_memory(q), QPDF_SUCCESS);
	qpdf_set_object_stream_mode(q, qpdf_o_generate);
	qpdf_set_compress_streams(q, QPDF_TRUE);
	/* Keep the orphan, as a careless writer would. */
	qpdf_set_preserve_unreferenced_objects(q, QPDF_TRUE);
	if (encrypt)
		qpdf_set_r6_encryption_parameters2(q, "", "owner-secret",
		    QPDF_TRUE, QPDF_TRUE, QPDF_TRUE, QPDF_TRUE, QPDF_TRUE,
		    QPDF_TRUE, qpdf_r3p_full, QPDF_TRUE);
	out = qpdf_copy(q, outlen);
	qpdf_cleanup(&q);
	free(in);
	return (out);
}

/* The same file as qpdf writes it with nothing compressed. */
static unsigned char *
uncompressed(const unsigned char *buf, size_t len, size_t *outlen)
{
	qpdf_data	 q;
	unsigned char	*out;

	q = qpdf_init();
	qpdf_silence_errors(q);
	assert_int_equal(qpdf_read_memory(q, "test", (const char *)buf, len,
	    ""), QPDF_SUCCESS);
	assert_int_equal(qpdf_init_write_memory(q), QPDF_SUCCESS);
	qpdf_set_object_stream_mode(q, qpdf_o_disable);
	qpdf_set_stream_data_mode(q, qpdf_s_uncompress);
	qpdf_set_decode_level(q, qpdf_dl_all);
	out = qpdf_copy(q, outlen);
	qpdf_cleanup(&q);
	return (out);
}

static unsigned char *
strip_ok(const void *buf, size_t len, size_t *outlen)
{
	unsigned char	*out;
	char		 msg[512];

	msg[0] = '\0';
	out = NULL;
	if (pdfstrip(buf, len, &out, outlen, msg, sizeof(msg)) != 0)
		fail_msg("pdfstrip: %s", msg);
	assert_non_null(out);
	assert_true(*outlen > 0);
	return (out);
}

static int
has(const unsigned char *buf, size_t len, const char *s)
{
	return (memmem(buf, len, s, strlen(s)) != NULL);
}

/* A dictionary, or a stream's, of the copy. */
static void
check_dict(qpdf_data q, qpdf_oh oh, int id)
{
	qpdf_oh	dict;

	dict = qpdf_oh_is_stream(q, oh) ? qpdf_oh_get_dict(q, oh) :
	    qpdf_oh_new_object(q, oh);
	if (!qpdf_oh_is_dictionary(q, dict))
		return;
	if (qpdf_oh_has_key(q, dict, "/Metadata"))
		fail_msg("object %d has /Metadata", id);
	if (qpdf_oh_has_key(q, dict, "/PieceInfo"))
		fail_msg("object %d has /PieceInfo", id);
}

/* The copy as qpdf reads it: every object, and the pages. */
static void
check_objects(const unsigned char *buf, size_t len, int pages)
{
	qpdf_data	q;
	qpdf_oh		trailer, root, id;
	char		*id0;
	int		i, size;

	q = qpdf_init();
	qpdf_silence_errors(q);
	assert_int_equal(qpdf_read_memory(q, "copy", (const char *)buf, len,
	    ""), QPDF_SUCCESS);
	assert_false(qpdf_is_encrypted(q));
	assert_false(qpdf_is_linearized(q));
	assert_int_equal(qpdf_get_num_pages(q), pages);

	trailer = qpdf_get_trailer(q);
	assert_false(qpdf_oh_has_key(q, trailer, "/Info"));
	/* A fresh /ID, both halves made from the copy. */
	id = qpdf_oh_get_key(q, trailer, "/ID");
	assert_true(qpdf_oh_is_array(q, id));
	assert_int_equal(qpdf_oh_get_array_n_items(q, id), 2);
	/* qpdf_oh_unparse's string lasts until the next call. */
	id0 = strdup(qpdf_oh_unparse(q, qpdf_oh_get_array_item(q, id, 0)));
	assert_non_null(id0);
	assert_string_equal(id0,
	    qpdf_oh_unparse(q, qpdf_oh_get_array_item(q, id, 1)));
	free(id0);
	root = qpdf_get_root(q);
	assert_false(qpdf_oh_has_key(q, root, "/Metadata"));
	assert_false(qpdf_oh_has_key(q, root, "/PieceInfo"));

	size = qpdf_oh_get_int_value_as_int(q,
	    qpdf_oh_get_key(q, trailer, "/Size"));
	assert_true(size > 1);
	for (i = 1; i < size; i++)
		check_dict(q, qpdf_get_object_by_id(q, i, 0), i);
	assert_false(qpdf_has_error(q));
	qpdf_cleanup(&q);
}

/* Nothing of the metadata in the copy, and still the same document. */
static void
check_clean(const unsigned char *buf, size_t len, int pages)
{
	unsigned char	*plain;
	char		 msg[256];
	size_t		 plainlen, i;

	msg[0] = '\0';
	if (pdfcheck(buf, len, msg, sizeof(msg)) != 0)
		fail_msg("pdfcheck refused the copy: %s", msg);
	check_objects(buf, len, pages);

	plain = uncompressed(buf, len, &plainlen);
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
		if (has(buf, len, secrets[i]))
			fail_msg("copy holds \"%s\"", secrets[i]);
		if (has(plain, plainlen, secrets[i]))
			fail_msg("decoded copy holds \"%s\"", secrets[i]);
	}
	assert_false(has(plain, plainlen, "/Metadata"));
	assert_false(has(plain, plainlen, "/PieceInfo"));
	assert_false(has(plain, plainlen, "/Info"));
	assert_true(has(plain, plainlen, "(Hello) Tj"));
	free(plain);
}

static void
expect_fail(const void *buf, size_t len)
{
	unsigned char	*out;
	size_t		 outlen;
	char		 msg[512];

	out = (unsigned char *)"not touched";
	outlen = 1;
	msg[0] = '\0';
	assert_int_equal(pdfstrip(buf, len, &out, &outlen, msg, sizeof(msg)),
	    -1);
	assert_null(out);
	assert_int_equal(outlen, 0);
	assert_true(msg[0] != '\0');
	print_message("# %s\n", msg);
}

static void
test_hand_made(void **state)
{
	unsigned char	*in, *out;
	size_t		 inlen, outlen, xref, i;

	(void)state;
	in = hand_pdf(meta_objs, sizeof(meta_objs) / sizeof(meta_objs[0]),
	    META_TRAILER, &xref, &inlen);
	/* The test means something only if the input has it all. */
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		assert_true(has(in, inlen, secrets[i]));

	out = strip_ok(in, inlen, &outlen);
	check_clean(out, outlen, 2);
	/* Content streams are copied as they are. */
	assert_true(has(out, outlen, CONTENT1));
	assert_true(has(out, outlen, CONTENT2));
	assert_true(has(out, outlen, "/BaseFont /Helvetica"));
	free(out);
	free(in);
}

static void
test_plain(void **state)
{
	unsigned char	*in, *out;
	size_t		 inlen, outlen, xref;

	(void)state;
	in = hand_pdf(plain_objs, sizeof(plain_objs) / sizeof(plain_objs[0]),
	    "", &xref, &inlen);
	out = strip_ok(in, inlen, &outlen);
	check_clean(out, outlen, 1);
	assert_true(has(out, outlen, CONTENT1));
	free(out);
	free(in);
}

static void
test_deterministic(void **state)
{
	struct timespec	 pause = { 1, 100000000 };
	unsigned char	*in, *a, *b, *c;
	size_t		 inlen, alen, blen, clen, xref;

	(void)state;
	in = hand_pdf(meta_objs, sizeof(meta_objs) / sizeof(meta_objs[0]),
	    META_TRAILER, &xref, &inlen);
	a = strip_ok(in, inlen, &alen);
	/* qpdf's other /ID is made from the time, in seconds. */
	nanosleep(&pause, NULL);
	b = strip_ok(in, inlen, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);

	/* A copy stripped again is the same copy. */
	c = strip_ok(a, alen, &clen);
	assert_int_equal(alen, clen);
	assert_memory_equal(a, c, alen);
	free(c);
	free(b);
	free(a);
	free(in);
}

/*
 * An incremental update replaces /Info; the first revision, with its own
 * /Info, is still in the file for anyone who looks.
 */
static void
test_incremental(void **state)
{
	unsigned char	*base, *in, *out;
	size_t		 baselen, inlen, outlen, xref, off;
	FILE		*f;
	char		*p;

	(void)state;
	base = hand_pdf(meta_objs, sizeof(meta_objs) / sizeof(meta_objs[0]),
	    META_TRAILER, &xref, &baselen);
	f = open_memstream(&p, &inlen);
	assert_non_null(f);
	fwrite(base, 1, baselen, f);
	off = (size_t)ftell(f);
	fprintf(f, "14 0 obj\n<< /Author (Someone Else) >>\nendobj\n");
	fprintf(f, "xref\n0 1\n0000000000 65535 f \n14 1\n%010zu 00000 n \n"
	    "trailer\n<< /Size 15 /Root 1 0 R /Info 14 0 R /Prev %zu >>\n"
	    "startxref\n%zu\n%%%%EOF\n", off, xref, (size_t)ftell(f));
	assert_int_equal(fclose(f), 0);
	in = (unsigned char *)p;
	assert_true(has(in, inlen, "Someone Else"));

	out = strip_ok(in, inlen, &outlen);
	check_clean(out, outlen, 2);
	assert_false(has(out, outlen, "Someone Else"));
	free(out);
	free(in);
	free(base);
}

/* Metadata hidden in compressed object streams and streams. */
static void
test_object_streams(void **state)
{
	unsigned char	*in, *plain, *out;
	size_t		 inlen, plainlen, outlen;

	(void)state;
	in = qpdf_made(0, &inlen);
	assert_true(has(in, inlen, "/ObjStm"));
	/* qpdf leaves XMP uncompressed, but not /Info or the content. */
	assert_false(has(in, inlen, "/Producer (Hospital Secret)"));
	assert_false(has(in, inlen, "(Hello) Tj"));
	plain = uncompressed(in, inlen, &plainlen);
	assert_true(has(plain, plainlen, "Dr Jane Author"));
	assert_true(has(plain, plainlen, "jane.author@hospital.example"));
	free(plain);

	out = strip_ok(in, inlen, &outlen);
	check_clean(out, outlen, 2);
	/* The object streams are kept. */
	assert_true(has(out, outlen, "/ObjStm"));
	free(out);
	free(in);
}

/* A file that opens without a password comes out unencrypted. */
static void
test_owner_password(void **state)
{
	unsigned char	*in, *out;
	size_t		 inlen, outlen;

	(void)state;
	in = qpdf_made(1, &inlen);
	assert_true(has(in, inlen, "/Encrypt"));
	out = strip_ok(in, inlen, &outlen);
	check_clean(out, outlen, 2);
	assert_false(has(out, outlen, "/Encrypt"));
	free(out);
	free(in);
}

static void
test_garbage(void **state)
{
	static const unsigned char	png[] = {
		0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13,
		'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0,
	};
	unsigned char	*in;
	size_t		 inlen, xref, cut;

	(void)state;
	expect_fail("", 0);
	expect_fail("hello world\n", 12);
	expect_fail(png, sizeof(png));
	expect_fail("%PDF-", 5);
	expect_fail("%PDF-1.7\n%%EOF\n", 15);

	/* Cut before the catalog ends: there is no document to find. */
	in = hand_pdf(meta_objs, sizeof(meta_objs) / sizeof(meta_objs[0]),
	    META_TRAILER, &xref, &inlen);
	for (cut = 1; cut < 60; cut += 7)
		expect_fail(in, cut);
	free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hand_made),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_object_streams),
		cmocka_unit_test(test_owner_password),
		cmocka_unit_test(test_garbage),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
