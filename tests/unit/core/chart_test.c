/*
 * Unit tests for src/core/chart.c: the bars carry the values they were
 * given, heights are proportional, text is escaped, limits refused.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/chart.h"

static size_t
count(const char *s, const char *needle)
{
	size_t	n;

	for (n = 0; (s = strstr(s, needle)) != NULL; s++)
		n++;
	return (n);
}

static void
test_values(void **state)
{
	const struct chart_bar	bars[] = {
		{ "2026-03-01", 0 }, { "2026-03-02", 4 }, { "2026-03-03", 2 },
	};
	char			*svg;

	(void)state;
	svg = chart_bars_svg(bars, 3, "subs", "Submissions per day",
	    "Bars per day");
	assert_non_null(svg);
	assert_int_equal(strncmp(svg, "<svg ", 5), 0);
	assert_non_null(strstr(svg, "viewBox=\"0 0 "));
	assert_non_null(strstr(svg, "role=\"img\""));
	assert_non_null(strstr(svg, "aria-labelledby=\"subs-title subs-desc\""));
	assert_non_null(strstr(svg, "<title id=\"subs-title\">Submissions per "
	    "day</title>"));
	assert_non_null(strstr(svg, "<desc id=\"subs-desc\">Bars per day"
	    "</desc>"));
	assert_int_equal(count(svg, "<rect "), 3);
	assert_non_null(strstr(svg, "data-label=\"2026-03-02\" "
	    "data-value=\"4\""));
	/* The largest bar fills the plot, half of it half. */
	assert_non_null(strstr(svg, "height=\"160\" data-label=\"2026-03-02\""));
	assert_non_null(strstr(svg, "height=\"80\" data-label=\"2026-03-03\""));
	assert_non_null(strstr(svg, "height=\"0\" data-label=\"2026-03-01\""));
	assert_null(strstr(svg, "<script"));
	assert_null(strstr(svg, "style="));
	assert_int_equal(strcmp(svg + strlen(svg) - 6, "</svg>"), 0);
	free(svg);
}

static void
test_escaped(void **state)
{
	const struct chart_bar	bars[] = { { "<a&\"b'>", -3 } };
	char			*svg;

	(void)state;
	svg = chart_bars_svg(bars, 1, "x", "<t>", "&d");
	assert_non_null(svg);
	assert_null(strstr(svg, "<a&"));
	assert_null(strstr(svg, "<t>"));
	assert_non_null(strstr(svg, "&lt;a&amp;&quot;b&#39;&gt;"));
	assert_non_null(strstr(svg, "&amp;d</desc>"));
	assert_non_null(strstr(svg, "data-value=\"0\""));
	free(svg);
}

static void
test_labels_spaced(void **state)
{
	struct chart_bar	bars[100];
	char			*svg;
	size_t			 i;

	(void)state;
	for (i = 0; i < 100; i++) {
		bars[i].label = "d";
		bars[i].value = (long long)i;
	}
	svg = chart_bars_svg(bars, 100, "c", "t", "d");
	assert_non_null(svg);
	assert_int_equal(count(svg, "<rect "), 100);
	/* Ten x labels, the two y labels. */
	assert_int_equal(count(svg, "<text "), 12);
	free(svg);
}

static void
test_labels_apart(void **state)
{
	struct chart_bar	bars[30];
	char			*svg;
	size_t			 i;

	(void)state;
	for (i = 0; i < 30; i++) {
		bars[i].label = "2026-12-02";
		bars[i].value = 1;
	}
	svg = chart_bars_svg(bars, 30, "c", "t", "d");
	assert_non_null(svg);
	/* One label every five bars (60 units): six, and the two y labels. */
	assert_int_equal(count(svg, "<text "), 8);
	free(svg);
}

static void
test_limits(void **state)
{
	struct chart_bar	*bars;

	(void)state;
	assert_null(chart_bars_svg(NULL, 0, "c", "t", "d"));
	bars = calloc(CHART_BARS_MAX + 1, sizeof(*bars));
	assert_non_null(bars);
	assert_null(chart_bars_svg(bars, CHART_BARS_MAX + 1, "c", "t", "d"));
	free(bars);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_escaped),
		cmocka_unit_test(test_labels_spaced),
		cmocka_unit_test(test_labels_apart),
		cmocka_unit_test(test_limits),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
