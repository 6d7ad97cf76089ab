/*
 * qrsvg: a QR code as an inline SVG element, for the authenticator set-up
 * page (the otpauth:// URI from totp_uri()).
 *
 * The markup is made to be inlined under a strict CSP: no style
 * attribute, no script, no external reference.  It is one <svg> with a
 * white background <rect> and one black <path>; each run of dark modules
 * in a row is one "M x y h n v1 h-n z" rectangle in module units.  The
 * symbol has the 4-module quiet zone of ISO/IEC 18004, so the viewBox is
 * "0 0 N N" with N = QR width + 2 * QRSVG_QUIET, and width and height are
 * N * QRSVG_SCALE (CSS pixels; a stylesheet may override them).
 *
 * Encoding: libqrencode, error correction level M, case-sensitive, with
 * the 8-bit hint (digits and upper-case runs may still get the denser
 * numeric or alphanumeric segments; every reader decodes those).
 */

#ifndef LAUREL_CORE_QRSVG_H
#define LAUREL_CORE_QRSVG_H

#include <stddef.h>

#define QRSVG_QUIET	4	/* modules of white border on each side */
#define QRSVG_SCALE	4	/* CSS pixels per module */

#define QRSVG_LABEL	"QR code for setting up the authenticator app"

/*
 * Returns the NUL-terminated SVG markup and, when len is not NULL, its
 * length.  NULL if text is NULL or empty, or too long for any QR symbol
 * (errno ERANGE), or when libqrencode fails; our own allocation failure
 * aborts.  The caller frees the string with free().
 */
char	*qrsvg_render(const char *text, size_t *len);

#endif /* !LAUREL_CORE_QRSVG_H */
