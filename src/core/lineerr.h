/*
 * The error of a pure parser of a line-based text (an environment file,
 * a backup manifest): "line N: what", cut to fit err.
 */
#ifndef LAUREL_CORE_LINEERR_H
#define LAUREL_CORE_LINEERR_H

#include <stddef.h>

/* Writes the message; always -1, for `return (lineerr(...));`. */
int	lineerr(char *err, size_t errlen, size_t line, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

#endif
