/*
 * libFuzzer driver for src/core/httphead.c.
 *
 * The first byte picks the limits (so that head_max, target_max and the
 * body limits are all reached by short inputs); the rest is the head as
 * received.  Each verdict is checked against what the header promises,
 * and the head is judged again on prefixes, each in a buffer of its own
 * exact size so that a read past the given length is caught: no verdict
 * before the end of the head, the same one on the head alone, none
 * from the bytes beyond head_max.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/httphead.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	 judge(struct httphead *, const struct httphead_limits *,
		    const uint8_t *, size_t);
static size_t	 end_of_head(const uint8_t *, size_t);
static void	 check(const struct httphead *,
		    const struct httphead_limits *, const uint8_t *, size_t,
		    int);
static void	 check_prefix(const struct httphead_limits *,
		    const uint8_t *, size_t);

static const size_t	head_maxes[] = { 8, 64, 512, 4096 };
static const size_t	target_maxes[] = { 0, 1, 24, 1998 };
static const size_t	body_maxes[] = { 0, 10, 100, 1048576 };

/* httphead_check() on a copy of exactly len bytes. */
static int
judge(struct httphead *h, const struct httphead_limits *lim,
    const uint8_t *data, size_t len)
{
	uint8_t	*copy;
	int	 rc;

	if ((copy = malloc(len + 1)) == NULL)
		abort();
	memcpy(copy, data, len);
	rc = httphead_check(h, lim, copy, len);
	/* The fields must not point into what is about to be freed: rebase. */
	if (rc == HTTPHEAD_OK)
		h->target = (const char *)data + (h->target - (char *)copy);
	free(copy);

	return (rc);
}

/* The end of the head as Kore finds it, blank line included; 0 if none. */
static size_t
end_of_head(const uint8_t *data, size_t len)
{
	const uint8_t	*p;

	if ((p = memmem(data, len, "\r\n\r\n", 4)) != NULL)
		return ((size_t)(p - data) + 4);
	if ((p = memmem(data, len, "\n\n", 2)) != NULL)
		return ((size_t)(p - data) + 2);

	return (0);
}

static void
check(const struct httphead *h, const struct httphead_limits *lim,
    const uint8_t *data, size_t len, int rc)
{
	size_t	 cap, end;

	cap = len < lim->head_max ? len : lim->head_max;
	end = end_of_head(data, cap);

	switch (rc) {
	case HTTPHEAD_MORE:
		if (end != 0 || len >= lim->head_max)
			abort();
		return;
	case HTTPHEAD_OK:
		break;
	case 411: case 413:
		/* Only the header lines say so, all of them. */
		if (end == 0)
			abort();
		return;
	case 400: case 405: case 414:
		/* Of a request line, which may be all there is of the head. */
		if (end == 0 && cap < lim->head_max)
			abort();
		return;
	case 431:
		if (end != 0 || cap < lim->head_max)
			abort();
		return;
	default:
		abort();
	}

	if (end == 0 || h->len != end)
		abort();
	if (h->target < (const char *)data ||
	    h->target + h->target_len > (const char *)data + end ||
	    h->target_len == 0 || h->target_len > lim->target_max ||
	    h->target[0] != '/' || memchr(h->target, ' ', h->target_len))
		abort();
	if (!h->has_body && (h->content_length != 0 || h->body_max != 0))
		abort();
	if (h->has_body && (h->content_length > h->body_max ||
	    (h->body_max != lim->body_max && h->body_max != lim->upload_max)))
		abort();
}

/* What a prefix is told agrees with what the whole head was told. */
static void
check_prefix(const struct httphead_limits *lim, const uint8_t *data,
    size_t len)
{
	struct httphead	 h, hk;
	size_t		 cap, end, k[4], i;
	int		 rc, rck;

	rc = judge(&h, lim, data, len);
	check(&h, lim, data, len, rc);

	/* Bytes beyond head_max change nothing. */
	cap = len < lim->head_max ? len : lim->head_max;
	if (judge(&hk, lim, data, cap) != rc)
		abort();

	end = end_of_head(data, cap);
	k[0] = end;
	k[1] = end > 0 ? end - 1 : cap / 2;
	k[2] = cap > 0 ? cap - 1 : 0;
	k[3] = cap / 3;
	for (i = 0; i < 4; i++) {
		rck = judge(&hk, lim, data, k[i]);
		check(&hk, lim, data, k[i], rck);
		if (end_of_head(data, k[i]) == 0 && k[i] < lim->head_max &&
		    rck != HTTPHEAD_MORE)
			abort();
		/* The head alone is judged as with what follows it. */
		if (end != 0 && k[i] == end && rck != rc)
			abort();
		if (rc == HTTPHEAD_OK && k[i] == end && (hk.len != h.len ||
		    hk.target != h.target || hk.target_len != h.target_len ||
		    hk.content_length != h.content_length))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct httphead_limits	lim;

	if (len == 0)
		return (0);
	lim.head_max = head_maxes[data[0] & 3];
	lim.target_max = target_maxes[(data[0] >> 2) & 3];
	lim.body_max = body_maxes[(data[0] >> 4) & 3];
	lim.upload_max = body_maxes[(data[0] >> 6) & 3];
	data++;
	len--;

	check_prefix(&lim, data, len);

	return (0);
}
