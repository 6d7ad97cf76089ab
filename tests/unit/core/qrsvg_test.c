/*
 * Unit tests for src/core/qrsvg.c.  The path is read back into a module
 * grid and compared with what libqrencode itself gives for the same text,
 * which checks every module without needing a QR decoder.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <qrencode.h>

#include "core/qrsvg.h"

#define HEAD_FMT	"<svg xmlns=\"http://www.w3.org/2000/svg\" " \
    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" " \
    "aria-label=\"QR code for setting up the authenticator app\" " \
    "shape-rendering=\"crispEdges\"><rect width=\"100%%\" " \
    "height=\"100%%\" fill=\"#fff\"/><path fill=\"#000\" d=\""
#define TAIL		"\"/></svg>"

#define URI		"otpauth://totp/Laurel:jane%40example.org?secret=" \
    "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Laurel&algorithm=SHA1" \
    "&digits=6&period=30"

static void	 check_svg(const char *, int);
static void	 test_known_size(void **);
static void	 test_uri_modules(void **);
static void	 test_markup_safe(void **);
static void	 test_largest(void **);
static void	 test_errors(void **);

/*
 * Checks the markup of text's symbol, which must be version-wide
 * modules (0: whatever libqrencode picks), against libqrencode.
 */
static void
check_svg(const char *text, int want_width)
{
	QRcode		*qr;
	char		 head[512], *svg;
	const char	*p, *end;
	unsigned char	*grid;
	size_t		 len, hlen;
	int		 n, w, x, y, h, h2, k, used, ndark;

	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	assert_non_null(qr);
	w = qr->width;
	if (want_width != 0)
		assert_int_equal(w, want_width);
	n = w + 2 * QRSVG_QUIET;

	len = 0;
	svg = qrsvg_render(text, &len);
	assert_non_null(svg);
	assert_int_equal(strlen(svg), len);

	snprintf(head, sizeof(head), HEAD_FMT, n, n, n * QRSVG_SCALE,
	    n * QRSVG_SCALE);
	hlen = strlen(head);
	assert_true(len > hlen + strlen(TAIL));
	assert_memory_equal(svg, head, hlen);
	assert_string_equal(svg + len - strlen(TAIL), TAIL);

	/* Paint the path's rectangles; each module at most once. */
	grid = calloc((size_t)n * n, 1);
	assert_non_null(grid);
	end = svg + len - strlen(TAIL);
	ndark = 0;
	for (p = svg + hlen; p < end; p += used) {
		used = 0;
		assert_int_equal(sscanf(p, "M%d %dh%dv1h-%dz%n", &x, &y, &h,
		    &h2, &used), 4);
		assert_true(used > 0);
		assert_int_equal(h, h2);
		assert_true(h >= 1);
		assert_true(x >= QRSVG_QUIET && x + h <= n - QRSVG_QUIET);
		assert_true(y >= QRSVG_QUIET && y < n - QRSVG_QUIET);
		for (k = 0; k < h; k++) {
			assert_int_equal(grid[y * n + x + k], 0);
			grid[y * n + x + k] = 1;
			ndark++;
		}
	}
	assert_true(p == end);

	for (y = 0; y < w; y++) {
		for (x = 0; x < w; x++) {
			assert_int_equal(grid[(y + QRSVG_QUIET) * n + x +
			    QRSVG_QUIET], qr->data[y * w + x] & 1);
		}
	}
	assert_true(ndark > 0);

	free(grid);
	free(svg);
	QRcode_free(qr);
}

static void
test_known_size(void **state)
{
	(void)state;
	/* Version 1 is 21 modules, so 29 with the quiet zone. */
	check_svg("01234567", 21);
	check_svg("A", 21);
	/* 32 bytes at level M need version 3: 29 modules. */
	check_svg("abcdefghijklmnopqrstuvwxyz012345", 29);
}

static void
test_uri_modules(void **state)
{
	QRcode	*qr;

	(void)state;
	check_svg(URI, 0);

	/* A typical set-up URI stays small enough to scan from a screen. */
	qr = QRcode_encodeString(URI, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	assert_non_null(qr);
	print_message("# URI of %zu bytes: version %d\n", strlen(URI),
	    qr->version);
	assert_true(qr->version <= 8);
	QRcode_free(qr);
}

static void
test_markup_safe(void **state)
{
	char	*svg;
	size_t	 len;

	(void)state;
	svg = qrsvg_render("<script>alert(1)</script>\"'&", &len);
	assert_non_null(svg);
	assert_null(strstr(svg, "script"));
	assert_null(strstr(svg, "style"));
	assert_null(strstr(svg, "alert"));
	assert_null(strstr(svg, "href"));
	assert_null(strchr(svg, '\''));
	assert_null(strchr(svg, '&'));
	assert_int_equal(strncmp(svg, "<svg ", 5), 0);
	free(svg);

	/* len may be NULL. */
	svg = qrsvg_render("x", NULL);
	assert_non_null(svg);
	free(svg);
}

static void
test_largest(void **state)
{
	char	*text, *svg;
	int	 i;

	(void)state;
	/* Version 40-M holds 2331 bytes: 177 modules. */
	text = malloc(2332);
	assert_non_null(text);
	for (i = 0; i < 2331; i++)
		text[i] = "qrsvg!#~"[i % 8];
	text[2331] = '\0';
	check_svg(text, 177);

	free(text);
	text = malloc(2400);
	assert_non_null(text);
	memset(text, '~', 2399);
	text[2399] = '\0';
	errno = 0;
	svg = qrsvg_render(text, NULL);
	assert_null(svg);
	assert_int_equal(errno, ERANGE);
	free(text);
}

static void
test_errors(void **state)
{
	size_t	len;

	(void)state;
	len = 7;
	assert_null(qrsvg_render(NULL, &len));
	assert_null(qrsvg_render("", &len));
	assert_int_equal(len, 7);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_size),
		cmocka_unit_test(test_uri_modules),
		cmocka_unit_test(test_markup_safe),
		cmocka_unit_test(test_largest),
		cmocka_unit_test(test_errors),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
