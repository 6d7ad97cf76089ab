#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/token.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/session.h"
#include "web/settings.h"

int
session_cookie_get(struct http_request *req, const char *name, char *out,
    size_t len)
{
	const char	*hdr, *p, *end;
	size_t		 nlen, vlen;

	if (!http_request_header(req, "cookie", &hdr))
		return (0);

	nlen = strlen(name);
	for (p = hdr; p != NULL && *p != '\0'; p = end) {
		while (*p == ' ' || *p == ';')
			p++;
		end = strchr(p, ';');
		if (strncmp(p, name, nlen) != 0 || p[nlen] != '=')
			continue;
		p += nlen + 1;
		vlen = end != NULL ? (size_t)(end - p) : strlen(p);
		if (vlen == 0 || vlen >= len)
			return (0);
		memcpy(out, p, vlen);
		out[vlen] = '\0';
		return (1);
	}

	return (0);
}

void
session_cookie_set(struct http_request *req, const char *name,
    const char *value, int max_age)
{
	char		 buf[256];

	(void)snprintf(buf, sizeof(buf), "%s=%s; Path=/; HttpOnly; "
	    "SameSite=Lax; Max-Age=%d%s", name, value, max_age,
	    settings.secure ? "; Secure" : "");
	http_response_header(req, "set-cookie", buf);
}

static void
session_copy(char *dst, size_t len, const char *src)
{
	(void)snprintf(dst, len, "%s", src);
}

void
session_parse(struct http_request *req)
{
	struct ctx	*ctx;
	struct user	*u;
	char		 token[CTX_TOKEN_LEN];

	ctx = ctx_get(req);
	if (db_rows(req) != 1 || db_text(req, "user_id") == NULL ||
	    !session_cookie_get(req, SESSION_COOKIE,
	    token, sizeof(token)))
		return;

	u = kore_calloc(1, sizeof(*u));
	/* Kept so that logout ends exactly this session. */
	token_hash(token, u->session_hash);
	u->id = strtoll(db_text(req, "user_id"), NULL, 10);
	session_copy(u->email, sizeof(u->email), db_text(req, "email"));
	session_copy(u->name, sizeof(u->name), db_text(req, "display_name"));
	u->is_admin = db_bool(req, "is_admin");
	u->has_totp = db_bool(req, "has_totp");
	u->mfa_ok = db_bool(req, "mfa_ok");
	session_copy(u->csrf, sizeof(u->csrf), db_text(req, "csrf"));
	ctx->user = u;
}

/* The hash of a well-formed session cookie into hash; 0 when none. */
int
session_token_hash(struct http_request *req, char *hash)
{
	char	token[CTX_TOKEN_LEN];

	if (!session_cookie_get(req, SESSION_COOKIE, token, sizeof(token)) ||
	    !token_valid(token))
		return (0);
	token_hash(token, hash);

	return (1);
}

/*
 * The session has ended (sign-out, deleted account): the cookie goes, and
 * nobody is signed in for the rest of this request either.
 */
void
session_forget(struct http_request *req)
{
	struct ctx	*ctx;

	ctx = ctx_get(req);
	session_cookie_set(req, SESSION_COOKIE, "", 0);
	kore_free(ctx->user);
	ctx->user = NULL;
}

struct user *
session_partial(struct http_request *req)
{
	return (ctx_get(req)->user);
}

struct user *
session_user(struct http_request *req)
{
	struct user	*u;

	u = ctx_get(req)->user;
	if (u == NULL || !u->mfa_ok)
		return (NULL);

	return (u);
}
