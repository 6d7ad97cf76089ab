/*
 * CSV for the admin exports (csv.h).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/csv.h"

#define CSV_BOM		"\xef\xbb\xbf"

/* Like Kore's allocators: running out of memory is not recoverable. */
static void
csv_grow(struct csv *c, size_t more)
{
	size_t	 cap;

	if (more > SIZE_MAX / 2 - c->len)
		abort();
	if (c->len + more <= c->cap)
		return;
	cap = c->cap == 0 ? 4096 : c->cap;
	while (cap < c->len + more)
		cap *= 2;
	if ((c->buf = realloc(c->buf, cap)) == NULL)
		abort();
	c->cap = cap;
}

static void
csv_put(struct csv *c, const char *s, size_t n)
{
	csv_grow(c, n);
	memcpy(c->buf + c->len, s, n);
	c->len += n;
}

void
csv_init(struct csv *c)
{
	memset(c, 0, sizeof(*c));
	csv_put(c, CSV_BOM, sizeof(CSV_BOM) - 1);
}

/*
 * Whether a spreadsheet would read the cell as a formula (or a DDE
 * call): it starts with =, +, -, @, a tab or a CR (OWASP's list).
 */
static int
csv_formula(const char *v)
{
	return (v[0] != '\0' && strchr("=+-@\t\r", v[0]) != NULL);
}

void
csv_cell(struct csv *c, const char *v)
{
	const char	*p;
	int		 quote;

	if (v == NULL)
		v = "";
	if (c->cells++ > 0)
		csv_put(c, ",", 1);
	quote = strpbrk(v, "\",\r\n") != NULL;
	if (quote)
		csv_put(c, "\"", 1);
	/*
	 * Formula injection: an applicant's text such as
	 * =HYPERLINK("http://evil", "click") would run in the admin's
	 * spreadsheet. A leading single quote makes every spreadsheet take
	 * the cell as text; a reader of the CSV sees the quote.
	 */
	if (csv_formula(v))
		csv_put(c, "'", 1);
	for (p = v; *p != '\0'; p++) {
		if (*p == '"')
			csv_put(c, "\"", 1);
		csv_put(c, p, 1);
	}
	if (quote)
		csv_put(c, "\"", 1);
}

void
csv_row_end(struct csv *c)
{
	csv_put(c, "\r\n", 2);
	c->cells = 0;
	c->rows++;
}

void
csv_free(struct csv *c)
{
	free(c->buf);
	memset(c, 0, sizeof(*c));
}
