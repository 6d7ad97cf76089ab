/*
 * httphead: a request's head (the request line and the header lines),
 * judged from its raw bytes before Kore parses it.  What Kore would
 * refuse with a bare text answer of its own (an unknown method, a
 * malformed line, a missing Host) or only after reading the body (a
 * body over the limit) is refused here first, with the status the site's
 * error page is to carry.
 *
 * httphead_check() is given every byte received so far and may be called
 * again with more: it says nothing until the head is complete (ended by a
 * blank line, "\r\n\r\n" or "\n\n", as Kore ends it).
 *
 * Nothing is allocated or copied; pointers in struct httphead point into
 * the caller's buffer.
 */

#ifndef LAUREL_CORE_HTTPHEAD_H
#define LAUREL_CORE_HTTPHEAD_H

#include <stddef.h>

/* Returned besides a status to refuse with (400 to 431). */
#define HTTPHEAD_MORE		0	/* not complete: no verdict yet */
#define HTTPHEAD_OK		1	/* complete, nothing to refuse */

/* Longest Content-Length read, in digits: 19 cannot overflow 64 bits. */
#define HTTPHEAD_CLEN_DIGITS	19

/* Inclusive maxima, in bytes. */
struct httphead_limits {
	size_t	target_max;	/* request target (414 above) */
	size_t	body_max;	/* body of any request but an upload (413) */
	size_t	upload_max;	/* body of POST /applications/{id}/files */
};

/* What a head said; set when httphead_check() returns HTTPHEAD_OK. */
struct httphead {
	size_t		 len;		/* the head, its blank line included */
	const char	*target;	/* the request target, not terminated */
	size_t		 target_len;
	int		 has_body;	/* POST, PUT or PATCH */
	size_t		 content_length;	/* 0 without a body */
	size_t		 body_max;	/* the limit the body was held to */
};

/*
 * Returns HTTPHEAD_MORE, HTTPHEAD_OK, or the status to refuse the
 * request with:
 *   400  a malformed request line or header line, no Host, or a
 *        Content-Length that is empty or not all digits;
 *   405  a method other than GET, HEAD, POST, PUT, PATCH, DELETE and
 *        OPTIONS (Kore's own list), in capitals;
 *   411  a body without Content-Length, or with Transfer-Encoding;
 *   413  a Content-Length over the limit (or over 19 digits);
 *   414  a request target over target_max.
 */
int	httphead_check(struct httphead *, const struct httphead_limits *,
	    const void *buf, size_t len);

#endif /* !LAUREL_CORE_HTTPHEAD_H */
