/*
 * Sessions live only in PostgreSQL (any instance serves any user): the
 * cookie laurel_session holds a random 256-bit token, the database its
 * SHA-256. The driver selects SESSION_COLUMNS FROM session_touch() with
 * every page's own query (one round trip), and session_parse() reads
 * them.
 */
#ifndef LAUREL_WEB_SESSION_H
#define LAUREL_WEB_SESSION_H

#include <kore/kore.h>
#include <kore/http.h>

#include "web/ctx.h"

#define SESSION_COOKIE		"laurel_session"
#define SESSION_MAX_AGE		(12 * 60 * 60)

/* The columns session_parse() reads, first in every session query. */
#define SESSION_COLUMNS	"s.user_id, s.email, s.display_name, s.is_admin, " \
			"s.has_totp, s.mfa_ok, s.csrf"
#define SESSION_FROM	"FROM session_touch($1) s"

/* The driver's half: the cookie's hash, and the row once it is in. */
int		 session_token_hash(struct http_request *, char *);
void		 session_parse(struct http_request *);

/* The signed-in user, fully authenticated (second factor done), or NULL. */
struct user	*session_user(struct http_request *);

void		 session_forget(struct http_request *);

/* The session even when its second factor is still pending, or NULL. */
struct user	*session_partial(struct http_request *);

/* The value of cookie name (exact match) into out; 0 if absent/invalid. */
int		 session_cookie_get(struct http_request *, const char *name,
		    char *out, size_t len);

/* Set-Cookie with the attributes every cookie of ours carries. */
void		 session_cookie_set(struct http_request *, const char *name,
		    const char *value, int max_age);

#endif
