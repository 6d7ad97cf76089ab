/*
 * QR code to SVG.  The output is sized exactly before it is written, so
 * there is one allocation and no realloc loop.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "core/qrsvg.h"

#define SVG_HEAD	"<svg xmlns=\"http://www.w3.org/2000/svg\" " \
    "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" " \
    "aria-label=\"" QRSVG_LABEL "\" shape-rendering=\"crispEdges\">" \
    "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>" \
    "<path fill=\"#000\" d=\""
#define SVG_TAIL	"\"/></svg>"
#define SVG_RUN		"M%d %dh%dv1h-%dz"

struct out {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static int	 dark(const QRcode *, int, int);
static int	 run_end(const QRcode *, int, int);
static void	 emit(struct out *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
static size_t	 write_svg(struct out *, const QRcode *);

static int
dark(const QRcode *qr, int x, int y)
{
	return (qr->data[(size_t)y * qr->width + x] & 1);
}

/* First x at or after x0 in row y that is not dark. */
static int
run_end(const QRcode *qr, int x0, int y)
{
	int	x;

	for (x = x0; x < qr->width && dark(qr, x, y); x++)
		;

	return (x);
}

/*
 * Appends to o when o->p is set, else only counts: the same code sizes
 * the buffer and fills it, so the two cannot disagree.
 */
static void
emit(struct out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	if (o->p == NULL)
		n = vsnprintf(NULL, 0, fmt, ap);
	else
		n = vsnprintf(o->p + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);

	if (n < 0 || (o->p != NULL && (size_t)n >= o->cap - o->len))
		abort();
	o->len += (size_t)n;
}

static size_t
write_svg(struct out *o, const QRcode *qr)
{
	int	n, x, y, end;

	n = qr->width + 2 * QRSVG_QUIET;
	emit(o, SVG_HEAD, n, n, n * QRSVG_SCALE, n * QRSVG_SCALE);

	for (y = 0; y < qr->width; y++) {
		for (x = 0; x < qr->width; x = end + 1) {
			end = run_end(qr, x, y);
			if (end == x)
				continue;
			emit(o, SVG_RUN, x + QRSVG_QUIET, y + QRSVG_QUIET,
			    end - x, end - x);
		}
	}
	emit(o, "%s", SVG_TAIL);

	return (o->len);
}

char *
qrsvg_render(const char *text, size_t *len)
{
	QRcode		*qr;
	struct out	 o;

	if (text == NULL || text[0] == '\0') {
		errno = EINVAL;
		return (NULL);
	}

	/* Case-sensitive: otpauth secrets and labels must survive as is. */
	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8,
	    1)) == NULL)
		return (NULL);

	memset(&o, 0, sizeof(o));
	o.cap = write_svg(&o, qr) + 1;
	if ((o.p = malloc(o.cap)) == NULL)
		abort();
	o.len = 0;
	write_svg(&o, qr);
	QRcode_free(qr);

	if (len != NULL)
		*len = o.len;

	return (o.p);
}
