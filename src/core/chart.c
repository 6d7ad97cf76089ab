/*
 * A bar chart as SVG; see chart.h. Coordinates are whole viewBox units:
 * the y axis and its labels on the left, a label under every few bars
 * (about ten in all, so they never overlap), the bars in between.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/chart.h"

#define LEFT	36	/* room for the y axis labels */
#define TOP	12
#define BOTTOM	28	/* room for the x axis labels */
#define RIGHT	8
#define LABELS	10	/* x axis labels at most */
#define LABEL_W	60	/* a date label's width at font size 9, and a gap */

struct buf {
	char	*s;
	size_t	 len, cap;
};

static void
buf_add(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
buf_add(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap = (b->cap + (size_t)n) * 2;
		if ((b->s = realloc(b->s, b->cap)) == NULL)
			abort();
	}
}

/* Text and attribute values: the five characters XML gives meaning. */
static void
buf_text(struct buf *b, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			buf_add(b, "&amp;");
			break;
		case '<':
			buf_add(b, "&lt;");
			break;
		case '>':
			buf_add(b, "&gt;");
			break;
		case '"':
			buf_add(b, "&quot;");
			break;
		case '\'':
			buf_add(b, "&#39;");
			break;
		default:
			buf_add(b, "%c", *s);
		}
	}
}

/* The y axis's top: the largest value, at least 1 (an empty chart). */
static long long
chart_max(const struct chart_bar *bars, size_t n)
{
	long long	max;
	size_t		i;

	max = 1;
	for (i = 0; i < n; i++)
		if (bars[i].value > max)
			max = bars[i].value;
	return (max);
}

static void
chart_axes(struct buf *b, long long max, size_t n)
{
	int	right, base;

	right = LEFT + (int)n * CHART_BAR;
	base = TOP + CHART_HEIGHT;
	buf_add(b, "<g stroke=\"#555\" stroke-width=\"1\">"
	    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
	    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/></g>",
	    LEFT, TOP, LEFT, base, LEFT, base, right, base);
	buf_add(b, "<g fill=\"#333\" font-size=\"10\" text-anchor=\"end\">"
	    "<text x=\"%d\" y=\"%d\">%lld</text>"
	    "<text x=\"%d\" y=\"%d\">0</text></g>",
	    LEFT - 4, TOP + 4, max, LEFT - 4, base + 4);
}

static void
chart_bar_draw(struct buf *b, const struct chart_bar *bar, size_t i,
    long long max)
{
	long long	v;
	int		h, x;

	v = bar->value < 0 ? 0 : bar->value;
	h = (int)(v * CHART_HEIGHT / max);
	x = LEFT + (int)i * CHART_BAR + 2;
	buf_add(b, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" "
	    "data-label=\"", x, TOP + CHART_HEIGHT - h, CHART_BAR - 4, h);
	buf_text(b, bar->label);
	buf_add(b, "\" data-value=\"%lld\"><title>", v);
	buf_text(b, bar->label);
	buf_add(b, ": %lld</title></rect>", v);
}

/*
 * A label under the first bar and then every step bars, never closer
 * than a label's width.
 */
static void
chart_labels(struct buf *b, const struct chart_bar *bars, size_t n)
{
	size_t	i, step;
	int	x;

	step = (n + LABELS - 1) / LABELS;
	if (step * CHART_BAR < LABEL_W)
		step = (LABEL_W + CHART_BAR - 1) / CHART_BAR;
	buf_add(b, "<g fill=\"#333\" font-size=\"9\" text-anchor=\"start\">");
	for (i = 0; i < n; i += step) {
		x = LEFT + (int)i * CHART_BAR + 2;
		buf_add(b, "<text x=\"%d\" y=\"%d\">", x,
		    TOP + CHART_HEIGHT + 16);
		buf_text(b, bars[i].label);
		buf_add(b, "</text>");
	}
	buf_add(b, "</g>");
}

char *
chart_bars_svg(const struct chart_bar *bars, size_t n, const char *id,
    const char *title, const char *desc)
{
	struct buf	 b;
	long long	 max;
	size_t		 i;
	int		 width;

	if (bars == NULL || n == 0 || n > CHART_BARS_MAX)
		return (NULL);
	memset(&b, 0, sizeof(b));
	max = chart_max(bars, n);
	/* The last label may run past the last bar: room for one. */
	width = LEFT + (int)n * CHART_BAR + RIGHT + LABEL_W;

	buf_add(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "viewBox=\"0 0 %d %d\" width=\"100%%\" role=\"img\" "
	    "aria-labelledby=\"", width, TOP + CHART_HEIGHT + BOTTOM);
	buf_text(&b, id);
	buf_add(&b, "-title ");
	buf_text(&b, id);
	buf_add(&b, "-desc\" class=\"chart\"><title id=\"");
	buf_text(&b, id);
	buf_add(&b, "-title\">");
	buf_text(&b, title);
	buf_add(&b, "</title><desc id=\"");
	buf_text(&b, id);
	buf_add(&b, "-desc\">");
	buf_text(&b, desc);
	buf_add(&b, "</desc>");
	chart_axes(&b, max, n);
	buf_add(&b, "<g fill=\"#1f5f8b\">");
	for (i = 0; i < n; i++)
		chart_bar_draw(&b, &bars[i], i, max);
	buf_add(&b, "</g>");
	chart_labels(&b, bars, n);
	buf_add(&b, "</svg>");

	return (b.s);
}
