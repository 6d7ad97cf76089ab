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

static const char	sql_session_touch[] =
    "SELECT " SESSION_COLUMNS " " SESSION_FROM;

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
	ctx->session_checked = 1;
	if (db_rows(req) != 1 || !session_cookie_get(req, SESSION_COOKIE,
	    token, sizeof(token)))
		return;

	u = kore_calloc(1, sizeof(*u));
	/* Kept so that logout ends exactly this session. */
	token_hash(token, u->session_hash);
	u->id = strtoll(db_value(req, 0, 0), NULL, 10);
	session_copy(u->email, sizeof(u->email), db_value(req, 0, 1));
	session_copy(u->name, sizeof(u->name), db_value(req, 0, 2));
	u->is_admin = db_value(req, 0, 3)[0] == 't';
	u->has_totp = db_value(req, 0, 4)[0] == 't';
	u->mfa_ok = db_value(req, 0, 5)[0] == 't';
	session_copy(u->csrf, sizeof(u->csrf), db_value(req, 0, 6));
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

int
session_load(struct http_request *req, u_int8_t next)
{
	return (session_load_with(req, next, sql_session_touch, 0, NULL));
}

/*
 * The session check and the page's own query in one round trip (SPEC
 * §8): sql selects SESSION_COLUMNS first and reads FROM session_touch($1)
 * s, so the page's columns, from SESSION_NCOLS on, can use s.user_id;
 * params are $2 and on. Without a valid session there is no row, and no
 * query at all without a session cookie.
 */
int
session_load_with(struct http_request *req, u_int8_t next, const char *sql,
    int nparams, const char *const *params)
{
	struct ctx	*ctx;
	char		 token[CTX_TOKEN_LEN], hash[CTX_HASH_LEN];
	const char	*all[SESSION_PARAMS_MAX + 1];
	int		 i;

	ctx = ctx_get(req);
	if (ctx->session_checked || !session_cookie_get(req, SESSION_COOKIE,
	    token, sizeof(token)) || !token_valid(token)) {
		ctx->session_checked = 1;
		req->fsm_state = next;
		return (HTTP_STATE_CONTINUE);
	}
	if (nparams < 0 || nparams > SESSION_PARAMS_MAX)
		fatal("session_load_with: %d parameters", nparams);

	token_hash(token, hash);
	all[0] = hash;
	for (i = 0; i < nparams; i++)
		all[i + 1] = params[i];

	return (db_query_then(req, next, sql, nparams + 1, all,
	    session_parse));
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
