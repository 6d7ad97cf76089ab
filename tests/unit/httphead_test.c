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
static const struct httphead_limits	lim = { 24, 100, 1000 };

static int	check(const char *);
static void	expect(const char *, int);

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
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
