/*
 * What a form page shows after a failed submit: each message next to its
 * field, a summary at the top linking to the fields, and what the user
 * typed (never passwords) put back.
 */
#ifndef LAUREL_WEB_FIELDS_H
#define LAUREL_WEB_FIELDS_H

#include <kore/kore.h>
#include <kore/http.h>

/* Adds msg for field (error_FIELD, errors[], has_errors in the page data). */
void	fields_error(struct http_request *, const char *field, const char *msg);

/* 1 if fields_error() was called for this request. */
int	fields_failed(struct http_request *);

/* Puts value back into the page data under field. */
void	fields_keep(struct http_request *, const char *field, const char *value);

/* A local path to return to (never another site), or "". */
const char	*fields_local_path(const char *);

/* Wipes and frees a kore_strdup'ed secret (NULL is fine). */
void	fields_secret_free(char *);

#endif
