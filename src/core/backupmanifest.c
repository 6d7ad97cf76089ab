/*
 * A backup's manifest parsed and compared (backupmanifest.h).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backupmanifest.h"
#include "core/lineerr.h"

/* Up to 18 digits: any count PostgreSQL gives, and never an overflow. */
#define BACKUPMANIFEST_DIGITS	18

void
backupmanifest_init(struct backupmanifest *m)
{
	memset(m, 0, sizeof(*m));
}

const struct backupmanifest_table *
backupmanifest_find(const struct backupmanifest *m, const char *name)
{
	size_t	 i;

	for (i = 0; i < m->ntables; i++) {
		if (strcmp(m->tables[i].name, name) == 0)
			return (&m->tables[i]);
	}
	return (NULL);
}

int
backupmanifest_add(struct backupmanifest *m, const char *name, long long rows)
{
	struct backupmanifest_table	*t;

	if (*name == '\0' || backupmanifest_find(m, name) != NULL)
		return (-1);
	if ((m->tables = reallocarray(m->tables, m->ntables + 1,
	    sizeof(*m->tables))) == NULL)
		abort();
	t = &m->tables[m->ntables++];
	if ((t->name = strdup(name)) == NULL)
		abort();
	t->rows = rows;
	return (0);
}

static int
backupmanifest_hex(const char *p, size_t len)
{
	size_t	 i;

	if (len != BACKUPMANIFEST_HEX)
		return (0);
	for (i = 0; i < len; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') ||
		    (p[i] >= 'a' && p[i] <= 'f')))
			return (0);
	}
	return (1);
}

/* "NAME ROWS" from p to end. 0, or -1 with why. */
static int
backupmanifest_table(struct backupmanifest *m, const char *p,
    const char *end, size_t line, char *err, size_t errlen)
{
	const char	*sp, *q;
	char		 name[1024];
	long long	 rows;

	for (sp = end; sp > p && sp[-1] != ' '; sp--)
		;
	if (sp == p || sp == end || end - sp > BACKUPMANIFEST_DIGITS)
		return (lineerr(err, errlen, line,
		    "not \"table NAME ROWS\""));
	rows = 0;
	for (q = sp; q < end; q++) {
		if (*q < '0' || *q > '9')
			return (lineerr(err, errlen, line,
			    "the row count is not a number"));
		rows = rows * 10 + (*q - '0');
	}
	if ((size_t)(sp - 1 - p) >= sizeof(name) || sp - 1 == p)
		return (lineerr(err, errlen, line,
		    "the table's name is empty or too long"));
	memcpy(name, p, sp - 1 - p);
	name[sp - 1 - p] = '\0';
	if (backupmanifest_add(m, name, rows) == -1)
		return (lineerr(err, errlen, line,
		    "table %s is listed twice", name));
	return (0);
}

/* One line's content (no newline), after the magic. 0, or -1 with why. */
static int
backupmanifest_line(struct backupmanifest *m, const char *p, const char *end,
    size_t line, char *err, size_t errlen)
{
	size_t	 len;

	len = end - p;
	if (len > 7 && memcmp(p, "sha256 ", 7) == 0) {
		if (m->sha256[0] != '\0')
			return (lineerr(err, errlen, line,
			    "a second sha256 line"));
		if (!backupmanifest_hex(p + 7, len - 7))
			return (lineerr(err, errlen, line,
			    "the SHA-256 is not 64 lowercase hex digits"));
		memcpy(m->sha256, p + 7, BACKUPMANIFEST_HEX);
		m->sha256[BACKUPMANIFEST_HEX] = '\0';
		return (0);
	}
	if (len > 6 && memcmp(p, "table ", 6) == 0)
		return (backupmanifest_table(m, p + 6, end, line, err,
		    errlen));
	return (lineerr(err, errlen, line,
	    "neither a sha256 nor a table line"));
}

int
backupmanifest_parse(struct backupmanifest *m, const char *text, size_t len,
    char *err, size_t errlen)
{
	const char	*p, *end, *eol;
	size_t		 line;
	int		 magic;

	backupmanifest_init(m);
	if (errlen > 0)
		err[0] = '\0';

	magic = 0;
	end = text + len;
	for (p = text, line = 1; p < end; p = eol + 1, line++) {
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
		if (memchr(p, '\0', eol - p) != NULL ||
		    memchr(p, '\r', eol - p) != NULL) {
			backupmanifest_free(m);
			return (lineerr(err, errlen, line,
			    "a NUL byte or a carriage return"));
		}
		if (p == eol || *p == '#')
			continue;
		if (!magic) {
			if ((size_t)(eol - p) != strlen(BACKUPMANIFEST_MAGIC) ||
			    memcmp(p, BACKUPMANIFEST_MAGIC, eol - p) != 0) {
				backupmanifest_free(m);
				return (lineerr(err, errlen, line,
				    "not a Laurel backup manifest (no \""
				    BACKUPMANIFEST_MAGIC "\" line)"));
			}
			magic = 1;
			continue;
		}
		if (backupmanifest_line(m, p, eol, line, err, errlen) == -1) {
			backupmanifest_free(m);
			return (-1);
		}
	}

	if (!magic || m->sha256[0] == '\0') {
		backupmanifest_free(m);
		return (lineerr(err, errlen, line, "%s",
		    !magic ? "empty: not a Laurel backup manifest" :
		    "no sha256 line"));
	}
	return (0);
}

size_t
backupmanifest_compare(const struct backupmanifest *want,
    const struct backupmanifest *got, backupmanifest_report report, void *arg)
{
	const struct backupmanifest_table	*t, *g;
	char					 msg[1280];
	size_t					 i, n;

	n = 0;
	for (i = 0; i < want->ntables; i++) {
		t = &want->tables[i];
		if ((g = backupmanifest_find(got, t->name)) == NULL) {
			(void)snprintf(msg, sizeof(msg), "table %s: in the "
			    "manifest (%lld rows) but not restored", t->name,
			    t->rows);
			report(arg, msg);
			n++;
		} else if (g->rows != t->rows) {
			(void)snprintf(msg, sizeof(msg), "table %s: %lld rows "
			    "restored, the manifest says %lld", t->name,
			    g->rows, t->rows);
			report(arg, msg);
			n++;
		}
	}
	for (i = 0; i < got->ntables; i++) {
		g = &got->tables[i];
		if (backupmanifest_find(want, g->name) != NULL)
			continue;
		(void)snprintf(msg, sizeof(msg), "table %s: restored (%lld "
		    "rows) but not in the manifest", g->name, g->rows);
		report(arg, msg);
		n++;
	}
	return (n);
}

long long
backupmanifest_rows(const struct backupmanifest *m)
{
	long long	 n;
	size_t		 i;

	for (n = 0, i = 0; i < m->ntables; i++)
		n += m->tables[i].rows;
	return (n);
}

void
backupmanifest_free(struct backupmanifest *m)
{
	size_t	 i;

	for (i = 0; i < m->ntables; i++)
		free(m->tables[i].name);
	free(m->tables);
	backupmanifest_init(m);
}
