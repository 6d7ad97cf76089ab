/*
 * httphead: a request's head (the request line and the header lines),
 * judged from its raw bytes before Kore parses it.  What Kore would
 * refuse with a bare text answer of its own (an unknown method, a
 * malformed line, a missing Host), only after reading the body (a body
 * over the limit) or not answer at all (a head larger than its buffer)
 * is refused here first, with the status the site's error page is to
 * carry.
 *
 * httphead_check() is given every byte received so far and may be called
 * again with more: it says nothing until the head is complete (ended by a
 * blank line, "\r\n\r\n" or "\n\n", as Kore ends it) or head_max bytes
 * have come without one, so no verdict is ever given on part of a head.
 * Kore reads a head into a buffer of that size and cannot read on into a
 * full one, so a head that does not end within it is refused then: 414
 * while the request line has not ended, 431 after.
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

/*
 * Inclusive maxima, in bytes: head_max for the head with its blank line
 * (Kore's buffer), target_max for the request target, upload_max for
 * the body of POST /applications/{id}/files, body_max for any other.
 */
struct httphead_limits {
	size_t	head_max;
	size_t	target_max;
	size_t	body_max;
	size_t	upload_max;
};

/* What a head said; set when httphead_check() returns HTTPHEAD_OK. */
struct httphead {
	size_t		 len;		/* with its blank line */
	const char	*target;	/* not NUL-terminated */
	size_t		 target_len;
	int		 has_body;	/* POST, PUT or PATCH */
	size_t		 content_length;	/* 0 without a body */
	size_t		 body_max;	/* the body's limit */
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
 *   414  a request target over target_max, or a request line that has
 *        not ended within head_max bytes (what there is of it is judged
 *        first: a wrong method is still 405);
 *   431  header lines that have not ended within head_max bytes.
 * Bytes beyond head_max are not looked at.
 */
int	httphead_check(struct httphead *, const struct httphead_limits *,
	    const void *buf, size_t len);

#endif /* !LAUREL_CORE_HTTPHEAD_H */
