/*
 * libFuzzer driver for the organisation names of src/core/conflict.c:
 * any bytes, as a reviewer or applicant might type them. A name either
 * is refused or normalises to printable text without runs of spaces,
 * and normalising that again changes nothing; a name is always the same
 * organisation as its own normal form, unless that is empty.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/conflict.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s, a[CONFLICT_NAME_MAX], b[CONFLICT_NAME_MAX];

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';

	if (conflict_org_normalise(s, a, sizeof(a)) == 0) {
		if (strstr(a, "  ") != NULL || a[0] == ' ' ||
		    (a[0] != '\0' && a[strlen(a) - 1] == ' '))
			abort();
		if (conflict_org_normalise(a, b, sizeof(b)) != 0 ||
		    strcmp(a, b) != 0)
			abort();
		if (a[0] != '\0' && !conflict_org_same(s, a))
			abort();
	}

	free(s);
	return (0);
}
