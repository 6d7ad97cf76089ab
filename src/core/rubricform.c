/*
 * The rubric form's checks (core/rubricform.h). Numbers are read by
 * hand, not with strtod(): it takes "1e1", "0x10", " 3" and the locale's
 * decimal point, none of which a person means here.
 */

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "core/rubricform.h"
#include "core/valid.h"

const char *
rubricform_text(const char *s, size_t max, const char *what)
{
	static char	msg[160];

	if (s[0] == '\0') {
		(void)snprintf(msg, sizeof(msg), "Enter the %s.", what);
		return (msg);
	}
	if (valid_chars(s) > max) {
		(void)snprintf(msg, sizeof(msg), "The %s has at most %zu "
		    "characters.", what, max);
		return (msg);
	}
	return (NULL);
}

/*
 * A decimal "D[.DD]" into hundredths; -1 when it is not one. At most 7
 * digits before the point.
 */
static long
decimal_hundredths(const char *s)
{
	size_t	n, f;
	long	v;

	n = strspn(s, "0123456789");
	if (n == 0 || n > 7)
		return (-1);
	v = 0;
	for (f = 0; f < n; f++)
		v = v * 10 + (s[f] - '0');
	v *= 100;
	if (s[n] == '\0')
		return (v);
	if (s[n] != '.')
		return (-1);
	f = strspn(s + n + 1, "0123456789");
	if (f == 0 || f > 2 || s[n + 1 + f] != '\0')
		return (-1);
	v += (s[n + 1] - '0') * 10;
	if (f == 2)
		v += s[n + 2] - '0';

	return (v);
}

static void
hundredths_format(long v, char *out, size_t outlen)
{
	if (v % 100 == 0)
		(void)snprintf(out, outlen, "%ld", v / 100);
	else if (v % 10 == 0)
		(void)snprintf(out, outlen, "%ld.%ld", v / 100, (v % 100) / 10);
	else
		(void)snprintf(out, outlen, "%ld.%02ld", v / 100, v % 100);
}

const char *
rubricform_weight(const char *s, char *out, size_t outlen)
{
	long	v;

	if (s[0] == '\0')
		return ("Enter the weight, a number such as 15.");
	if ((v = decimal_hundredths(s)) == -1)
		return ("A weight is a number such as 15 or 12.5 (at most two "
		    "decimals).");
	if (v == 0 || v > 100000)
		return ("A weight is above 0 and at most 1000.");
	hundredths_format(v, out, outlen);

	return (NULL);
}

const char *
rubricform_gate(const char *s, char *out, size_t outlen)
{
	long	v;

	out[0] = '\0';
	if (s[0] == '\0')
		return (NULL);
	if ((v = decimal_hundredths(s)) == -1 || v > 500 || v % 50 != 0)
		return ("A gate is empty, or a score from 0 to 5 in steps of "
		    "0.5.");
	hundredths_format(v, out, outlen);

	return (NULL);
}

const char *
rubricform_tie_break(const char *s, char codes[][RUBRICFORM_CODE_MAX],
    size_t *n)
{
	const char	*p;
	size_t		 len, i, k;

	*n = 0;
	for (p = s; *p != '\0'; p += len) {
		p += strspn(p, " ,>\t\r\n");
		if ((len = strcspn(p, " ,>\t\r\n")) == 0)
			break;
		if (len >= RUBRICFORM_CODE_MAX)
			return ("A criterion's code is short, such as C1.");
		if (*n == RUBRICFORM_CODES_MAX)
			return ("A tie-break order names at most 20 criteria.");
		for (i = 0; i < len; i++) {
			if (!isalnum((unsigned char)p[i]))
				return ("Name criteria by their codes, such as "
				    "C1 C2 C7.");
			codes[*n][i] = (char)toupper((unsigned char)p[i]);
		}
		codes[*n][len] = '\0';
		for (k = 0; k < *n; k++) {
			if (strcmp(codes[k], codes[*n]) == 0)
				return ("Name each criterion once.");
		}
		(*n)++;
	}
	if (*n == 0)
		return ("Name at least one criterion, such as C1 C2 C7.");

	return (NULL);
}
