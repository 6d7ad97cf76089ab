/*
 * An environment file parsed (envfile.h). Pure: the caller reads the file.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/envfile.h"
#include "core/lineerr.h"

/* Like Kore's allocators: running out of memory is not recoverable. */
static char *
envfile_strndup(const char *s, size_t n)
{
	char	*p;

	if ((p = malloc(n + 1)) == NULL)
		abort();
	memcpy(p, s, n);
	p[n] = '\0';
	return (p);
}

static int
envfile_blank(char c)
{
	return (c == ' ' || c == '\t');
}

static int
envfile_namechar(char c, int first)
{
	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_')
		return (1);
	return (!first && c >= '0' && c <= '9');
}

/* A name given again replaces its value in place, as systemd does. */
static void
envfile_set(struct envfile *ef, char *name, char *value)
{
	size_t	 i;

	for (i = 0; i < ef->nvars; i++) {
		if (strcmp(ef->vars[i].name, name) == 0) {
			free(name);
			free(ef->vars[i].value);
			ef->vars[i].value = value;
			return;
		}
	}
	if ((ef->vars = reallocarray(ef->vars, ef->nvars + 1,
	    sizeof(*ef->vars))) == NULL)
		abort();
	ef->vars[ef->nvars].name = name;
	ef->vars[ef->nvars].value = value;
	ef->nvars++;
}

/*
 * One value, from p (after the '=' and its blanks) to end, the end of its
 * line, into out (room for end - p bytes and a NUL). 0, or -1 with why.
 */
static int
envfile_value(const char *p, const char *end, char *out, size_t line,
    char *err, size_t errlen)
{
	size_t	 n, keep;
	char	 q;

	n = 0;
	if (p < end && (*p == '"' || *p == '\'')) {
		q = *p++;
		for (;;) {
			if (p == end)
				return (lineerr(err, errlen, line,
				    "the quote %c is not closed on its line "
				    "(a value over several lines is not "
				    "supported)", q));
			if (*p == q)
				break;
			/* Inside "...", systemd escapes only these. */
			if (q == '"' && *p == '\\' && p + 1 < end &&
			    strchr("\"\\`$", p[1]) != NULL)
				p++;
			out[n++] = *p++;
		}
		p++;
		while (p < end && envfile_blank(*p))
			p++;
		if (p != end)
			return (lineerr(err, errlen, line,
			    "text after the closing quote"));
		out[n] = '\0';
		return (0);
	}

	/* Bare: trailing blanks go, unless a backslash kept them. */
	keep = 0;
	while (p < end) {
		if (*p == '\\') {
			if (++p == end)
				return (lineerr(err, errlen, line,
				    "a backslash ends the line (a value over "
				    "several lines is not supported)"));
			out[n++] = *p++;
			keep = n;
			continue;
		}
		out[n++] = *p;
		if (!envfile_blank(*p))
			keep = n;
		p++;
	}
	out[keep] = '\0';
	return (0);
}

int
envfile_parse(struct envfile *ef, const char *text, size_t len, char *err,
    size_t errlen)
{
	const char	*p, *end, *eol, *name;
	char		*value;
	size_t		 line, namelen;

	ef->vars = NULL;
	ef->nvars = 0;
	if (errlen > 0)
		err[0] = '\0';

	end = text + len;
	for (p = text, line = 1; p < end; p = eol + 1, line++) {
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
		/* Bytes systemd and a shell would each read their own way. */
		if (memchr(p, '\0', eol - p) != NULL) {
			envfile_free(ef);
			return (lineerr(err, errlen, line,
			    "a NUL byte"));
		}
		if (memchr(p, '\r', eol - p) != NULL) {
			envfile_free(ef);
			return (lineerr(err, errlen, line,
			    "a carriage return (DOS line ends?)"));
		}

		while (p < eol && envfile_blank(*p))
			p++;
		if (p == eol || *p == '#' || *p == ';')
			continue;

		name = p;
		while (p < eol && envfile_namechar(*p, p == name))
			p++;
		namelen = p - name;
		while (p < eol && envfile_blank(*p))
			p++;
		if (namelen == 0 || p == eol || *p != '=') {
			envfile_free(ef);
			return (lineerr(err, errlen, line,
			    "not NAME=VALUE"));
		}
		p++;
		while (p < eol && envfile_blank(*p))
			p++;

		if ((value = malloc(eol - p + 1)) == NULL)
			abort();
		if (envfile_value(p, eol, value, line, err, errlen) == -1) {
			free(value);
			envfile_free(ef);
			return (-1);
		}
		envfile_set(ef, envfile_strndup(name, namelen), value);
		if (eol == end)
			break;
	}

	return (0);
}

const char *
envfile_get(const struct envfile *ef, const char *name)
{
	size_t	 i;

	for (i = 0; i < ef->nvars; i++) {
		if (strcmp(ef->vars[i].name, name) == 0)
			return (ef->vars[i].value);
	}
	return (NULL);
}

void
envfile_free(struct envfile *ef)
{
	size_t	 i;

	for (i = 0; i < ef->nvars; i++) {
		free(ef->vars[i].name);
		free(ef->vars[i].value);
	}
	free(ef->vars);
	ef->vars = NULL;
	ef->nvars = 0;
}
