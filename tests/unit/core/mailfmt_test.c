/*
 * Unit tests for src/core/mailfmt.c: the message laurelctl mail sends.
 * Long headers and bodies are checked by decoding them back, not only
 * by comparing bytes, so a change of folding that stays correct passes.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/form.h"
#include "core/mailfmt.h"

#define FROM		"Laurel <noreply@laurel.test>"
#define TO		"ana@example.org"
#define T_2025		1764064923	/* Tue, 25 Nov 2025 10:02:03 UTC */
#define SUBJ_FR		"V\xc3\xa9rification de votre compte \xe2\x80\x94 Laurel"

static char	*build(const char *, const char *, const char *,
		    const char *);
static void	 refused(const char *, const char *, const char *,
		    const char *, const char *);
static char	*header(const char *, const char *);
static char	*unfold(const char *);
static char	*ew_decode(const char *);
static char	*qp_decode(const char *);
static const char	*body_of(const char *);
static void	 lines_within(const char *, size_t);

static void	 test_whole_message(void **);
static void	 test_subject_utf8(void **);
static void	 test_subject_long_ascii(void **);
static void	 test_subject_long_utf8(void **);
static void	 test_subject_unfoldable(void **);
static void	 test_subject_encoded_word_lookalike(void **);
static void	 test_injection_refused(void **);
static void	 test_invalid_utf8_refused(void **);
static void	 test_body_newlines(void **);
static void	 test_body_qp(void **);
static void	 test_body_long_lines(void **);
static void	 test_body_leading_dots(void **);
static void	 test_from_forms(void **);
static void	 test_addr_valid(void **);
static void	 test_mailbox_parse(void **);
static void	 test_first_url(void **);
static void	 test_date(void **);

static char *
build(const char *from, const char *to, const char *subject,
    const char *body)
{
	struct mailfmt	 m;
	const char	*why;
	char		*out;
	size_t		 len;

	m.from = from;
	m.to = to;
	m.subject = subject;
	m.body = body;
	m.date = T_2025;
	m.msgid = "0123abcd";
	why = NULL;
	out = mailfmt_build(&m, &len, &why);
	if (out == NULL)
		fail_msg("refused: %s", why);
	assert_int_equal(len, strlen(out));
	assert_true(form_utf8_valid(out, len));

	return (out);
}

static void
refused(const char *from, const char *to, const char *subject,
    const char *body, const char *expect)
{
	struct mailfmt	 m;
	const char	*why;
	size_t		 len;

	m.from = from;
	m.to = to;
	m.subject = subject;
	m.body = body;
	m.date = T_2025;
	m.msgid = "x";
	why = NULL;
	assert_null(mailfmt_build(&m, &len, &why));
	assert_non_null(why);
	assert_string_equal(why, expect);
}

/* The raw (still folded) value of a header, from the header block only. */
static char *
header(const char *msg, const char *name)
{
	const char	*p, *end, *hdrs_end;
	size_t		 n;
	char		*v;

	n = strlen(name);
	hdrs_end = strstr(msg, "\r\n\r\n");
	assert_non_null(hdrs_end);
	for (p = msg; p < hdrs_end; p = strstr(p, "\r\n") + 2) {
		if (strncmp(p, name, n) == 0 && p[n] == ':' && p[n + 1] == ' ')
			break;
	}
	assert_true(p < hdrs_end);
	p += n + 2;
	for (end = p; ; end += 2) {
		end = strstr(end, "\r\n");
		if (end[2] != ' ' && end[2] != '\t')
			break;
	}
	if ((v = strndup(p, end - p)) == NULL)
		abort();

	return (v);
}

/* RFC 5322 unfolding: a CRLF followed by whitespace is removed. */
static char *
unfold(const char *s)
{
	char		*out, *o;

	if ((out = strdup(s)) == NULL)
		abort();
	for (o = out; *s != '\0'; s++) {
		if (s[0] == '\r' && s[1] == '\n') {
			s++;
			continue;
		}
		*o++ = *s;
	}
	*o = '\0';

	return (out);
}

static int
b64_val(int c)
{
	const char	*t, *p;

	t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if ((p = strchr(t, c)) == NULL || c == '\0')
		return (-1);
	return (p - t);
}

/*
 * The folded value as a sequence of encoded-words: each at most 75
 * characters and holding whole UTF-8 characters; returns their text.
 */
static char *
ew_decode(const char *v)
{
	char		*out;
	const char	*p, *end;
	size_t		 o, start;
	uint32_t	 acc;
	int		 bits, d;

	if ((out = calloc(1, strlen(v) + 1)) == NULL)
		abort();
	o = 0;
	for (p = v; *p != '\0'; p = end + 2) {
		while (*p == ' ' || *p == '\r' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		assert_memory_equal(p, "=?UTF-8?B?", 10);
		end = strstr(p + 10, "?=");
		assert_non_null(end);
		assert_true(end + 2 - p <= 75);
		start = o;
		acc = 0;
		bits = 0;
		for (p += 10; p < end && *p != '='; p++) {
			assert_true((d = b64_val(*p)) >= 0);
			acc = (acc << 6) | d;
			if ((bits += 6) >= 8) {
				bits -= 8;
				out[o++] = (acc >> bits) & 0xff;
			}
		}
		assert_true(form_utf8_valid(out + start, o - start));
	}
	out[o] = '\0';

	return (out);
}

static int
hex_val(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	fail_msg("bad hex digit %c in quoted-printable", c);
	return (-1);
}

/* Quoted-printable back to text with CRLF line ends. */
static char *
qp_decode(const char *s)
{
	char		*out;
	size_t		 o;

	if ((out = calloc(1, strlen(s) + 1)) == NULL)
		abort();
	for (o = 0; *s != '\0'; s++) {
		if (s[0] == '=' && s[1] == '\r' && s[2] == '\n') {
			s += 2;
			continue;
		}
		if (s[0] == '=') {
			out[o++] = hex_val(s[1]) << 4 | hex_val(s[2]);
			s += 2;
			continue;
		}
		out[o++] = *s;
	}

	return (out);
}

static const char *
body_of(const char *msg)
{
	const char	*p;

	assert_non_null(p = strstr(msg, "\r\n\r\n"));
	return (p + 4);
}

/* Every line CRLF-terminated, no bare CR or LF, none longer than max. */
static void
lines_within(const char *s, size_t max)
{
	const char	*p, *eol;

	for (p = s; *p != '\0'; p = eol + 2) {
		eol = strstr(p, "\r\n");
		assert_non_null(eol);
		assert_null(memchr(p, '\n', eol - p));
		assert_null(memchr(p, '\r', eol - p));
		if ((size_t)(eol - p) > max)
			fail_msg("line of %zu > %zu: %.*s", (size_t)(eol - p),
			    max, (int)(eol - p), p);
	}
}

static void
test_whole_message(void **state)
{
	char		*m;

	(void)state;
	m = build(FROM, TO, "Verify your account", "Hello,\n\n"
	    "open https://laurel.test/verify?t=abc to verify.\n");
	assert_string_equal(m,
	    "Date: Tue, 25 Nov 2025 10:02:03 +0000\r\n"
	    "Message-ID: <0123abcd@laurel.test>\r\n"
	    "From: Laurel <noreply@laurel.test>\r\n"
	    "To: ana@example.org\r\n"
	    "Subject: Verify your account\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "\r\n"
	    "Hello,\r\n"
	    "\r\n"
	    "open https://laurel.test/verify?t=3Dabc to verify.\r\n");
	free(m);
}

static void
test_subject_utf8(void **state)
{
	char		*m, *v, *d;

	(void)state;
	m = build(FROM, TO, SUBJ_FR, "x");
	v = header(m, "Subject");
	assert_string_equal(v, "=?UTF-8?B?VsOpcmlmaWNhdGlvbiBkZSB2b3RyZSBj"
	    "b21wdGUg4oCUIExhdXJlbA==?=");
	d = ew_decode(v);
	assert_string_equal(d, SUBJ_FR);
	free(d);
	free(v);
	free(m);
}

static void
test_subject_long_ascii(void **state)
{
	const char	*s;
	char		*m, *v, *u;

	(void)state;
	s = "Reminder: 3 applications in round Precision Health 2026 await "
	    "your review before the  deadline of 15 March 2026, 23:59 CET "
	    "(Brussels time), please sign in";
	m = build(FROM, TO, s, "x");
	lines_within(m, MAILFMT_LINE_MAX);
	v = header(m, "Subject");
	assert_non_null(strstr(v, "\r\n "));	/* folded */
	assert_null(strstr(v, "=?"));		/* and still plain */
	u = unfold(v);
	assert_string_equal(u, s);
	free(u);
	free(v);
	free(m);
}

static void
test_subject_long_utf8(void **state)
{
	char		 s[600];
	char		*m, *v, *d;
	int		 i;

	(void)state;
	s[0] = '\0';
	for (i = 0; i < 12; i++)
		strcat(s, SUBJ_FR " ");
	strcat(s, "\xf0\x9f\x8f\x86");		/* a 4-byte character */
	m = build(FROM, TO, s, "x");
	lines_within(m, MAILFMT_LINE_MAX);
	v = header(m, "Subject");
	d = ew_decode(v);
	assert_string_equal(d, s);
	free(d);
	free(v);
	free(m);
}

static void
test_subject_unfoldable(void **state)
{
	char		 s[200];
	char		*m, *v, *d;

	(void)state;
	memset(s, 'w', 150);
	memcpy(s, "Link ", 5);
	s[150] = '\0';
	m = build(FROM, TO, s, "x");
	lines_within(m, MAILFMT_LINE_MAX);
	v = header(m, "Subject");
	d = ew_decode(v);
	assert_string_equal(d, s);
	free(d);
	free(v);
	free(m);
}

static void
test_subject_encoded_word_lookalike(void **state)
{
	char		*m, *v, *d;

	(void)state;
	m = build(FROM, TO, "=?UTF-8?B?SGk=?=", "x");
	v = header(m, "Subject");
	d = ew_decode(v);
	assert_string_equal(d, "=?UTF-8?B?SGk=?=");
	free(d);
	free(v);
	free(m);
}

static void
test_injection_refused(void **state)
{
	(void)state;
	refused(FROM, TO, "Hi\r\nBcc: eve@example.org", "x",
	    "the subject contains a line break");
	refused(FROM, TO, "Hi\nBcc: eve@example.org", "x",
	    "the subject contains a line break");
	refused(FROM, TO, "Hi\rBcc: eve@example.org", "x",
	    "the subject contains a line break");
	refused(FROM, TO, "Hi \x1b[31mred", "x",
	    "the subject contains a control character");
	refused(FROM, "ana@example.org\r\nBcc: eve@example.org", "Hi", "x",
	    "the recipient address is malformed");
	refused(FROM, "ana@example.org>, <eve@example.org", "Hi", "x",
	    "the recipient address is malformed");
	refused("Laurel <a@b.c>\r\nBcc: eve@example.org", TO, "Hi", "x",
	    "the sender is not a valid mailbox");
	refused("Lau\nrel <a@b.c>", TO, "Hi", "x",
	    "the sender is not a valid mailbox");
}

static void
test_invalid_utf8_refused(void **state)
{
	(void)state;
	refused(FROM, TO, "caf\xc3", "x", "the subject is not valid UTF-8");
	refused(FROM, TO, "\xc0\xaf", "x", "the subject is not valid UTF-8");
	refused(FROM, TO, "\xed\xa0\x80", "x",
	    "the subject is not valid UTF-8");
	refused(FROM, TO, "ok", "bad \xff byte", "the body is not valid UTF-8");
	refused(FROM, TO, "ok", "cut \xe2\x80", "the body is not valid UTF-8");
}

static void
test_body_newlines(void **state)
{
	char		*m;

	(void)state;
	m = build(FROM, TO, "s", "lf\ncrlf\r\ncr\rend");
	assert_string_equal(body_of(m), "lf\r\ncrlf\r\ncr\r\nend\r\n");
	free(m);

	m = build(FROM, TO, "s", "ends with newline\n\n");
	assert_string_equal(body_of(m), "ends with newline\r\n\r\n");
	free(m);

	m = build(FROM, TO, "s", "");
	assert_string_equal(body_of(m), "");
	free(m);
}

static void
test_body_qp(void **state)
{
	char		*m;

	(void)state;
	m = build(FROM, TO, "s", "a=b caf\xc3\xa9 \n"
	    "trailing tab\t\nin the\tmiddle\n");
	assert_string_equal(body_of(m), "a=3Db caf=C3=A9=20\r\n"
	    "trailing tab=09\r\nin the\tmiddle\r\n");
	free(m);
}

static void
test_body_long_lines(void **state)
{
	char		 body[1200], expect[1300];
	char		*m, *d;
	int		 i;

	(void)state;
	body[0] = '\0';
	for (i = 0; i < 20; i++)
		strcat(body, "D\xc3\xa9p\xc3\xb4t ");	/* encoded chars straddle breaks */
	strcat(body, "https://laurel.test/verify?token=");
	for (i = 0; i < 12; i++)
		strcat(body, "0123456789abcdef");
	strcat(body, "\nshort\n");

	m = build(FROM, TO, "s", body);
	lines_within(m, MAILFMT_LINE_MAX);
	lines_within(body_of(m), MAILFMT_QP_MAX);
	d = qp_decode(body_of(m));
	(void)snprintf(expect, sizeof(expect), "%.*s\r\nshort\r\n",
	    (int)(strlen(body) - 7), body);
	assert_string_equal(d, expect);
	free(d);
	free(m);
}

static void
test_body_leading_dots(void **state)
{
	char		 body[200];
	char		*m, *d;
	const char	*b, *p;

	(void)state;
	m = build(FROM, TO, "s", ".\n..x\nmid.dle\n");
	assert_string_equal(body_of(m), "=2E\r\n=2E.x\r\nmid.dle\r\n");
	free(m);

	/* A dot pushed to the start of a line by a soft break. */
	memset(body, 'a', 75);
	strcpy(body + 75, ".b");
	m = build(FROM, TO, "s", body);
	b = body_of(m);
	for (p = b; (p = strstr(p, "\r\n")) != NULL; p += 2)
		assert_true(p[2] != '.');
	assert_true(b[0] != '.');
	d = qp_decode(b);
	assert_memory_equal(d, body, 77);
	assert_string_equal(d + 77, "\r\n");
	free(d);
	free(m);
}

static void
test_from_forms(void **state)
{
	char		*m, *v, *d;

	(void)state;
	m = build("noreply@laurel.test", TO, "s", "x");
	v = header(m, "From");
	assert_string_equal(v, "noreply@laurel.test");
	free(v);
	free(m);

	m = build("Laurel, Awards <noreply@laurel.test>", TO, "s", "x");
	v = header(m, "From");
	assert_string_equal(v, "\"Laurel, Awards\" <noreply@laurel.test>");
	free(v);
	free(m);

	m = build("Prix Laur\xc3\xa9l <noreply@laurel.test>", TO, "s", "x");
	v = header(m, "From");
	assert_string_equal(v, "=?UTF-8?B?UHJpeCBMYXVyw6ls?= "
	    "<noreply@laurel.test>");
	assert_non_null(strstr(v, " <"));
	*strstr(v, " <") = '\0';
	d = ew_decode(v);
	assert_string_equal(d, "Prix Laur\xc3\xa9l");
	free(d);
	free(v);
	free(m);
}

static void
test_addr_valid(void **state)
{
	static const char	*good[] = {
		"a@b.c", "ana.maria+laurel@example.org", "x@localhost",
		"o'brien@ex-ample.co.uk", "!#$%&'*+-/=?^_`{|}~@x.y",
	};
	static const char	*bad[] = {
		"", "a", "a@", "@b.c", "a@@b.c", "a b@c.d", "a@b c.d",
		".a@b.c", "a.@b.c", "a..b@c.d", "a@b..c", "a@.b.c", "a@b.c.",
		"a@-b.c", "a@b-.c", "\"a\"@b.c", "a@[127.0.0.1]",
		"ana@exampl\xc3\xa9.org", "<a@b.c>", "a@b.c\n", "a@b@c.d",
	};
	char			 longer[300];
	size_t			 i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!mailfmt_addr_valid(good[i]))
			fail_msg("refused %s", good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (mailfmt_addr_valid(bad[i]))
			fail_msg("accepted %s", bad[i]);
	}

	memset(longer, 'a', 65);
	strcpy(longer + 65, "@b.c");
	assert_false(mailfmt_addr_valid(longer));
	/* Labels of 62 are fine, 3 of them too; 4 make 257 characters. */
	strcpy(longer, "a@");
	for (i = 0; i < 4; i++) {
		memset(longer + strlen(longer), 'b', 62);
		strcpy(longer + 2 + (i + 1) * 63 - 1, ".");
		strcpy(longer + 2 + (i + 1) * 63, "com");
		if (i < 3)
			assert_true(mailfmt_addr_valid(longer));
	}
	assert_int_equal(strlen(longer), 257);
	assert_false(mailfmt_addr_valid(longer));
}

static void
test_mailbox_parse(void **state)
{
	struct mailfmt_mailbox	 mb;

	(void)state;
	assert_int_equal(mailfmt_mailbox_parse("Laurel <noreply@localhost>",
	    &mb), 0);
	assert_string_equal(mb.name, "Laurel");
	assert_string_equal(mb.addr, "noreply@localhost");

	assert_int_equal(mailfmt_mailbox_parse("  \"Laurel Awards\"  <a@b.c>",
	    &mb), 0);
	assert_string_equal(mb.name, "Laurel Awards");
	assert_string_equal(mb.addr, "a@b.c");

	assert_int_equal(mailfmt_mailbox_parse("<a@b.c>", &mb), 0);
	assert_string_equal(mb.name, "");
	assert_string_equal(mb.addr, "a@b.c");

	assert_int_equal(mailfmt_mailbox_parse("a@b.c", &mb), 0);
	assert_string_equal(mb.addr, "a@b.c");

	assert_int_equal(mailfmt_mailbox_parse("Laurel <a@b.c", &mb), -1);
	assert_int_equal(mailfmt_mailbox_parse("Laurel a@b.c>", &mb), -1);
	assert_int_equal(mailfmt_mailbox_parse("La<urel <a@b.c>", &mb), -1);
	assert_int_equal(mailfmt_mailbox_parse("La\"urel <a@b.c>", &mb), -1);
	assert_int_equal(mailfmt_mailbox_parse("Laurel <>", &mb), -1);
	assert_int_equal(mailfmt_mailbox_parse("", &mb), -1);
	assert_int_equal(mailfmt_mailbox_parse("Laurel", &mb), -1);
}

static void
test_first_url(void **state)
{
	const char	*u;
	size_t		 len;

	(void)state;
	u = mailfmt_first_url("Hello,\n\nopen https://laurel.test/v?t=ab_C-9."
	    "\nor http://other.test/", &len);
	assert_non_null(u);
	assert_int_equal(len, strlen("https://laurel.test/v?t=ab_C-9"));
	assert_memory_equal(u, "https://laurel.test/v?t=ab_C-9", len);

	u = mailfmt_first_url("(see HTTP://x.test/a)", &len);
	assert_non_null(u);
	assert_memory_equal(u, "HTTP://x.test/a", len);
	assert_int_equal(len, 15);

	u = mailfmt_first_url("<http://x.test/b>", &len);
	assert_non_null(u);
	assert_int_equal(len, 15);

	assert_null(mailfmt_first_url("no link, ftp://x.test/ and "
	    "xhttps://y.test/ and https:// alone", &len));
}

static void
test_date(void **state)
{
	struct mailfmt	 m;
	const char	*why;
	char		*out, *v;
	size_t		 len;

	(void)state;
	m.from = FROM;
	m.to = TO;
	m.subject = "s";
	m.body = "x";
	m.date = 1704067199;
	m.msgid = "id";
	out = mailfmt_build(&m, &len, &why);
	assert_non_null(out);
	v = header(out, "Date");
	assert_string_equal(v, "Sun, 31 Dec 2023 23:59:59 +0000");
	free(v);
	free(out);

	m.msgid = "bad id";
	assert_null(mailfmt_build(&m, &len, &why));
	assert_string_equal(why, "the Message-ID is malformed");
	m.msgid = "<id>";
	assert_null(mailfmt_build(&m, &len, &why));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole_message),
		cmocka_unit_test(test_subject_utf8),
		cmocka_unit_test(test_subject_long_ascii),
		cmocka_unit_test(test_subject_long_utf8),
		cmocka_unit_test(test_subject_unfoldable),
		cmocka_unit_test(test_subject_encoded_word_lookalike),
		cmocka_unit_test(test_injection_refused),
		cmocka_unit_test(test_invalid_utf8_refused),
		cmocka_unit_test(test_body_newlines),
		cmocka_unit_test(test_body_qp),
		cmocka_unit_test(test_body_long_lines),
		cmocka_unit_test(test_body_leading_dots),
		cmocka_unit_test(test_from_forms),
		cmocka_unit_test(test_addr_valid),
		cmocka_unit_test(test_mailbox_parse),
		cmocka_unit_test(test_first_url),
		cmocka_unit_test(test_date),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
