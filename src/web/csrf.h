/*
 * CSRF: every POST carries csrf_token. Signed in, it must equal the
 * session's own token; before any session exists (sign-in, registration)
 * it must equal the laurel_csrf cookie (double submit). Missing or wrong:
 * the 403 page, and nothing changes.
 */
#ifndef LAUREL_WEB_CSRF_H
#define LAUREL_WEB_CSRF_H

#include <kore/kore.h>
#include <kore/http.h>

#define CSRF_COOKIE	"laurel_csrf"
#define CSRF_FIELD	"csrf_token"

/* The token to put in forms (sets the cookie when there is none yet). */
const char	*csrf_token(struct http_request *);

/* 1 if the parsed form's token is right; else sends the 403 page, 0. */
int		 csrf_check(struct http_request *);

/* The 403 page a refused token gets. */
void		 csrf_refuse(struct http_request *);

/* Puts csrf_token into the page data. */
void		 csrf_expose(struct http_request *);

#endif
