/*
 * chart: a bar chart as an inline SVG element, drawn on the server (the
 * round dashboard's submissions per day). No script, no style attribute,
 * no external reference, so it passes a strict CSP; the viewBox lets it
 * scale sharply from a phone to a desktop (width 100%, the height follows
 * the aspect ratio).
 *
 * Every bar carries its label and value (data-label, data-value, and a
 * <title> a pointer shows), so the page's data table, its text
 * alternative, can be checked against it. The <svg> has role img and is
 * labelled by its <title> and <desc>.
 */

#ifndef LAUREL_CORE_CHART_H
#define LAUREL_CORE_CHART_H

#include <stddef.h>

#define CHART_BARS_MAX	400	/* more would not be readable */
#define CHART_HEIGHT	160	/* the plot's height in viewBox units */
#define CHART_BAR	12	/* one bar's slot */

struct chart_bar {
	const char	*label;		/* e.g. 2026-03-01; NULL: "" */
	long long	 value;		/* negative values are drawn as 0 */
};

/*
 * Returns the NUL-terminated SVG markup, or NULL when there are no bars
 * or more than CHART_BARS_MAX. id prefixes the ids of the <title> and
 * <desc> (unique on the page). Text is escaped. Our own allocation
 * failure aborts. The caller frees the string with free().
 */
char	*chart_bars_svg(const struct chart_bar *bars, size_t n,
	    const char *id, const char *title, const char *desc);

#endif /* !LAUREL_CORE_CHART_H */
