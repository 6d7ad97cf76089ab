/*
 * libFuzzer driver for pdfstrip() (src/core/pdfstrip.c).  Whatever the
 * input, pdfstrip either fails with a message and no copy, or gives a
 * copy.  When pdfcheck() accepted the input, as it has for every file
 * pdfstrip sees in the app, the copy must be accepted too, have as many
 * pages, and qpdf must find no /Info in its trailer and no /Metadata or
 * /PieceInfo in any of its objects, counted 1 to /Size - 1 rather than
 * walked as pdfstrip walks them.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <qpdf/qpdf-c.h>

#include "core/pdfcheck.h"
#include "core/pdfstrip.h"

/* qpdf's own copy numbers objects densely; past this, the input was odd. */
#define MAX_OBJECTS	100000

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	pages(const void *, size_t);
static void	check_dict(qpdf_data, qpdf_oh);
static void	check_copy(const unsigned char *, size_t);

static int
pages(const void *buf, size_t len)
{
	qpdf_data	q;
	int		n;

	q = qpdf_init();
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);
	n = -1;
	if (!(qpdf_read_memory(q, "pages", buf, len, "") & QPDF_ERRORS))
		n = qpdf_get_num_pages(q);
	qpdf_cleanup(&q);
	return (n);
}

static void
check_dict(qpdf_data q, qpdf_oh oh)
{
	if (qpdf_oh_is_stream(q, oh))
		oh = qpdf_oh_get_dict(q, oh);
	if (!qpdf_oh_is_dictionary(q, oh))
		return;
	if (qpdf_oh_has_key(q, oh, "/Metadata") ||
	    qpdf_oh_has_key(q, oh, "/PieceInfo"))
		abort();
}

static void
check_copy(const unsigned char *buf, size_t len)
{
	qpdf_data	q;
	qpdf_oh		trailer, size;
	int		i, n;

	q = qpdf_init();
	qpdf_silence_errors(q);
	qpdf_set_suppress_warnings(q, QPDF_TRUE);
	if (qpdf_read_memory(q, "copy", (const char *)buf, len, "") &
	    QPDF_ERRORS)
		abort();
	trailer = qpdf_get_trailer(q);
	if (qpdf_oh_has_key(q, trailer, "/Info"))
		abort();
	size = qpdf_oh_get_key(q, trailer, "/Size");
	n = qpdf_oh_is_integer(q, size) ?
	    qpdf_oh_get_int_value_as_int(q, size) : 0;
	if (n > MAX_OBJECTS)
		n = MAX_OBJECTS;
	for (i = 1; i < n; i++) {
		check_dict(q, qpdf_get_object_by_id(q, i, 0));
		/* Handles pile up in qpdf_data until released. */
		qpdf_oh_release_all(q);
	}
	qpdf_cleanup(&q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*out;
	size_t		 outlen;
	char		 msg[512];
	int		 checked;

	checked = pdfcheck(data, size, msg, sizeof(msg)) == 0;

	msg[0] = '\0';
	if (pdfstrip(data, size, &out, &outlen, msg, sizeof(msg)) == -1) {
		if (out != NULL || outlen != 0 || msg[0] == '\0')
			abort();
		return (0);
	}
	if (out == NULL || outlen == 0)
		abort();
	if (checked) {
		if (pdfcheck(out, outlen, msg, sizeof(msg)) != 0 ||
		    pages(out, outlen) != pages(data, size))
			abort();
		check_copy(out, outlen);
	}
	free(out);
	return (0);
}
