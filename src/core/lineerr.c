/*
 * "line N: what" (core/lineerr.h).
 */

#include <stdarg.h>
#include <stdio.h>

#include "core/lineerr.h"

int
lineerr(char *err, size_t errlen, size_t line, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;

	n = snprintf(err, errlen, "line %zu: ", line);
	if (n >= 0 && (size_t)n < errlen) {
		va_start(ap, fmt);
		(void)vsnprintf(err + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return (-1);
}
