/*
 * Unit tests for src/core/form.c.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/form.h"

#define CT		"multipart/form-data; boundary=XyZ"
#define LIT(s)		(s), (sizeof(s) - 1)

#define URL(f, l, s)	form_parse_urlencoded((f), (l), LIT(s))
#define MP(f, l, s)	form_parse_multipart((f), (l), CT, LIT(s))

#define B10		"1234567890"
#define B70		B10 B10 B10 B10 B10 B10 B10

#define MSG_PERCENT	"Invalid percent-encoding in the form data."
#define MSG_FINAL	\
    "The upload is malformed: the final boundary is missing."

static const struct form_limits	lim = {
	500, 128, 256 * 1024, 1024 * 1024, 5
};

static void	expect_fail(struct form *, int, const char *);
static void	expect_url_fail(const char *, const char *);
static void	expect_mp_fail(const char *, size_t, const char *);
static const char	*sanitise(const char *, size_t, char *);

static void
expect_fail(struct form *f, int rc, const char *msg)
{
	assert_int_equal(rc, -1);
	assert_null(f->fields);
	assert_int_equal(f->nfields, 0);
	assert_string_equal(f->error, msg);
}

static void
expect_url_fail(const char *body, const char *msg)
{
	struct form	f;

	form_init(&f);
	expect_fail(&f, form_parse_urlencoded(&f, &lim, body, strlen(body)),
	    msg);
	form_free(&f);
}

static void
expect_mp_fail(const char *body, size_t len, const char *msg)
{
	struct form	f;

	form_init(&f);
	expect_fail(&f, form_parse_multipart(&f, &lim, CT, body, len), msg);
	form_free(&f);
}

static const char *
sanitise(const char *s, size_t len, char *buf)
{
	size_t	n;

	n = form_filename_sanitise(buf, s, len);
	assert_int_equal(n, strlen(buf));
	assert_true(n <= FORM_MAX_FILENAME);
	assert_true(form_utf8_valid(buf, n));

	return (buf);
}

static void
test_url_simple(void **state)
{
	struct form	f;

	(void)state;
	form_init(&f);
	assert_int_equal(URL(&f, &lim, "a=1&b=two&c="), 0);
	assert_int_equal(f.nfields, 3);
	assert_string_equal(f.fields[0].name, "a");
	assert_string_equal(f.fields[0].value, "1");
	assert_int_equal(f.fields[0].len, 1);
	assert_null(f.fields[0].filename);
	assert_null(f.fields[0].content_type);
	assert_string_equal(form_get(&f, "b"), "two");
	assert_string_equal(form_get(&f, "c"), "");
	assert_int_equal(f.fields[2].len, 0);
	assert_null(form_get(&f, "d"));
	assert_string_equal(f.error, "");
	form_free(&f);
}

static void
test_url_decoding(void **state)
{
	struct form	f;

	(void)state;
	form_init(&f);
	assert_int_equal(URL(&f, &lim,
	    "q=hello+world%21&who=J%C3%BCrgen&sym=%2B%26%3d%25&a%5Bb%5D=x+y"),
	    0);
	assert_string_equal(form_get(&f, "q"), "hello world!");
	assert_string_equal(form_get(&f, "who"), "J\xc3\xbcrgen");
	assert_string_equal(form_get(&f, "sym"), "+&=%");
	assert_string_equal(form_get(&f, "a[b]"), "x y");
	/* A literal UTF-8 byte sequence is as good as an encoded one. */
	assert_int_equal(URL(&f, &lim, "e=\xe2\x82\xac&f=%F0%9F%98%80"), 0);
	assert_string_equal(form_get(&f, "e"), "\xe2\x82\xac");
	assert_string_equal(form_get(&f, "f"), "\xf0\x9f\x98\x80");
	assert_int_equal(f.fields[1].len, 4);
	form_free(&f);
}

static void
test_url_repeated(void **state)
{
	struct form	f;

	(void)state;
	form_init(&f);
	assert_int_equal(URL(&f, &lim,
	    "partner_name=Ann&partner_country=IE&partner_role=lead&"
	    "partner_name=Bob&partner_country=FR&partner_role=&"
	    "partner_name=Cy&partner_country=DE&partner_role=data"), 0);
	assert_int_equal(f.nfields, 9);
	assert_int_equal(form_count(&f, "partner_name"), 3);
	assert_int_equal(form_count(&f, "partner_role"), 3);
	assert_int_equal(form_count(&f, "partner"), 0);
	assert_string_equal(form_get(&f, "partner_name"), "Ann");
	assert_string_equal(form_get_nth(&f, "partner_name", 0), "Ann");
	assert_string_equal(form_get_nth(&f, "partner_name", 1), "Bob");
	assert_string_equal(form_get_nth(&f, "partner_name", 2), "Cy");
	assert_null(form_get_nth(&f, "partner_name", 3));
	assert_string_equal(form_get_nth(&f, "partner_role", 1), "");
	assert_string_equal(form_get_nth(&f, "partner_country", 2), "DE");
	assert_string_equal(f.fields[3].name, "partner_name");
	assert_string_equal(f.fields[4].name, "partner_country");
	form_free(&f);
}

static void
test_url_many_fields(void **state)
{
	struct form		f;
	struct form_limits	big;
	char			*body, name[16], val[16];
	size_t			 i, off, cap;

	(void)state;
	cap = 600 * 16;
	body = malloc(cap);
	assert_non_null(body);
	for (i = 0, off = 0; i < 600; i++)
		off += (size_t)snprintf(body + off, cap - off, "%sf%zu=%zu",
		    i ? "&" : "", i, i * 7);

	big = lim;
	big.max_fields = 1000;
	form_init(&f);
	assert_int_equal(form_parse_urlencoded(&f, &big, body, off), 0);
	assert_int_equal(f.nfields, 600);
	for (i = 0; i < 600; i++) {
		(void)snprintf(name, sizeof(name), "f%zu", i);
		(void)snprintf(val, sizeof(val), "%zu", i * 7);
		assert_string_equal(f.fields[i].name, name);
		assert_string_equal(form_get(&f, name), val);
	}

	/* The defaults (NULL limits) allow 500. */
	expect_fail(&f, form_parse_urlencoded(&f, NULL, body, off),
	    "The form has too many fields (limit 500).");
	form_free(&f);
	free(body);
}

static void
test_url_empty_pairs(void **state)
{
	struct form	f;

	(void)state;
	form_init(&f);
	assert_int_equal(URL(&f, &lim, "a=1&&b=2&"), 0);
	assert_int_equal(f.nfields, 2);
	assert_string_equal(form_get(&f, "a"), "1");
	assert_string_equal(form_get(&f, "b"), "2");
	assert_int_equal(URL(&f, &lim, "&&&"), 0);
	assert_int_equal(f.nfields, 0);
	assert_null(f.fields);
	assert_int_equal(form_parse_urlencoded(&f, &lim, "", 0), 0);
	assert_int_equal(f.nfields, 0);
	assert_int_equal(form_parse_urlencoded(&f, &lim, NULL, 0), 0);
	assert_int_equal(f.nfields, 0);
	form_free(&f);
}

static void
test_url_key_without_value(void **state)
{
	struct form	f;

	(void)state;
	form_init(&f);
	assert_int_equal(URL(&f, &lim, "flag&a=1&b=&c=x=y"), 0);
	assert_int_equal(f.nfields, 4);
	assert_string_equal(form_get(&f, "flag"), "");
	assert_int_equal(f.fields[0].len, 0);
	assert_string_equal(form_get(&f, "b"), "");
	/* Only the first '=' splits. */
	assert_string_equal(form_get(&f, "c"), "x=y");
	form_free(&f);

	expect_url_fail("=1", "A field in the form data has no name.");
	expect_url_fail("a=1&=", "A field in the form data has no name.");
}

static void
test_url_bad_percent(void **state)
{
	(void)state;
	expect_url_fail("a=%G1", MSG_PERCENT);
	expect_url_fail("a=%1G", MSG_PERCENT);
	expect_url_fail("a=%4", MSG_PERCENT);
	expect_url_fail("a=%", MSG_PERCENT);
	expect_url_fail("a=%%41", MSG_PERCENT);
	expect_url_fail("a=1&b=x%4&c=3", MSG_PERCENT);
	expect_url_fail("%zz=1", MSG_PERCENT);
	expect_url_fail("ok=1&k%=1", MSG_PERCENT);
}

static void
test_url_bad_utf8(void **state)
{
	static const char	*bad[] = {
		"summary=%C0%AF",		/* overlong '/' */
		"summary=%C1%BF",		/* overlong */
		"summary=%E0%80%AF",		/* overlong, 3 bytes */
		"summary=%F0%80%80%AF",		/* overlong, 4 bytes */
		"summary=%ED%A0%80",		/* surrogate D800 */
		"summary=%ED%BF%BF",		/* surrogate DFFF */
		"summary=%F4%90%80%80",		/* U+110000 */
		"summary=%F5%80%80%80",		/* lead byte past F4 */
		"summary=%FF",
		"summary=%80",			/* lone continuation */
		"summary=ok%E2%82",		/* truncated sequence */
		"summary=%E2%82x",		/* truncated mid-value */
		"summary=%C3",
		"summary=\xc3\x28",
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_url_fail(bad[i],
		    "The form data is not valid UTF-8 (field 'summary').");
}

static void
test_url_controls(void **state)
{
	struct form	f;

	(void)state;
	expect_url_fail("a=x%00y",
	    "The form data contains a control character (field 'a').");
	expect_url_fail("a=%01",
	    "The form data contains a control character (field 'a').");
	expect_url_fail("a=%1B%5B31m",
	    "The form data contains a control character (field 'a').");

	form_init(&f);
	assert_int_equal(URL(&f, &lim, "a=%09x%0Ay%0Dz%7F"), 0);
	assert_string_equal(form_get(&f, "a"), "\tx\ny\nz\x7f");
	form_free(&f);

	expect_url_fail("a%00=1",
	    "A field name in the form data contains a control character.");
	expect_url_fail("a%0A=1",
	    "A field name in the form data contains a control character.");
	expect_url_fail("%09=1",
	    "A field name in the form data contains a control character.");
	expect_url_fail("%7F=1",
	    "A field name in the form data contains a control character.");
	expect_url_fail("x%C2%85=1",
	    "A field name in the form data contains a control character.");
	expect_url_fail("%FF=1",
	    "A field name in the form data is not valid UTF-8.");
	expect_url_fail("%ED%A0%80=1",
	    "A field name in the form data is not valid UTF-8.");
}

static void
test_url_crlf(void **state)
{
	struct form	f;

	(void)state;
	form_init(&f);
	assert_int_equal(URL(&f, &lim,
	    "t=a%0D%0Ab%0D%0A%0D%0Ac%0Dd%0A%0D&u=%0D%0A"), 0);
	assert_string_equal(form_get(&f, "t"), "a\nb\n\nc\nd\n\n");
	assert_int_equal(f.fields[0].len, 10);
	assert_string_equal(form_get(&f, "u"), "\n");
	assert_int_equal(f.fields[1].len, 1);
	form_free(&f);
}

static void
test_url_limits(void **state)
{
	struct form		f;
	struct form_limits	l;

	(void)state;
	form_init(&f);

	l = lim;
	l.max_fields = 3;
	assert_int_equal(URL(&f, &l, "a=1&b=2&&c=3&"), 0);
	assert_int_equal(f.nfields, 3);
	expect_fail(&f, URL(&f, &l, "a=1&b=2&c=3&d=4"),
	    "The form has too many fields (limit 3).");
	l.max_fields = 0;
	assert_int_equal(URL(&f, &l, "&"), 0);
	expect_fail(&f, URL(&f, &l, "a"),
	    "The form has too many fields (limit 0).");

	l = lim;
	l.max_name_len = 4;
	assert_int_equal(URL(&f, &l, "abcd=1&%41%42%43%44=2"), 0);
	assert_string_equal(form_get(&f, "ABCD"), "2");
	expect_fail(&f, URL(&f, &l, "abcde=1"),
	    "A field name in the form data is too long (limit 4 bytes).");

	l = lim;
	l.max_value_len = 3;
	assert_int_equal(URL(&f, &l, "v=%41%41%41&w=a%0D%0Ab&x="), 0);
	assert_string_equal(form_get(&f, "v"), "AAA");
	assert_string_equal(form_get(&f, "w"), "a\nb");
	expect_fail(&f, URL(&f, &l, "v=AAAA"),
	    "The field 'v' is too long (limit 3 bytes).");
	l.max_value_len = 1;
	expect_fail(&f, URL(&f, &l, "v=AA"),
	    "The field 'v' is too long (limit 1 byte).");
	form_free(&f);
}

static void
test_url_limit_messages(void **state)
{
	struct form		f;
	struct form_limits	l;
	char			*body;
	size_t			 n;

	(void)state;
	l = lim;
	l.max_value_len = 256 * 1024;
	n = 8 + l.max_value_len + 1;
	body = malloc(n);
	assert_non_null(body);
	memcpy(body, "summary=", 8);
	memset(body + 8, 'x', n - 8);

	form_init(&f);
	assert_int_equal(form_parse_urlencoded(&f, &l, body, n - 1), 0);
	assert_int_equal(f.fields[0].len, l.max_value_len);
	expect_fail(&f, form_parse_urlencoded(&f, &l, body, n),
	    "The field 'summary' is too long (limit 256 KiB).");
	l.max_value_len = 2 * 1024 * 1024;
	assert_int_equal(form_parse_urlencoded(&f, &l, body, n), 0);
	form_free(&f);
	free(body);
}

static void
test_error_name_truncated(void **state)
{
	struct form		f;
	struct form_limits	l;
	char			body[1024], want[256];
	size_t			i, n;

	(void)state;
	l = lim;
	l.max_name_len = 300;

	/* 100 two-byte characters: the message keeps 32 of them. */
	for (i = 0, n = 0; i < 100; i++, n += 6)
		memcpy(body + n, "%C3%A9", 6);
	memcpy(body + n, "=%FF", 4);
	n += 4;

	(void)snprintf(want, sizeof(want),
	    "The form data is not valid UTF-8 (field '");
	for (i = 0; i < 32; i++)
		strcat(want, "\xc3\xa9");
	strcat(want, "').");

	form_init(&f);
	expect_fail(&f, form_parse_urlencoded(&f, &l, body, n), want);
	assert_true(form_utf8_valid(f.error, strlen(f.error)));

	/* 63 ASCII bytes then a 2-byte character: cut before it. */
	memset(body, 'n', 63);
	memcpy(body + 63, "%C3%A9=%00", 10);
	(void)snprintf(want, sizeof(want), "The form data contains a "
	    "control character (field '%.63s').", body);
	expect_fail(&f, form_parse_urlencoded(&f, &l, body, 73), want);
	form_free(&f);
}

static void
test_mp_text_and_files(void **state)
{
	struct form		 f;
	const struct form_field	*ff;

	(void)state;
	form_init(&f);
	assert_int_equal(MP(&f, &lim,
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"title\"\r\n"
	    "\r\n"
	    "Better care\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"doc\"; "
	    "filename=\"plan.pdf\"\r\n"
	    "Content-Type: application/pdf\r\n"
	    "\r\n"
	    "%PDF-1.7\n\xff\xfe\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"summary\"\r\n"
	    "\r\n"
	    "line one\r\nline two\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"doc\"; "
	    "filename=\"notes.txt\"\r\n"
	    "\r\n"
	    "\r\n"
	    "--XyZ--\r\n"), 0);

	assert_int_equal(f.nfields, 4);
	assert_string_equal(f.fields[0].name, "title");
	assert_string_equal(form_get(&f, "title"), "Better care");
	assert_string_equal(form_get(&f, "summary"), "line one\nline two");
	assert_int_equal(f.fields[2].len, 17);

	ff = form_file(&f, "doc");
	assert_non_null(ff);
	assert_ptr_equal(ff, &f.fields[1]);
	assert_string_equal(ff->filename, "plan.pdf");
	assert_string_equal(ff->content_type, "application/pdf");
	assert_int_equal(ff->len, 11);
	assert_memory_equal(ff->value, "%PDF-1.7\n\xff\xfe\0", 12);

	/* A file is not a text value, and the other way round. */
	assert_null(form_get(&f, "doc"));
	assert_int_equal(form_count(&f, "doc"), 0);
	assert_null(form_file(&f, "title"));
	assert_int_equal(form_file_count(&f, "doc"), 2);
	ff = form_file_nth(&f, "doc", 1);
	assert_non_null(ff);
	assert_string_equal(ff->filename, "notes.txt");
	assert_null(ff->content_type);
	assert_int_equal(ff->len, 0);
	assert_string_equal(ff->value, "");
	assert_null(form_file_nth(&f, "doc", 2));
	form_free(&f);
}

static void
test_mp_boundary_forms(void **state)
{
	struct form	f;
	static const char body[] =
	    "--a'()+_,-./:=?Z\r\n"
	    "Content-Disposition: form-data; name=\"x\"\r\n\r\n"
	    "1\r\n"
	    "--a'()+_,-./:=?Z--";

	(void)state;
	form_init(&f);
	assert_int_equal(form_parse_multipart(&f, &lim,
	    "multipart/form-data; boundary=\"a'()+_,-./:=?Z\"", LIT(body)), 0);
	assert_string_equal(form_get(&f, "x"), "1");

	assert_int_equal(form_parse_multipart(&f, &lim,
	    "Multipart/Form-Data;charset=utf-8;  BOUNDARY=XyZ ; foo=\"b;r\"",
	    LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"y\"\r\n\r\n"
	    "2\r\n--XyZ--")), 0);
	assert_string_equal(form_get(&f, "y"), "2");

	/* Spaces are legal in a quoted boundary, not at its end. */
	assert_int_equal(form_parse_multipart(&f, &lim,
	    "multipart/form-data; boundary=\"a b\"",
	    LIT("--a b\r\n"
	    "Content-Disposition: form-data; name=\"z\"\r\n\r\n"
	    "3\r\n--a b--")), 0);
	assert_string_equal(form_get(&f, "z"), "3");
	expect_fail(&f, form_parse_multipart(&f, &lim,
	    "multipart/form-data; boundary=\"a \"", LIT("")),
	    "The upload is malformed: the boundary is invalid.");

	/* 70 characters is the most RFC 2046 allows. */
	assert_int_equal(form_parse_multipart(&f, &lim,
	    "multipart/form-data; boundary=" B70, LIT("--" B70 "--")), 0);
	expect_fail(&f, form_parse_multipart(&f, &lim,
	    "multipart/form-data; boundary=" B70 "1", LIT("")),
	    "The upload is malformed: the boundary is invalid.");
	expect_fail(&f, form_parse_multipart(&f, &lim,
	    "multipart/form-data; boundary=a<b", LIT("")),
	    "The upload is malformed: the boundary is invalid.");
	expect_fail(&f, form_parse_multipart(&f, &lim,
	    "multipart/form-data; boundary=\"\"", LIT("")),
	    "The upload is malformed: the boundary is invalid.");
	expect_fail(&f, form_parse_multipart(&f, &lim,
	    "multipart/form-data; boundary=a; boundary=b", LIT("")),
	    "The upload is malformed: the boundary is given twice.");
	expect_fail(&f, form_parse_multipart(&f, &lim,
	    "multipart/form-data; boundary=\"abc", LIT("")),
	    "The upload is malformed: the Content-Type header is invalid.");
	expect_fail(&f, form_parse_multipart(&f, &lim,
	    "multipart/form-data; boundary=", LIT("")),
	    "The upload is malformed: the Content-Type header is invalid.");
	form_free(&f);
}

static void
test_mp_no_boundary(void **state)
{
	struct form	f;

	(void)state;
	form_init(&f);
	expect_fail(&f, form_parse_multipart(&f, &lim,
	    "multipart/form-data", LIT("--XyZ--")),
	    "The upload is malformed: no boundary was given.");
	expect_fail(&f, form_parse_multipart(&f, &lim,
	    "multipart/form-data; charset=utf-8", LIT("--XyZ--")),
	    "The upload is malformed: no boundary was given.");
	expect_fail(&f, form_parse_multipart(&f, &lim,
	    "application/x-www-form-urlencoded; boundary=XyZ",
	    LIT("--XyZ--")), "Unsupported form encoding.");
	expect_fail(&f, form_parse_multipart(&f, &lim, NULL,
	    LIT("--XyZ--")), "Unsupported form encoding.");
	form_free(&f);

	/* A body that never mentions the boundary. */
	expect_mp_fail(LIT("a=1&b=2"),
	    "The upload is malformed: the first boundary is missing.");
	expect_mp_fail(LIT(""),
	    "The upload is malformed: the first boundary is missing.");
	expect_mp_fail(LIT("--XyZabc\r\n"),
	    "The upload is malformed: the first boundary is missing.");
}

static void
test_mp_final_boundary(void **state)
{
	(void)state;
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
	    "text without an end"), MSG_FINAL);
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
	    "1\r\n--XyZ\r\n"), MSG_FINAL);
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
	    "1\r\n--XyZ"), MSG_FINAL);
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
	    "1\r\n--XyZ-"), MSG_FINAL);
	expect_mp_fail(LIT("--XyZ\r\n"), MSG_FINAL);
	/* The delimiter needs its CRLF in front. */
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
	    "1--XyZ--"), MSG_FINAL);
}

static void
test_mp_part_errors(void **state)
{
	char	*body;
	size_t	 n;

	(void)state;
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data\r\n\r\n"
	    "1\r\n--XyZ--"), "The upload is malformed: a part has no name.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; filename=\"a.txt\"\r\n\r\n"
	    "1\r\n--XyZ--"), "The upload is malformed: a part has no name.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Type: text/plain\r\n\r\n"
	    "1\r\n--XyZ--"), "The upload is malformed: a part has no name.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "\r\n"
	    "1\r\n--XyZ--"), "The upload is malformed: a part has no headers.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n"
	    "1\r\n--XyZ--"),
	    "The upload is malformed: a part's headers are not terminated.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n"
	    "1\r\n\r\nx\r\n--XyZ--\r\n"),
	    "The upload is malformed: a part has an invalid header.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: attachment; name=\"a\"\r\n\r\n"
	    "1\r\n--XyZ--"),
	    "The upload is malformed: a part is not form data.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"; name=\"b\"\r\n\r\n"
	    "1\r\n--XyZ--"),
	    "The upload is malformed: a part has an invalid "
	    "Content-Disposition.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n"
	    "Content-Disposition: form-data; name=\"b\"\r\n\r\n"
	    "1\r\n--XyZ--"),
	    "The upload is malformed: a part has an invalid "
	    "Content-Disposition.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\r\n\r\n"
	    "1\r\n--XyZ--"),
	    "The upload is malformed: a part has an invalid "
	    "Content-Disposition.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name\r\n\r\n"
	    "1\r\n--XyZ--"),
	    "The upload is malformed: a part has an invalid "
	    "Content-Disposition.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition form-data; name=\"a\"\r\n\r\n"
	    "1\r\n--XyZ--"),
	    "The upload is malformed: a part has an invalid header.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data;\r\n name=\"a\"\r\n\r\n"
	    "1\r\n--XyZ--"),
	    "The upload is malformed: a part has an invalid header.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\0\"\r\n\r\n"
	    "1\r\n--XyZ--"),
	    "The upload is malformed: a part has an invalid header.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n"
	    "Content-Type: text/\xc3\xa9\r\n\r\n"
	    "1\r\n--XyZ--"),
	    "The upload is malformed: a part has an invalid Content-Type.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"\"\r\n\r\n"
	    "1\r\n--XyZ--"), "A field in the form data has no name.");

	/* One header block may be at most FORM_MAX_PART_HEADER bytes. */
	n = FORM_MAX_PART_HEADER + 64;
	body = malloc(n);
	assert_non_null(body);
	memcpy(body, "--XyZ\r\nX-Pad: ", 14);
	memset(body + 14, 'p', n - 14);
	expect_mp_fail(body, n,
	    "The upload is malformed: a part's headers are too long.");
	free(body);
}

static void
test_mp_header_limit_edge(void **state)
{
	struct form	f;
	char		*body;
	size_t		 n, hdr;
	static const char cd[] =
	    "Content-Disposition: form-data; name=\"a\"\r\n";
	static const char tail[] = "\r\nv\r\n--XyZ--";

	(void)state;
	/* A header block of exactly FORM_MAX_PART_HEADER bytes is fine. */
	hdr = FORM_MAX_PART_HEADER;
	n = 7 + hdr + sizeof(tail) - 1 + 2;
	body = malloc(n + 1);
	assert_non_null(body);
	memcpy(body, "--XyZ\r\n", 7);
	memcpy(body + 7, cd, sizeof(cd) - 1);
	memcpy(body + 7 + sizeof(cd) - 1, "X-Pad: ", 7);
	memset(body + 7 + sizeof(cd) - 1 + 7, 'p', hdr - (sizeof(cd) - 1) - 7);
	memcpy(body + 7 + hdr, "\r\n", 2);
	memcpy(body + 7 + hdr + 2, tail, sizeof(tail) - 1);

	form_init(&f);
	assert_int_equal(form_parse_multipart(&f, &lim, CT, body, n), 0);
	assert_string_equal(form_get(&f, "a"), "v");

	/* One byte more is too long. */
	memmove(body + 8, body + 7, n - 7);
	body[7] = 'X';
	expect_fail(&f, form_parse_multipart(&f, &lim, CT, body, n + 1),
	    "The upload is malformed: a part's headers are too long.");
	form_free(&f);
	free(body);
}

static void
test_mp_headers_case(void **state)
{
	struct form		 f;
	const struct form_field	*ff;

	(void)state;
	form_init(&f);
	assert_int_equal(MP(&f, &lim, "--XyZ\r\n"
	    "CONTENT-DISPOSITION:Form-Data;NAME=x;FileName=\"a.png\"\r\n"
	    "content-type:   image/png  \r\n"
	    "Content-Transfer-Encoding: binary\r\n"
	    "X-Other: whatever\r\n"
	    "\r\n"
	    "PNG\r\n"
	    "--XyZ\r\n"
	    "content-disposition: form-data; name=\"q\\\"uote\\\\\"\r\n"
	    "\r\n"
	    "v\r\n"
	    "--XyZ--"), 0);
	ff = form_file(&f, "x");
	assert_non_null(ff);
	assert_string_equal(ff->filename, "a.png");
	assert_string_equal(ff->content_type, "image/png");
	assert_string_equal(ff->value, "PNG");
	assert_string_equal(form_get(&f, "q\"uote\\"), "v");
	form_free(&f);
}

static void
test_mp_filenames(void **state)
{
	struct form	f;

	(void)state;
	form_init(&f);
	assert_int_equal(MP(&f, &lim, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"f\"; "
	    "filename=\"../../etc/passwd\"\r\n\r\n"
	    "root\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"f\"; "
	    "filename=\"C:\\x\\y.pdf\"\r\n\r\n"
	    "pdf\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"f\"; "
	    "filename=\"tab\there.txt\"\r\n\r\n"
	    "t\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"f\"; "
	    "filename=\"..\"\r\n\r\n"
	    "d\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"f\"; "
	    "filename=\"caf\xe9\x2epdf\"\r\n\r\n"
	    "l\r\n"
	    "--XyZ--"), 0);
	assert_int_equal(form_file_count(&f, "f"), 5);
	assert_string_equal(form_file_nth(&f, "f", 0)->filename, "passwd");
	assert_string_equal(form_file_nth(&f, "f", 1)->filename, "y.pdf");
	assert_string_equal(form_file_nth(&f, "f", 2)->filename,
	    "tabhere.txt");
	assert_string_equal(form_file_nth(&f, "f", 3)->filename,
	    FORM_UNNAMED_FILE);
	assert_string_equal(form_file_nth(&f, "f", 4)->filename,
	    "caf\xef\xbf\xbd.pdf");
	form_free(&f);
}

static void
test_filename_sanitise(void **state)
{
	char	buf[FORM_MAX_FILENAME + 1], in[600], want[256];
	size_t	i;

	(void)state;
	assert_string_equal(sanitise(LIT("report.pdf"), buf), "report.pdf");
	assert_string_equal(sanitise(LIT("../../etc/passwd"), buf), "passwd");
	assert_string_equal(sanitise(LIT("C:\\x\\y.pdf"), buf), "y.pdf");
	assert_string_equal(sanitise(LIT("\\\\srv\\share\\f.doc"), buf),
	    "f.doc");
	assert_string_equal(sanitise(LIT("a\x01" "b\x1f" "c\x7f.txt"), buf),
	    "abc.txt");
	assert_string_equal(sanitise(LIT("a\0b.txt"), buf), "ab.txt");
	assert_string_equal(sanitise(LIT("a\r\nb"), buf), "ab");
	assert_string_equal(sanitise(LIT("x\xc2\x85y"), buf), "xy");
	/* RIGHT-TO-LEFT OVERRIDE would show "annexe.pdf" for an .exe. */
	assert_string_equal(sanitise(LIT("annex\xe2\x80\xae" "fdp.exe"), buf),
	    "annexfdp.exe");
	assert_string_equal(sanitise(LIT("\xff\xfe.txt"), buf),
	    "\xef\xbf\xbd\xef\xbf\xbd.txt");
	assert_string_equal(sanitise(LIT("\xed\xa0\x80"), buf),
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(sanitise(LIT("  spaced name.txt  "), buf),
	    "spaced name.txt");
	assert_string_equal(sanitise(LIT("r\xc3\xa9sum\xc3\xa9.pdf"), buf),
	    "r\xc3\xa9sum\xc3\xa9.pdf");
	assert_string_equal(sanitise(LIT(""), buf), FORM_UNNAMED_FILE);
	assert_string_equal(sanitise(LIT("."), buf), FORM_UNNAMED_FILE);
	assert_string_equal(sanitise(LIT(".."), buf), FORM_UNNAMED_FILE);
	assert_string_equal(sanitise(LIT("a/.."), buf), FORM_UNNAMED_FILE);
	assert_string_equal(sanitise(LIT("dir/"), buf), FORM_UNNAMED_FILE);
	assert_string_equal(sanitise(LIT("\x01\x02"), buf), FORM_UNNAMED_FILE);
	assert_string_equal(sanitise(LIT(".profile"), buf), ".profile");

	/* Long names lose the middle of the stem, not the extension. */
	memset(in, 'a', 300);
	memcpy(in + 300, ".pdf", 4);
	memset(want, 'a', 196);
	memcpy(want + 196, ".pdf", 5);
	assert_string_equal(sanitise(in, 304, buf), want);

	/* A long "extension" is just more name. */
	memset(in, 'b', 10);
	in[10] = '.';
	memset(in + 11, 'c', 289);
	memcpy(want, in, 200);
	want[200] = '\0';
	assert_string_equal(sanitise(in, 300, buf), want);

	/* Never a cut inside a character: 150 x U+00E9 is 300 bytes. */
	for (i = 0; i < 150; i++)
		memcpy(in + i * 2, "\xc3\xa9", 2);
	assert_int_equal(strlen(sanitise(in, 300, buf)), 200);
	for (i = 0; i < 100; i++)
		memcpy(in + i * 3, "\xe2\x82\xac", 3);
	memcpy(in + 300, ".txt", 4);
	assert_int_equal(strlen(sanitise(in, 304, buf)), 199);
	assert_memory_equal(buf + 195, ".txt", 5);
}

static void
test_mp_file_bytes(void **state)
{
	struct form		 f;
	const struct form_field	*ff;
	static const char	 data[] =
	    "\0\x01\xff" "A\r\n--XyZabc\r\n--XyZ-\r\n--XyZ x\r\n--Xy"
	    "\r\n\r\n--XyZ\n--XyZ\r\r\n-XyZ\r\n";

	(void)state;
	form_init(&f);
	assert_int_equal(MP(&f, &lim, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"bin\"; "
	    "filename=\"b.bin\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n"
	    "\0\x01\xff" "A\r\n--XyZabc\r\n--XyZ-\r\n--XyZ x\r\n--Xy"
	    "\r\n\r\n--XyZ\n--XyZ\r\r\n-XyZ\r\n"
	    "\r\n--XyZ \t \r\n"
	    "Content-Disposition: form-data; name=\"after\"\r\n\r\n"
	    "ok\r\n--XyZ--\r\n"), 0);
	ff = form_file(&f, "bin");
	assert_non_null(ff);
	assert_int_equal(ff->len, sizeof(data) - 1);
	assert_memory_equal(ff->value, data, sizeof(data));
	assert_string_equal(form_get(&f, "after"), "ok");
	form_free(&f);
}

static void
test_mp_preamble_epilogue(void **state)
{
	struct form	f;

	(void)state;
	form_init(&f);
	assert_int_equal(MP(&f, &lim,
	    "This is the preamble.\r\n--XyZ is not here\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"a\"\r\n\r\n"
	    "1\r\n"
	    "--XyZ--\r\n"
	    "This is the epilogue.\r\n--XyZ\r\ngarbage"), 0);
	assert_int_equal(f.nfields, 1);
	assert_string_equal(form_get(&f, "a"), "1");

	/* Only the close delimiter: an empty form. */
	assert_int_equal(MP(&f, &lim, "--XyZ--"), 0);
	assert_int_equal(f.nfields, 0);
	assert_int_equal(MP(&f, &lim, "preamble\r\n--XyZ--\r\n"), 0);
	assert_int_equal(f.nfields, 0);
	form_free(&f);
}

static void
test_mp_text_rules(void **state)
{
	struct form	f;

	(void)state;
	form_init(&f);
	assert_int_equal(MP(&f, &lim, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"t\"\r\n\r\n"
	    "a\r\n\r\nb\tc\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"empty\"\r\n\r\n"
	    "\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"na\xc3\xafve\"\r\n\r\n"
	    "\xe2\x9c\x93\r\n"
	    "--XyZ--"), 0);
	assert_string_equal(form_get(&f, "t"), "a\n\nb\tc");
	assert_string_equal(form_get(&f, "empty"), "");
	assert_string_equal(form_get(&f, "na\xc3\xafve"), "\xe2\x9c\x93");
	form_free(&f);

	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"summary\"\r\n\r\n"
	    "\xc0\xaf\r\n--XyZ--"),
	    "The form data is not valid UTF-8 (field 'summary').");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"summary\"\r\n\r\n"
	    "a\0b\r\n--XyZ--"),
	    "The form data contains a control character (field 'summary').");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"\xff\"\r\n\r\n"
	    "a\r\n--XyZ--"),
	    "A field name in the form data is not valid UTF-8.");
	expect_mp_fail(LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"\xff\"; "
	    "filename=\"x\"\r\n\r\n"
	    "a\r\n--XyZ--"),
	    "A field name in the form data is not valid UTF-8.");
}

static void
test_mp_empty_file_input(void **state)
{
	struct form	f;

	(void)state;
	form_init(&f);
	assert_int_equal(MP(&f, &lim, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"doc\"; filename=\"\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n"
	    "\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"t\"\r\n\r\n"
	    "x\r\n"
	    "--XyZ--"), 0);
	assert_int_equal(f.nfields, 1);
	assert_null(form_file(&f, "doc"));
	assert_string_equal(form_get(&f, "t"), "x");

	/* Bytes without a name still make a file. */
	assert_int_equal(MP(&f, &lim, "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"doc\"; filename=\"\"\r\n"
	    "\r\n"
	    "abc\r\n"
	    "--XyZ--"), 0);
	assert_non_null(form_file(&f, "doc"));
	assert_string_equal(form_file(&f, "doc")->filename, FORM_UNNAMED_FILE);
	form_free(&f);
}

static void
test_mp_limits(void **state)
{
	struct form		f;
	struct form_limits	l;
	static const char	two_files[] =
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"doc\"; filename=\"a\"\r\n"
	    "\r\n"
	    "1234\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"doc\"; filename=\"b\"\r\n"
	    "\r\n"
	    "12\r\n"
	    "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"note\"\r\n"
	    "\r\n"
	    "abc\r\n"
	    "--XyZ--";

	(void)state;
	form_init(&f);
	l = lim;
	l.max_files = 2;
	l.max_file_len = 4;
	l.max_fields = 3;
	l.max_value_len = 3;
	l.max_name_len = 4;
	assert_int_equal(MP(&f, &l, two_files), 0);
	assert_int_equal(f.nfields, 3);

	l.max_files = 1;
	expect_fail(&f, MP(&f, &l, two_files),
	    "The form has too many files (limit 1).");
	l.max_files = 0;
	expect_fail(&f, MP(&f, &l, two_files),
	    "The form has too many files (limit 0).");
	l.max_files = 2;

	l.max_file_len = 3;
	expect_fail(&f, MP(&f, &l, two_files),
	    "The file for 'doc' is too large (limit 3 bytes).");
	l.max_file_len = 4;

	l.max_fields = 2;
	expect_fail(&f, MP(&f, &l, two_files),
	    "The form has too many fields (limit 2).");
	l.max_fields = 3;

	l.max_value_len = 2;
	expect_fail(&f, MP(&f, &l, two_files),
	    "The field 'note' is too long (limit 2 bytes).");
	l.max_value_len = 3;

	l.max_name_len = 3;
	expect_fail(&f, MP(&f, &l, two_files),
	    "A field name in the form data is too long (limit 3 bytes).");
	form_free(&f);
}

static void
test_mp_big_file(void **state)
{
	struct form		 f;
	struct form_limits	 l;
	char			*body;
	size_t			 n, head, tail, flen;
	static const char	 h[] = "--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"doc\"; "
	    "filename=\"big.bin\"\r\n\r\n";
	static const char	 t[] = "\r\n--XyZ--\r\n";

	(void)state;
	l = lim;
	l.max_file_len = 1024 * 1024;
	head = sizeof(h) - 1;
	tail = sizeof(t) - 1;
	flen = l.max_file_len + 1;
	n = head + flen + tail;
	body = malloc(n);
	assert_non_null(body);
	memcpy(body, h, head);
	memset(body + head, '\r', flen);
	memcpy(body + head + flen, t, tail);

	form_init(&f);
	expect_fail(&f, form_parse_multipart(&f, &l, CT, body, n),
	    "The file for 'doc' is too large (limit 1 MiB).");

	/* Exactly at the limit. */
	memmove(body + head + flen - 1, body + head + flen, tail);
	assert_int_equal(form_parse_multipart(&f, &l, CT, body, n - 1), 0);
	assert_int_equal(form_file(&f, "doc")->len, l.max_file_len);
	form_free(&f);
	free(body);
}

static void
test_parse_dispatch(void **state)
{
	struct form	f;

	(void)state;
	form_init(&f);
	assert_int_equal(form_parse(&f, &lim,
	    "application/x-www-form-urlencoded", LIT("a=1")), 0);
	assert_string_equal(form_get(&f, "a"), "1");
	assert_int_equal(form_parse(&f, &lim,
	    "Application/X-WWW-Form-URLEncoded; charset=UTF-8", LIT("b=2")), 0);
	assert_string_equal(form_get(&f, "b"), "2");
	assert_null(form_get(&f, "a"));
	assert_int_equal(form_parse(&f, &lim, CT, LIT("--XyZ\r\n"
	    "Content-Disposition: form-data; name=\"c\"\r\n\r\n"
	    "3\r\n--XyZ--")), 0);
	assert_string_equal(form_get(&f, "c"), "3");

	expect_fail(&f, form_parse(&f, &lim, NULL, LIT("a=1")),
	    "Unsupported form encoding.");
	expect_fail(&f, form_parse(&f, &lim, "text/plain", LIT("a=1")),
	    "Unsupported form encoding.");
	expect_fail(&f, form_parse(&f, &lim, "application/json", LIT("{}")),
	    "Unsupported form encoding.");
	expect_fail(&f, form_parse(&f, &lim, "", LIT("a=1")),
	    "Unsupported form encoding.");
	expect_fail(&f, form_parse(&f, &lim,
	    "application/x-www-form-urlencodedx", LIT("a=1")),
	    "Unsupported form encoding.");
	expect_fail(&f, form_parse(&f, &lim, "multipart/mixed; boundary=XyZ",
	    LIT("--XyZ--")), "Unsupported form encoding.");
	expect_fail(&f, form_parse(&f, &lim, "multipart/form-data",
	    LIT("--XyZ--")), "The upload is malformed: no boundary was given.");
	form_free(&f);
}

static void
test_lookups_and_free(void **state)
{
	struct form	f;

	(void)state;
	assert_null(form_get(NULL, "a"));
	assert_int_equal(form_count(NULL, "a"), 0);
	assert_null(form_get_nth(NULL, "a", 0));
	assert_null(form_file(NULL, "a"));

	form_init(&f);
	assert_null(form_get(&f, "a"));
	assert_int_equal(form_count(&f, "a"), 0);
	assert_null(form_file(&f, "a"));
	form_free(&f);
	form_free(&f);

	assert_int_equal(URL(&f, &lim, "a=1&A=2"), 0);
	assert_null(form_get(&f, NULL));
	assert_int_equal(form_count(&f, NULL), 0);
	assert_string_equal(form_get(&f, "a"), "1");
	assert_string_equal(form_get(&f, "A"), "2");
	assert_null(form_get(&f, "a "));
	form_free(&f);
	assert_null(f.fields);
	assert_int_equal(f.nfields, 0);
	form_free(&f);

	/* A failed parse empties a form that held fields; a good one clears
	 * the message. */
	assert_int_equal(URL(&f, &lim, "a=1"), 0);
	expect_fail(&f, URL(&f, &lim, "a=%"), MSG_PERCENT);
	assert_int_equal(URL(&f, &lim, "b=2"), 0);
	assert_string_equal(f.error, "");
	assert_int_equal(f.nfields, 1);
	form_free(&f);
	form_free(&f);
}

static void
test_utf8_valid(void **state)
{
	(void)state;
	assert_true(form_utf8_valid(NULL, 0));
	assert_true(form_utf8_valid(LIT("plain ascii")));
	assert_true(form_utf8_valid(LIT("\0")));
	assert_true(form_utf8_valid(LIT("\xc2\x80\xdf\xbf")));
	assert_true(form_utf8_valid(LIT("\xe0\xa0\x80\xef\xbf\xbf")));
	assert_true(form_utf8_valid(LIT("\xed\x9f\xbf\xee\x80\x80")));
	assert_true(form_utf8_valid(LIT("\xf0\x90\x80\x80\xf4\x8f\xbf\xbf")));
	assert_false(form_utf8_valid(LIT("\x80")));
	assert_false(form_utf8_valid(LIT("\xbf")));
	assert_false(form_utf8_valid(LIT("\xc0\x80")));
	assert_false(form_utf8_valid(LIT("\xc1\xbf")));
	assert_false(form_utf8_valid(LIT("\xe0\x9f\xbf")));
	assert_false(form_utf8_valid(LIT("\xed\xa0\x80")));
	assert_false(form_utf8_valid(LIT("\xed\xbf\xbf")));
	assert_false(form_utf8_valid(LIT("\xf0\x8f\xbf\xbf")));
	assert_false(form_utf8_valid(LIT("\xf4\x90\x80\x80")));
	assert_false(form_utf8_valid(LIT("\xf8\x88\x80\x80\x80")));
	assert_false(form_utf8_valid(LIT("\xfe\xff")));
	assert_false(form_utf8_valid(LIT("a\xe2\x82")));
	assert_false(form_utf8_valid(LIT("\xf0\x9f\x98")));
	assert_false(form_utf8_valid(LIT("\xe2\x28\xa1")));
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_url_simple),
		cmocka_unit_test(test_url_decoding),
		cmocka_unit_test(test_url_repeated),
		cmocka_unit_test(test_url_many_fields),
		cmocka_unit_test(test_url_empty_pairs),
		cmocka_unit_test(test_url_key_without_value),
		cmocka_unit_test(test_url_bad_percent),
		cmocka_unit_test(test_url_bad_utf8),
		cmocka_unit_test(test_url_controls),
		cmocka_unit_test(test_url_crlf),
		cmocka_unit_test(test_url_limits),
		cmocka_unit_test(test_url_limit_messages),
		cmocka_unit_test(test_error_name_truncated),
		cmocka_unit_test(test_mp_text_and_files),
		cmocka_unit_test(test_mp_boundary_forms),
		cmocka_unit_test(test_mp_no_boundary),
		cmocka_unit_test(test_mp_final_boundary),
		cmocka_unit_test(test_mp_part_errors),
		cmocka_unit_test(test_mp_header_limit_edge),
		cmocka_unit_test(test_mp_headers_case),
		cmocka_unit_test(test_mp_filenames),
		cmocka_unit_test(test_filename_sanitise),
		cmocka_unit_test(test_mp_file_bytes),
		cmocka_unit_test(test_mp_preamble_epilogue),
		cmocka_unit_test(test_mp_text_rules),
		cmocka_unit_test(test_mp_empty_file_input),
		cmocka_unit_test(test_mp_limits),
		cmocka_unit_test(test_mp_big_file),
		cmocka_unit_test(test_parse_dispatch),
		cmocka_unit_test(test_lookups_and_free),
		cmocka_unit_test(test_utf8_valid),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
