/*
 * Field rules shared by the forms: each returns NULL when the value is
 * acceptable, or the message to show next to the field.
 */
#ifndef LAUREL_CORE_VALID_H
#define LAUREL_CORE_VALID_H

#include <stddef.h>

#define VALID_EMAIL_MAX		254
#define VALID_NAME_MAX		200

/* Counts Unicode code points of valid UTF-8 (the length a person sees). */
size_t		 valid_chars(const char *);

/* An e-mail address as people type it: local@domain.tld, no spaces. */
const char	*valid_email(const char *);

/* A display name: 1 to 200 characters, no control characters. */
const char	*valid_display_name(const char *);

/*
 * The id after prefix in a path ("/applications/" in
 * "/applications/12/files"): 1 to 10^15, else 0. *rest (if not NULL)
 * points past the digits.
 */
long long	 valid_path_id(const char *path, const char *prefix,
		    const char **rest);

/*
 * Whether a redirect target ("next") is a path of this site, as a browser
 * would read it: "/" and then not a second "/" or "\\", and nothing a
 * browser drops or turns into a slash on the way: printable ASCII only,
 * no backslash, and no control character or backslash percent-encoded
 * either. At most VALID_PATH_MAX bytes.
 */
#define VALID_PATH_MAX		512
int		 valid_local_path(const char *);

/* A hex digit's value, or -1. */
int		 valid_hexdigit(int);

/* Trims leading and trailing white space in place; returns s. */
char		*valid_trim(char *);

#endif
