/*
 * gzip for the pages that are kept (core/gzip.h).
 */

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "core/gzip.h"

/* windowBits 15, +16: a gzip header and trailer, not zlib's. */
#define GZIP_WINDOW	(15 + 16)
#define GZIP_MEMLEVEL	8

/*
 * The q of one element's parameters ("q=0.5"); 1 without one. Only
 * whether it is 0 matters here: "0", "0.", "0.0", "0.000".
 */
static int
gzip_q_zero(const char *p, const char *end)
{
	while (p < end && *p != ';')
		p++;
	while (p < end) {
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p >= 2 && tolower((unsigned char)p[0]) == 'q' &&
		    p[1] == '=') {
			p += 2;
			if (p == end || *p != '0')
				return (0);
			for (p++; p < end && (*p == '.' || *p == '0'); p++)
				;
			while (p < end && (*p == ' ' || *p == '\t'))
				p++;
			return (p == end || *p == ';');
		}
		while (p < end && *p != ';')
			p++;
	}

	return (0);
}

/* Whether the element [p, end) names coding (its token, case aside). */
static int
gzip_names(const char *p, const char *end, const char *coding)
{
	size_t	n;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	n = strlen(coding);
	if ((size_t)(end - p) < n || strncasecmp(p, coding, n) != 0)
		return (0);
	p += n;

	return (p == end || *p == ';' || *p == ' ' || *p == '\t');
}

int
gzip_accepted(const char *v)
{
	const char	*p, *end;
	int		 gzip, star;

	if (v == NULL)
		return (0);
	gzip = star = -1;	/* not listed */
	for (p = v; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = p + strcspn(p, ",");
		if (gzip_names(p, end, "gzip") || gzip_names(p, end, "x-gzip"))
			gzip = !gzip_q_zero(p, end);
		else if (gzip_names(p, end, "*"))
			star = !gzip_q_zero(p, end);
	}

	return (gzip != -1 ? gzip : star == 1);
}

int
gzip_compress(const void *in, size_t len, void **out, size_t *outlen)
{
	z_stream	 z;
	unsigned char	*buf;
	uLong		 bound;

	*out = NULL;
	*outlen = 0;
	memset(&z, 0, sizeof(z));
	if (len > UINT32_MAX || deflateInit2(&z, Z_DEFAULT_COMPRESSION,
	    Z_DEFLATED, GZIP_WINDOW, GZIP_MEMLEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
		return (-1);
	bound = deflateBound(&z, (uLong)len);
	if ((buf = malloc(bound)) == NULL) {
		(void)deflateEnd(&z);
		return (-1);
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)bound;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= len) {
		(void)deflateEnd(&z);
		free(buf);
		return (-1);
	}
	*outlen = z.total_out;
	*out = buf;
	(void)deflateEnd(&z);

	return (0);
}
