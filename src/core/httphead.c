/*
 * Request heads, judged from their raw bytes.
 *
 * The checks follow what Kore 4.1.0 would do with the same bytes (how it
 * ends a head, what it refuses with a bare answer), so that the site's
 * error page comes first and a head Kore accepts is accepted here too.
 * Every scan is bounded by the bytes given.
 */

#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "core/httphead.h"

/* The one target whose body may be as large as upload_max. */
#define UPLOAD_PREFIX		"/applications/"
#define UPLOAD_SUFFIX		"/files"

static const char	*head_end(const char *, size_t, size_t *);
static int	 head_method(struct httphead *, const char *, size_t);
static int	 head_too_large(struct httphead *,
		    const struct httphead_limits *, const char *, size_t);
static int	 head_request_line(struct httphead *,
		    const struct httphead_limits *, const char *, size_t, int);
static int	 head_lines_ok(const char *, size_t);
static const char	*head_header(const char *, size_t, const char *,
		    size_t *);
static int	 head_is_upload(const char *, size_t);
static int	 head_body(struct httphead *, const struct httphead_limits *,
		    const char *, size_t);

static const struct {
	const char	*name;
	int		 body;
} head_methods[] = {
	{ "GET", 0 }, { "HEAD", 0 }, { "DELETE", 0 }, { "OPTIONS", 0 },
	{ "POST", 1 }, { "PUT", 1 }, { "PATCH", 1 },
	{ NULL, 0 }
};

int
httphead_check(struct httphead *h, const struct httphead_limits *lim,
    const void *buf, size_t len)
{
	const char	*p, *end;
	size_t		 hlen, skip, vlen;
	int		 status;

	memset(h, 0, sizeof(*h));
	p = buf;
	if (len > lim->head_max)
		len = lim->head_max;
	if ((end = head_end(p, len, &skip)) == NULL) {
		if (len < lim->head_max)
			return (HTTPHEAD_MORE);
		return (head_too_large(h, lim, p, len));
	}
	hlen = end - p;

	if ((status = head_request_line(h, lim, p, hlen, 0)) != 0)
		return (status);
	if (!head_lines_ok(p, hlen))
		return (400);
	/* Kore needs a Host to pick the domain; without one it answers bare. */
	if (head_header(p, hlen, "host:", &vlen) == NULL)
		return (400);
	if (h->has_body && (status = head_body(h, lim, p, hlen)) != 0)
		return (status);

	h->len = hlen + skip;
	return (HTTPHEAD_OK);
}

/*
 * Where the head ends, as Kore finds it: the first "\r\n\r\n" anywhere,
 * else the first "\n\n".  skip is the length of that blank line.
 */
static const char *
head_end(const char *buf, size_t len, size_t *skip)
{
	const char	*end;

	*skip = 4;
	if ((end = memmem(buf, len, "\r\n\r\n", 4)) != NULL)
		return (end);

	*skip = 2;
	return (memmem(buf, len, "\n\n", 2));
}

static int
head_method(struct httphead *h, const char *m, size_t len)
{
	int		 i;

	for (i = 0; head_methods[i].name != NULL; i++) {
		if (strlen(head_methods[i].name) == len &&
		    memcmp(head_methods[i].name, m, len) == 0) {
			h->has_body = head_methods[i].body;
			return (0);
		}
	}

	return (-1);
}

/*
 * head_max bytes and no blank line.  What there is of the request line
 * is judged as a whole one would be, so that a wrong method is still a
 * 405; then the line, or the header lines after it, are too long.
 */
static int
head_too_large(struct httphead *h, const struct httphead_limits *lim,
    const char *buf, size_t len)
{
	int		 status, cut;

	cut = memchr(buf, '\n', len) == NULL;
	if ((status = head_request_line(h, lim, buf, len, cut)) != 0)
		return (status);

	return (431);
}

/*
 * "METHOD /target HTTP/1.x", the line ending at '\n' or at len; when cut,
 * the line goes on beyond len and only its start can be judged.
 */
static int
head_request_line(struct httphead *h, const struct httphead_limits *lim,
    const char *buf, size_t len, int cut)
{
	const char	*eol, *sp1, *sp2, *ver;
	size_t		 llen, tlen;

	eol = memchr(buf, '\n', len);
	llen = eol != NULL ? (size_t)(eol - buf) : len;
	if (llen > 0 && buf[llen - 1] == '\r')
		llen--;

	if ((sp1 = memchr(buf, ' ', llen)) == NULL)
		return (400);
	if (head_method(h, buf, sp1 - buf) == -1)
		return (405);

	sp2 = memchr(sp1 + 1, ' ', llen - (sp1 + 1 - buf));
	if (sp2 == NULL && !cut)
		return (400);
	tlen = (sp2 != NULL ? sp2 : buf + llen) - (sp1 + 1);
	if (tlen == 0 || sp1[1] != '/')
		return (400);
	if (tlen > lim->target_max || cut)
		return (414);

	ver = sp2 + 1;
	if ((size_t)(buf + llen - ver) != 8 ||
	    (strncasecmp(ver, "HTTP/1.1", 8) != 0 &&
	    strncasecmp(ver, "HTTP/1.0", 8) != 0))
		return (400);

	h->target = sp1 + 1;
	h->target_len = tlen;
	return (0);
}

/*
 * Every header line is "Name: value" with a value (Kore answers an empty
 * one, or a line without a colon, with a bare 400 of its own).
 */
static int
head_lines_ok(const char *buf, size_t hlen)
{
	const char	*p, *end, *eol, *colon, *v;

	end = buf + hlen;
	if ((p = memchr(buf, '\n', hlen)) == NULL)
		return (1);

	for (p++; p < end; p = eol + 1) {
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
		colon = memchr(p, ':', eol - p);
		if (colon == NULL || colon == p)
			return (0);
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t' ||
		    *v == '\r'); v++)
			;
		if (v == eol)
			return (0);
	}

	return (1);
}

/* The value of header name (with its colon) in the head, or NULL. */
static const char *
head_header(const char *buf, size_t hlen, const char *name, size_t *vlen)
{
	const char	*p, *end, *eol;
	size_t		 nlen;

	nlen = strlen(name);
	end = buf + hlen;
	for (p = memchr(buf, '\n', hlen); p != NULL && p < end; p = eol) {
		p++;
		if ((eol = memchr(p, '\n', end - p)) == NULL)
			eol = end;
		if ((size_t)(eol - p) <= nlen || strncasecmp(p, name, nlen))
			continue;
		p += nlen;
		while (p < eol && (*p == ' ' || *p == '\t'))
			p++;
		*vlen = eol - p;
		if (*vlen > 0 && p[*vlen - 1] == '\r')
			(*vlen)--;
		return (p);
	}

	return (NULL);
}

/*
 * Document uploads (POST /applications/{id}/files) may be as large as the
 * largest file a round can allow; every other body is a form.
 */
static int
head_is_upload(const char *t, size_t len)
{
	size_t		 plen, slen, i;

	plen = sizeof(UPLOAD_PREFIX) - 1;
	slen = sizeof(UPLOAD_SUFFIX) - 1;
	if (len <= plen + slen || memcmp(t, UPLOAD_PREFIX, plen) != 0 ||
	    memcmp(t + len - slen, UPLOAD_SUFFIX, slen) != 0)
		return (0);

	for (i = plen; i < len - slen; i++) {
		if (t[i] < '0' || t[i] > '9')
			return (0);
	}

	return (1);
}

static int
head_body(struct httphead *h, const struct httphead_limits *lim,
    const char *buf, size_t hlen)
{
	const char	*v;
	size_t		 vlen, i, n;

	h->body_max = head_is_upload(h->target, h->target_len) ?
	    lim->upload_max : lim->body_max;

	if (head_header(buf, hlen, "transfer-encoding:", &vlen) != NULL)
		return (411);
	if ((v = head_header(buf, hlen, "content-length:", &vlen)) == NULL)
		return (411);
	if (vlen == 0)
		return (400);
	if (vlen > HTTPHEAD_CLEN_DIGITS)
		return (413);

	n = 0;
	for (i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return (400);
		n = n * 10 + (size_t)(v[i] - '0');
	}
	if (n > h->body_max)
		return (413);

	h->content_length = n;
	return (0);
}
