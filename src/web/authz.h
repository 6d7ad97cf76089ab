/*
 * The one place that answers "may this user do this to this resource".
 * Each returns 1 when the handler may go on; otherwise it has already
 * answered: anonymous users go to /login (and come back after), and what
 * a user may not see is the 404 page, so its existence does not leak.
 */
#ifndef LAUREL_WEB_AUTHZ_H
#define LAUREL_WEB_AUTHZ_H

#include <kore/kore.h>
#include <kore/http.h>

/* Any signed-in account (second factor done when it has one). */
int	authz_signed_in(struct http_request *);

/* Administrators, who must have TOTP (unless a dev instance says not). */
int	authz_admin(struct http_request *);

#endif
