#include <string.h>

#include "core/mailfmt.h"
#include "core/valid.h"

size_t
valid_chars(const char *s)
{
	size_t		 n;

	/* Continuation bytes (10xxxxxx) do not start a character. */
	for (n = 0; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}

	return (n);
}

static int
valid_has_control(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return (1);
	}

	return (0);
}

static int
valid_email_char(unsigned char c)
{
	if (c <= 0x20 || c == 0x7f)
		return (0);
	return (strchr("()<>[]\\,;:\"", c) == NULL);
}

const char *
valid_email(const char *s)
{
	const char	*at, *dot, *p;
	size_t		 len;

	len = strlen(s);
	if (len == 0)
		return ("Enter your e-mail address.");
	if (len > VALID_EMAIL_MAX)
		return ("An e-mail address has at most 254 characters.");

	for (p = s; *p != '\0'; p++) {
		if (!valid_email_char((unsigned char)*p) && *p != '@')
			return ("Enter an e-mail address like "
			    "name@example.org, without spaces.");
	}

	at = strrchr(s, '@');
	if (at == NULL || at == s || strchr(s, '@') != at)
		return ("Enter an e-mail address like name@example.org.");

	dot = strrchr(at, '.');
	if (dot == NULL || dot == at + 1 || dot[1] == '\0' ||
	    strstr(at, "..") != NULL)
		return ("The part after @ must be a domain like example.org.");

	/* Only what the mailer can deliver to: an account must get mail. */
	if (!mailfmt_addr_valid(s))
		return ("This address cannot receive our e-mail. Use an "
		    "address with plain letters (a-z), digits, dots and "
		    "hyphens.");

	return (NULL);
}

const char *
valid_display_name(const char *s)
{
	size_t		 n;

	n = valid_chars(s);
	if (n == 0)
		return ("Enter your name.");
	if (n > VALID_NAME_MAX)
		return ("Use at most 200 characters.");
	if (valid_has_control(s))
		return ("The name contains characters that are not allowed.");

	return (NULL);
}

char *
valid_trim(char *s)
{
	size_t		 len;
	char		*p;

	for (p = s; *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'; p++)
		;
	if (p != s)
		memmove(s, p, strlen(p) + 1);

	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\n' || s[len - 1] == '\r'))
		s[--len] = '\0';

	return (s);
}

long long
valid_path_id(const char *path, const char *prefix, const char **rest)
{
	const char	*p;
	long long	 id;
	size_t		 n;

	n = strlen(prefix);
	if (strncmp(path, prefix, n) != 0)
		return (0);
	for (p = path + n, id = 0; *p >= '0' && *p <= '9'; p++) {
		if (id > 1000000000000000LL)
			return (0);
		id = id * 10 + (*p - '0');
	}
	if (rest != NULL)
		*rest = p;

	return (id);
}

/* A byte a browser reads as itself in a path: printable ASCII, no '\\'. */
static int
valid_path_byte(unsigned char c)
{
	return (c > 0x20 && c < 0x7f && c != '\\');
}

int
valid_hexdigit(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

int
valid_local_path(const char *path)
{
	const unsigned char	*p;
	size_t			 i, len;
	int			 hi, lo, c;

	if (path == NULL || path[0] != '/')
		return (0);
	if ((len = strlen(path)) > VALID_PATH_MAX)
		return (0);

	/*
	 * Every byte, and every percent-encoded byte once decoded, must be
	 * one a browser keeps as it is: then "/" followed by anything but
	 * "/" stays a path of this site.
	 */
	p = (const unsigned char *)path;
	for (i = 0; i < len; i++) {
		c = p[i];
		if (!valid_path_byte(c))
			return (0);
		if (c != '%')
			continue;
		if (i + 2 >= len)
			return (0);
		if ((hi = valid_hexdigit(p[i + 1])) == -1 ||
		    (lo = valid_hexdigit(p[i + 2])) == -1)
			return (0);
		/* Encoded, only what a browser may drop or read as '/'. */
		c = hi * 16 + lo;
		if (c < 0x20 || c == 0x7f || c == '\\')
			return (0);
		/* "/%2F..." is "//..." to a browser that decodes it. */
		if (i == 1 && c == '/')
			return (0);
		i += 2;
	}

	return (p[1] != '/');
}
