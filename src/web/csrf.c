#include <kore/kore.h>
#include <kore/http.h>

#include <string.h>

#include "core/form.h"
#include "core/token.h"
#include "web/csrf.h"
#include "web/ctx.h"
#include "web/page.h"
#include "web/session.h"

/* A year: the cookie protects forms, it does not identify anyone. */
#define CSRF_MAX_AGE	(365 * 24 * 60 * 60)

static const char *
csrf_anonymous(struct http_request *req)
{
	struct ctx	*ctx;
	char		 tok[CTX_TOKEN_LEN];

	/* The page data owns the string, so it lives as long as the page. */
	ctx = ctx_get(req);
	if (!session_cookie_get(req, CSRF_COOKIE, tok, sizeof(tok)) ||
	    !token_valid(tok)) {
		if (token_new(tok, sizeof(tok)) == -1)
			fatal("csrf: no randomness");
		session_cookie_set(req, CSRF_COOKIE, tok, CSRF_MAX_AGE);
	}
	json_object_set_new(ctx->data, "csrf_cookie", json_string(tok));

	return (json_string_value(json_object_get(ctx->data, "csrf_cookie")));
}

const char *
csrf_token(struct http_request *req)
{
	struct user	*u;

	if ((u = session_partial(req)) != NULL)
		return (u->csrf);

	return (csrf_anonymous(req));
}

void
csrf_expose(struct http_request *req)
{
	json_object_set_new(ctx_get(req)->data, CSRF_FIELD,
	    json_string(csrf_token(req)));
}

int
csrf_check(struct http_request *req)
{
	struct user	*u;
	const char	*sent;
	char		 want[CTX_TOKEN_LEN];

	sent = form_get(&ctx_get(req)->form, CSRF_FIELD);
	if (sent == NULL)
		goto refuse;

	if ((u = session_partial(req)) != NULL) {
		if (token_equal(sent, u->csrf))
			return (1);
		goto refuse;
	}

	if (session_cookie_get(req, CSRF_COOKIE, want, sizeof(want)) &&
	    token_valid(want) && token_equal(sent, want))
		return (1);

refuse:
	csrf_refuse(req);
	return (0);
}

void
csrf_refuse(struct http_request *req)
{
	page_error(req, 403, "This form has expired or did not come from "
	    "this site. Please go back, reload the page and try again.");
}
