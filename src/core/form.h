/*
 * form: request bodies in application/x-www-form-urlencoded and
 * multipart/form-data, parsed by the app rather than by Kore, because Kore
 * keeps at most 19 arguments and silently drops the ones a handler did not
 * declare.
 *
 * Every field is kept, in body order, so repeated names (partner_name,
 * partner_country, ...) can be read back with form_count() and
 * form_get_nth().  Names and text values are checked to be valid UTF-8
 * without control characters (values may hold \t, \r and \n; CRLF, and a
 * lone CR, is stored as a single \n).  File parts keep their bytes
 * untouched.
 *
 * On failure a parse function returns -1, leaves the form without fields
 * and puts a sentence meant for the user in form->error.  The sentence
 * holds no raw request bytes except, at most, a field name that has passed
 * the name checks, cut to 64 bytes; escape it as any text for HTML.
 *
 * All memory is owned by the struct form and released by form_free().
 * Allocation failure aborts.
 */

#ifndef LAUREL_CORE_FORM_H
#define LAUREL_CORE_FORM_H

#include <stddef.h>

/* Used by the parse functions when they are given NULL limits. */
#define FORM_DEFAULT_MAX_FIELDS		500
#define FORM_DEFAULT_MAX_NAME_LEN	128
#define FORM_DEFAULT_MAX_VALUE_LEN	(256 * 1024)
#define FORM_DEFAULT_MAX_FILE_LEN	(20 * 1024 * 1024)
#define FORM_DEFAULT_MAX_FILES		5

/* A part's header block (all its header lines) may not be larger. */
#define FORM_MAX_PART_HEADER		8192

/* Longest sanitised file name, in bytes. */
#define FORM_MAX_FILENAME		200

/* Placeholder when nothing of a file name survives sanitising. */
#define FORM_UNNAMED_FILE		"unnamed"

/*
 * Inclusive maxima; 0 means none allowed.  Lengths are in bytes: names
 * after decoding, text values after decoding and newline folding, files
 * as sent.  max_fields counts every field, files included.
 */
struct form_limits {
	size_t	max_fields;
	size_t	max_name_len;
	size_t	max_value_len;
	size_t	max_file_len;
	size_t	max_files;
};

struct form_field {
	char		*name;		/* NUL-terminated, valid UTF-8 */
	char		*value;		/* NUL-terminated copy (text) or raw bytes + NUL (file) */
	size_t		 len;		/* length of value, excluding the NUL */
	char		*filename;	/* NULL unless a file part; sanitised */
	char		*content_type;	/* NULL unless given for a file part */
};

struct form {
	struct form_field	*fields;
	size_t			 nfields;
	size_t			 fieldcap;	/* private: slots in fields */
	char			 error[256];	/* message when a parse fails */
};

/* form_free() releases the fields and clears the message. */
void	form_init(struct form *);
void	form_free(struct form *);	/* idempotent */

/*
 * The parse functions start by emptying the form, so a struct form can be
 * reused.  A multipart file part with an empty filename and no bytes is
 * what a browser sends for a file input left empty: it is skipped.
 */
int	form_parse_urlencoded(struct form *, const struct form_limits *,
	    const void *body, size_t len);
int	form_parse_multipart(struct form *, const struct form_limits *,
	    const char *content_type, const void *body, size_t len);
/* Picks by Content-Type (NULL or unknown type: error "Unsupported form encoding."). */
int	form_parse(struct form *, const struct form_limits *,
	    const char *content_type, const void *body, size_t len);

/*
 * Look-ups by exact name.  form_get(), form_count() and form_get_nth()
 * only see text fields; form_file(), form_file_count() and
 * form_file_nth() only see file parts.  n counts from 0.  Returned
 * pointers belong to the form.
 */
const char	*form_get(const struct form *, const char *name);	/* first text value or NULL */
size_t		 form_count(const struct form *, const char *name);
const char	*form_get_nth(const struct form *, const char *name, size_t n);
const struct form_field	*form_file(const struct form *, const char *name);	/* first file part */
size_t		 form_file_count(const struct form *, const char *name);
const struct form_field	*form_file_nth(const struct form *, const char *name,
		    size_t n);

/* Shared helpers the app also needs: */
int	form_utf8_valid(const void *, size_t);	/* 1 if valid UTF-8 */

/*
 * Writes a display-safe version of a client-supplied file name to dst
 * (NUL-terminated, at most FORM_MAX_FILENAME bytes plus the NUL, so dst
 * needs FORM_MAX_FILENAME + 1 bytes): last path component only, valid
 * UTF-8 (bad bytes become U+FFFD), without control or bidirectional
 * formatting characters, never "", "." or "..".  Returns the length.
 */
size_t	form_filename_sanitise(char *dst, const void *src, size_t len);

#endif /* !LAUREL_CORE_FORM_H */
