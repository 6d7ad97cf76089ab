/*
 * gzip for the pages that are kept (web/pubcache.c): compressed once when
 * kept, sent to every client that accepts it. Pure; needs zlib
 * (LIBS_gzip).
 */
#ifndef LAUREL_CORE_GZIP_H
#define LAUREL_CORE_GZIP_H

#include <stddef.h>

/*
 * Whether an Accept-Encoding value accepts gzip: "gzip", "x-gzip" or "*"
 * listed with a q above 0 (RFC 9110 §12.5.3; an explicit "gzip;q=0"
 * refuses it even after "*"). 0 for NULL.
 */
int	gzip_accepted(const char *accept_encoding);

/*
 * in compressed into a new buffer (*out, free() it) of *outlen bytes.
 * 0, or -1 (out of memory, or no smaller than in: not worth sending).
 */
int	gzip_compress(const void *in, size_t len, void **out, size_t *outlen);

#endif
