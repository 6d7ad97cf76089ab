/*
 * libFuzzer driver for valid_local_path() (src/core/valid.c), the check
 * of a redirect target after sign-in. The oracle is what a browser does
 * with a Location: drop tabs and line breaks, read backslashes as
 * slashes, and (for the worst case) decode percent-escapes once. Any
 * path accepted must still be a path of this site after all of that:
 * "/" and not "//", and nothing but printable ASCII as sent.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/valid.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/*
 * The oracle's own decoder, on purpose not valid_hexdigit(): a bug there
 * would otherwise agree with itself.
 */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* As a browser might read s: out has room for strlen(s) + 1 bytes. */
static void
browser_read(const char *s, char *out)
{
	size_t	i, o;
	int	hi, lo;
	char	c;

	for (i = 0, o = 0; s[i] != '\0'; i++) {
		c = s[i];
		if (c == '\t' || c == '\n' || c == '\r')
			continue;
		if (c == '%' && s[i + 1] != '\0' && s[i + 2] != '\0' &&
		    (hi = hexval((unsigned char)s[i + 1])) != -1 &&
		    (lo = hexval((unsigned char)s[i + 2])) != -1) {
			c = (char)(hi * 16 + lo);
			i += 2;
			if (c == '\t' || c == '\n' || c == '\r')
				continue;
		}
		out[o++] = c == '\\' ? '/' : c;
	}
	out[o] = '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, *read;
	size_t	 i;

	if ((s = malloc(size + 1)) == NULL || (read = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';

	if (valid_local_path(s)) {
		if (strlen(s) > VALID_PATH_MAX || s[0] != '/')
			abort();
		for (i = 0; s[i] != '\0'; i++) {
			if ((unsigned char)s[i] <= 0x20 ||
			    (unsigned char)s[i] >= 0x7f || s[i] == '\\')
				abort();
		}
		browser_read(s, read);
		if (read[0] != '/' || read[1] == '/')
			abort();
	}

	free(read);
	free(s);
	return (0);
}
