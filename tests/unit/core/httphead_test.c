/*
 * Unit tests for src/core/httphead.c.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/httphead.h"

#define HOST		"Host: x\r\n"
#define GET(t)		"GET " t " HTTP/1.1\r\n" HOST "\r\n"
#define POST(t, h)	"POST " t " HTTP/1.1\r\n" HOST h "\r\n"

/* A request target of target_max bytes, and one over. */
#define T24		"/23456789012345678901234"
#define T25		T24 "5"

/* Small limits, so that the boundaries are short to write. */
#define HEAD_MAX	128
static const struct httphead_limits	lim = { HEAD_MAX, 24, 100, 1000 };

/* A target limit the head limit always comes before. */
static const struct httphead_limits	wide = { HEAD_MAX, 4096, 100, 1000 };

/* What the gate passes with Kore's defaults. */
static const struct httphead_limits	kore = { 4096, 1998, 1048576,
					    105906176 };

static int	check(const char *);
static void	expect(const char *, int);
static char	*padded(const char *, size_t, const char *);
static char	*sized(const char *, const char *, size_t);

static int
check(const char *s)
{
	struct httphead	h;

	return (httphead_check(&h, &lim, s, strlen(s)));
}

static void
expect(const char *s, int want)
{
	int	got;

	if ((got = check(s)) != want)
		fail_msg("%d, not %d, for \"%s\"", got, want, s);
}

/* start, pad bytes of 'a', end; the caller frees. */
static char *
padded(const char *start, size_t pad, const char *end)
{
	char	*s;
	size_t	 slen, elen;

	slen = strlen(start);
	elen = strlen(end);
	s = malloc(slen + pad + elen + 1);
	assert_non_null(s);
	memcpy(s, start, slen);
	memset(s + slen, 'a', pad);
	memcpy(s + slen + pad, end, elen + 1);

	return (s);
}

/* The same, padded to len bytes in all. */
static char *
sized(const char *start, const char *end, size_t len)
{
	size_t	 fixed;

	fixed = strlen(start) + strlen(end);
	assert_true(len >= fixed);
	return (padded(start, len - fixed, end));
}

static void
test_get(void **state)
{
	struct httphead	h;
	const char	*s = "GET /rules?a=1 HTTP/1.1\r\nHost: x\r\n"
			    "Accept: */*\r\n\r\n";

	(void)state;
	assert_int_equal(httphead_check(&h, &lim, s, strlen(s)), HTTPHEAD_OK);
	assert_int_equal(h.len, strlen(s));
	assert_int_equal(h.target_len, 10);
	assert_memory_equal(h.target, "/rules?a=1", 10);
	assert_int_equal(h.has_body, 0);
	assert_int_equal(h.content_length, 0);
}

static void
test_head_end(void **state)
{
	struct httphead	h;
	const char	*lf = "GET / HTTP/1.0\nHost: x\n\n";
	const char	*body = POST("/", "Content-Length: 3\r\n") "a=1";

	(void)state;
	/* Bare line feeds, as Kore takes them. */
	assert_int_equal(httphead_check(&h, &lim, lf, strlen(lf)),
	    HTTPHEAD_OK);
	assert_int_equal(h.len, strlen(lf));
	/* What follows the blank line is the body, not the head. */
	assert_int_equal(httphead_check(&h, &lim, body, strlen(body)),
	    HTTPHEAD_OK);
	assert_int_equal(h.len, strlen(body) - 3);
	assert_int_equal(h.content_length, 3);
	/* "\r\n\r\n" anywhere ends the head before an earlier "\n\n". */
	expect("GET / HTTP/1.1\nHost: x\n\nX: y\r\n\r\n", 400);
}

static void
test_methods(void **state)
{
	struct httphead	h;
	const char	*ok[] = { GET("/"), "HEAD / HTTP/1.1\r\n" HOST "\r\n",
			    "DELETE / HTTP/1.1\r\n" HOST "\r\n",
			    "OPTIONS / HTTP/1.1\r\n" HOST "\r\n" };
	const char	*body[] = { "POST", "PUT", "PATCH" };
	char		 buf[128];
	size_t		 i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(httphead_check(&h, &lim, ok[i],
		    strlen(ok[i])), HTTPHEAD_OK);
		assert_int_equal(h.has_body, 0);
	}
	for (i = 0; i < sizeof(body) / sizeof(body[0]); i++) {
		(void)snprintf(buf, sizeof(buf), "%s / HTTP/1.1\r\n" HOST
		    "\r\n", body[i]);
		expect(buf, 411);
		(void)snprintf(buf, sizeof(buf), "%s / HTTP/1.1\r\n" HOST
		    "Content-Length: 0\r\n\r\n", body[i]);
		assert_int_equal(httphead_check(&h, &lim, buf, strlen(buf)),
		    HTTPHEAD_OK);
		assert_int_equal(h.has_body, 1);
	}

	expect("FROB / HTTP/1.1\r\n" HOST "\r\n", 405);
	expect("get / HTTP/1.1\r\n" HOST "\r\n", 405);
	expect("GETS / HTTP/1.1\r\n" HOST "\r\n", 405);
	expect(" / HTTP/1.1\r\n" HOST "\r\n", 405);
	expect("CONNECT x:443 HTTP/1.1\r\n" HOST "\r\n", 405);
}

static void
test_request_line(void **state)
{
	(void)state;
	expect("GET\r\n" HOST "\r\n", 400);
	expect("GET /\r\n" HOST "\r\n", 400);
	expect("GET  HTTP/1.1\r\n" HOST "\r\n", 400);
	expect("GET nothing HTTP/1.1\r\n" HOST "\r\n", 400);
	expect("GET http://x/ HTTP/1.1\r\n" HOST "\r\n", 400);
	expect("GET / HTTP/9.9\r\n" HOST "\r\n", 400);
	expect("GET / HTTP/1.10\r\n" HOST "\r\n", 400);
	expect("GET / HTTP/1\r\n" HOST "\r\n", 400);
	expect("GET / HTTP/1.1 \r\n" HOST "\r\n", 400);
	expect("GET /a b HTTP/1.1\r\n" HOST "\r\n", 400);
	expect("\x01\x02\r\n\r\n", 400);
	expect("\r\n\r\n", 400);
	/* The version is not case-sensitive, in Kore either. */
	expect("GET / http/1.1\r\n" HOST "\r\n", HTTPHEAD_OK);
	expect("GET / HTTP/1.0\r\n" HOST "\r\n", HTTPHEAD_OK);
}

static void
test_target_limit(void **state)
{
	(void)state;
	/* target_max is 24 bytes, the query string included. */
	expect(GET(T24), HTTPHEAD_OK);
	expect(GET(T25), 414);
	expect(GET("/2345678?012345678901234"), HTTPHEAD_OK);
	expect(GET("/2345678?0123456789012345"), 414);
	/* A bad method is said first, a bad version after. */
	expect("FROB " T25 " HTTP/1.1\r\n" HOST "\r\n", 405);
	expect("GET " T25 " HTTP/9\r\n" HOST "\r\n", 414);
}

static void
test_header_lines(void **state)
{
	(void)state;
	expect("GET / HTTP/1.1\r\n" HOST "No colon here\r\n\r\n", 400);
	expect("GET / HTTP/1.1\r\n" HOST ": x\r\n\r\n", 400);
	expect("GET / HTTP/1.1\r\n" HOST "Cookie: \r\n\r\n", 400);
	expect("GET / HTTP/1.1\r\n" HOST "Cookie:\r\n\r\n", 400);
	expect("GET / HTTP/1.1\r\n" HOST "Cookie: \t \r\n\r\n", 400);
	expect("GET / HTTP/1.1\r\n" HOST "X: y\r\n\r\n", HTTPHEAD_OK);
	expect("GET / HTTP/1.1\r\n" HOST "X:y\r\n\r\n", HTTPHEAD_OK);
	expect("GET / HTTP/1.1\r\n" HOST "X: a:b\r\n\r\n", HTTPHEAD_OK);
}

static void
test_host(void **state)
{
	(void)state;
	expect("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400);
	expect("GET / HTTP/1.1\r\n\r\n", 400);
	expect("GET / HTTP/1.1\r\nHostname: x\r\n\r\n", 400);
	expect("GET / HTTP/1.1\r\nX-Host: x\r\n\r\n", 400);
	expect("GET / HTTP/1.1\r\nhOsT:x\r\n\r\n", HTTPHEAD_OK);
	expect("GET / HTTP/1.1\r\nA: b\r\nHost: x\r\n\r\n", HTTPHEAD_OK);
	/* The request line is judged first. */
	expect("FROB / HTTP/1.1\r\n\r\n", 405);
}

static void
test_body(void **state)
{
	struct httphead	h;
	const char	*s = POST("/login", "Content-Length: 100\r\n");

	(void)state;
	assert_int_equal(httphead_check(&h, &lim, s, strlen(s)), HTTPHEAD_OK);
	assert_int_equal(h.content_length, 100);
	assert_int_equal(h.body_max, 100);

	expect(POST("/login", "Content-Length: 101\r\n"), 413);
	expect(POST("/login", "content-length:7\r\n"), HTTPHEAD_OK);
	expect(POST("/login", ""), 411);
	expect(POST("/login", "Transfer-Encoding: chunked\r\n"), 411);
	expect(POST("/login", "Content-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n"), 411);
	expect(POST("/login", "Content-Length: 12x\r\n"), 400);
	expect(POST("/login", "Content-Length: -1\r\n"), 400);
	expect(POST("/login", "Content-Length: +1\r\n"), 400);
	expect(POST("/login", "Content-Length: 1 2\r\n"), 400);
	expect(POST("/login", "Content-Length: 5000000000\r\n"), 413);
	/* 19 digits are read; more are too many whatever they say. */
	expect(POST("/login", "Content-Length: 0000000000000000099\r\n"),
	    HTTPHEAD_OK);
	expect(POST("/login", "Content-Length: 00000000000000000001\r\n"),
	    413);
	expect(POST("/login", "Content-Length: 9999999999999999999\r\n"),
	    413);
	/* A GET's Content-Length is Kore's business. */
	expect("GET / HTTP/1.1\r\n" HOST "Content-Length: x\r\n\r\n",
	    HTTPHEAD_OK);
}

static void
test_upload_limit(void **state)
{
	struct httphead	h;
	const char	*s = POST("/applications/12/files",
			    "Content-Length: 1000\r\n");

	(void)state;
	assert_int_equal(httphead_check(&h, &lim, s, strlen(s)), HTTPHEAD_OK);
	assert_int_equal(h.body_max, 1000);
	assert_int_equal(h.content_length, 1000);

	expect(POST("/applications/12/files", "Content-Length: 1001\r\n"),
	    413);
	expect(POST("/applications/1/files", "Content-Length: 101\r\n"),
	    HTTPHEAD_OK);
	/* Only that exact target: anything else is a form. */
	expect(POST("/applications//files", "Content-Length: 101\r\n"), 413);
	expect(POST("/applications/1a/files", "Content-Length: 101\r\n"),
	    413);
	expect(POST("/applications/1/files?", "Content-Length: 101\r\n"),
	    413);
	expect(POST("/applications/1/files/", "Content-Length: 101\r\n"),
	    413);
	expect(POST("/applications/files", "Content-Length: 101\r\n"), 413);
	expect(POST("/x/applications/1/files", "Content-Length: 101\r\n"),
	    413);
}

/* No verdict before the blank line, however the bytes were split. */
static void
test_split(void **state)
{
	const char	*heads[] = {
		POST("/applications/1/files", "Content-Length: 1000\r\n"),
		POST("/login", "Content-Length: 1001\r\n"),
		"FROB / HTTP/1.1\r\n\r\n",
		GET(T25),
	};
	struct httphead	 h;
	size_t		 i, k, len;
	int		 full;

	(void)state;
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		len = strlen(heads[i]);
		full = httphead_check(&h, &lim, heads[i], len);
		assert_int_not_equal(full, HTTPHEAD_MORE);
		for (k = 0; k < len; k++) {
			assert_int_equal(httphead_check(&h, &lim, heads[i], k),
			    HTTPHEAD_MORE);
		}
		assert_int_equal(httphead_check(&h, &lim, heads[i], len),
		    full);
	}
}

/* A head of head_max bytes fits; one byte more does not. */
static void
test_head_max(void **state)
{
	struct httphead	 h;
	char		*s;

	(void)state;
	s = sized("GET / HTTP/1.1\r\nHost: x\r\nX: ", "\r\n\r\n", HEAD_MAX);
	assert_int_equal(httphead_check(&h, &lim, s, HEAD_MAX), HTTPHEAD_OK);
	assert_int_equal(h.len, HEAD_MAX);
	free(s);

	s = sized("GET / HTTP/1.1\r\nHost: x\r\nX: ", "\n\n", HEAD_MAX);
	assert_int_equal(httphead_check(&h, &lim, s, HEAD_MAX), HTTPHEAD_OK);
	free(s);

	s = sized("GET / HTTP/1.1\r\nHost: x\r\nX: ", "\r\n\r\n", HEAD_MAX + 1);
	assert_int_equal(httphead_check(&h, &lim, s, HEAD_MAX - 1),
	    HTTPHEAD_MORE);
	assert_int_equal(httphead_check(&h, &lim, s, HEAD_MAX), 431);
	/* What lies beyond head_max is never looked at. */
	assert_int_equal(httphead_check(&h, &lim, s, HEAD_MAX + 1), 431);
	free(s);
}

/* A request line that has not ended within head_max is too long. */
static void
test_line_too_long(void **state)
{
	struct httphead	 h;
	char		*s;

	(void)state;
	s = sized("GET /", "", HEAD_MAX);
	assert_int_equal(httphead_check(&h, &wide, s,
	    HEAD_MAX - 1), HTTPHEAD_MORE);
	assert_int_equal(httphead_check(&h, &wide, s, HEAD_MAX), 414);
	free(s);

	/* It ends with the last byte: the header lines are what is long. */
	s = sized("GET /", " HTTP/1.1\r\n", HEAD_MAX);
	assert_int_equal(httphead_check(&h, &wide, s, HEAD_MAX), 431);
	free(s);

	/* Its version goes on and on. */
	s = sized("GET / HTTP/1.1", "", HEAD_MAX);
	assert_int_equal(httphead_check(&h, &wide, s, HEAD_MAX), 414);
	free(s);

	/* What is already wrong with its start is said. */
	s = sized("FROB /", "", HEAD_MAX);
	assert_int_equal(httphead_check(&h, &wide, s, HEAD_MAX), 405);
	free(s);
	s = sized("", "", HEAD_MAX);
	assert_int_equal(httphead_check(&h, &wide, s, HEAD_MAX), 400);
	free(s);
	s = sized("GET ", "", HEAD_MAX);
	assert_int_equal(httphead_check(&h, &wide, s, HEAD_MAX), 400);
	free(s);
	/* An ended one is judged whole: its target is too long. */
	s = sized("GET /", " HTTP/1.1\r\nHost: x\r\n", HEAD_MAX);
	assert_int_equal(httphead_check(&h, &lim, s, HEAD_MAX), 414);
	free(s);
}

/* The header lines are too long: one of them, or all together. */
static void
test_headers_too_large(void **state)
{
	struct httphead	 h;
	char		*s;

	(void)state;
	s = sized("GET / HTTP/1.1\r\nHost: x\r\nCookie: ", "", HEAD_MAX);
	assert_int_equal(httphead_check(&h, &lim, s, HEAD_MAX), 431);
	free(s);

	s = malloc(HEAD_MAX + 1);
	assert_non_null(s);
	(void)snprintf(s, HEAD_MAX + 1, "GET / HTTP/1.1\r\n");
	while (strlen(s) + 6 <= HEAD_MAX)
		(void)strcat(s, "X: y\r\n");
	assert_int_equal(httphead_check(&h, &lim, s, strlen(s)), HTTPHEAD_MORE);
	(void)strncat(s, "X: y\r\n", HEAD_MAX - strlen(s));
	assert_int_equal(strlen(s), HEAD_MAX);
	assert_int_equal(httphead_check(&h, &lim, s, HEAD_MAX), 431);
	free(s);

	/* A bad method still comes first. */
	s = sized("FROB / HTTP/1.1\r\nX: ", "", HEAD_MAX);
	assert_int_equal(httphead_check(&h, &lim, s, HEAD_MAX), 405);
	free(s);
}

/* The two heads the HTTP tests send, against Kore's default sizes. */
static void
test_kore_sizes(void **state)
{
	struct httphead	 h;
	char		*s;

	(void)state;
	s = padded("GET /", 10000, " HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(httphead_check(&h, &kore, s, strlen(s)), 414);
	free(s);

	s = padded("GET / HTTP/1.1\r\nHost: x\r\nX-Big: ", 20000, "\r\n\r\n");
	assert_int_equal(httphead_check(&h, &kore, s, strlen(s)), 431);
	free(s);

	/* The longest target Kore takes still gets through. */
	s = padded("GET /", 1997, " HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(httphead_check(&h, &kore, s, strlen(s)), HTTPHEAD_OK);
	assert_int_equal(h.target_len, 1998);
	free(s);
	s = padded("GET /", 1998, " HTTP/1.1\r\nHost: x\r\n\r\n");
	assert_int_equal(httphead_check(&h, &kore, s, strlen(s)), 414);
	free(s);
}

/* Until head_max, no verdict without the blank line; at it, one. */
static void
test_split_too_large(void **state)
{
	struct httphead	 h;
	char		*s;
	size_t		 k;

	(void)state;
	s = sized("GET / HTTP/1.1\r\nHost: x\r\nX: ", "\r\n\r\n", 2 * HEAD_MAX);
	for (k = 0; k < HEAD_MAX; k++) {
		assert_int_equal(httphead_check(&h, &lim, s, k),
		    HTTPHEAD_MORE);
	}
	for (k = HEAD_MAX; k <= 2 * HEAD_MAX; k++)
		assert_int_equal(httphead_check(&h, &lim, s, k), 431);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_head_end),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_request_line),
		cmocka_unit_test(test_target_limit),
		cmocka_unit_test(test_header_lines),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_body),
		cmocka_unit_test(test_upload_limit),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_head_max),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_headers_too_large),
		cmocka_unit_test(test_kore_sizes),
		cmocka_unit_test(test_split_too_large),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
