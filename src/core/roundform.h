/*
 * The fields of the round form (admin): each check returns NULL when the
 * value is acceptable, or the message to show next to the field.
 */
#ifndef LAUREL_CORE_ROUNDFORM_H
#define LAUREL_CORE_ROUNDFORM_H

#include <stddef.h>

#include <jansson.h>

#define ROUNDFORM_SLUG_MAX		60
#define ROUNDFORM_CATEGORIES_MAX	12
#define ROUNDFORM_DESCRIPTION_MAX	(64 * 1024)

/* The default categories of the real call, one per line, as the form shows them. */
extern const char	roundform_default_categories[];

const char	*roundform_slug(const char *);
const char	*roundform_title(const char *);

/* "YYYY-MM-DDTHH:MM" (an HTML datetime-local); "" allowed unless required. */
const char	*roundform_datetime(const char *, int required);

/* A whole number in [min, max] into *out. */
const char	*roundform_int(const char *, int min, int max, int *out);

/*
 * Categories, one per line: "CODE — description" (also "CODE: ..." or
 * "CODE - ..."). On success *out is a new JSON array of {code,
 * description} (caller decrefs).
 */
const char	*roundform_categories(const char *, json_t **out);

/*
 * Country codes separated by spaces, commas or lines, case-insensitive.
 * On success *out is a malloc'd PostgreSQL array literal "{AT,BE}"
 * (caller frees); whether each code exists is the database's to say.
 */
const char	*roundform_countries(const char *, char **out);

#endif
