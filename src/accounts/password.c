/*
 * Forgotten passwords: /password/forgot sends a single-use link (valid
 * one hour; the same answer whether or not the address has an account),
 * /password/reset sets the new password and signs out every session.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/pwhash.h"
#include "core/pwpolicy.h"
#include "core/token.h"
#include "core/valid.h"
#include "accounts/accounts.h"
#include "accounts/password.h"
#include "web/body.h"
#include "web/client.h"
#include "web/csrf.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/page.h"
#include "web/passwords.h"
#include "web/session.h"
#include "web/work.h"

#define FORM_PAGE	(HTTP_METHOD_GET | HTTP_METHOD_HEAD | HTTP_METHOD_POST)

struct reset {
	char		 email[VALID_EMAIL_MAX + 1];
	char		 ip[CLIENT_ADDR_LEN];
	char		 token[CTX_TOKEN_LEN];
	char		 token_hash[CTX_HASH_LEN];
	char		*password;
	char		 hash[PWHASH_LEN];
	char		*mail;
};

static void
reset_free(void *arg)
{
	struct reset	*r = arg;

	fields_secret_free(r->password);
	free(r->mail);
	sodium_memzero(r, sizeof(*r));
	kore_free(r);
}

static struct reset *
reset_arg(struct http_request *req)
{
	struct ctx	*ctx;
	struct reset	*r;

	ctx = ctx_get(req);
	if (ctx->arg == NULL) {
		r = kore_calloc(1, sizeof(*r));
		client_addr(req, r->ip, sizeof(r->ip));
		ctx->arg = r;
		ctx->arg_free = reset_free;
	}

	return (ctx->arg);
}

/*
 * Asking for a link.
 */

static int	forgot_route(struct http_request *);
static int	forgot_done(struct http_request *);

enum { FORGOT_ROUTE, FORGOT_DONE };

static struct http_state forgot_states[] = {
	KORE_HTTP_STATE(forgot_route),
	KORE_HTTP_STATE(forgot_done),
};

int
password_forgot(struct http_request *req)
{
	if (!page_allow(req, FORM_PAGE))
		return (KORE_RESULT_OK);

	return (http_state_run(forgot_states,
	    sizeof(forgot_states) / sizeof(forgot_states[0]), req));
}

static int
forgot_form(struct http_request *req, int status)
{
	csrf_expose(req);
	page_render(req, status, "password_forgot");
	return (HTTP_STATE_COMPLETE);
}

static void
forgot_mail(struct reset *r)
{
	json_t		*data;
	char		 path[128], *link;

	(void)snprintf(path, sizeof(path), "/password/reset?token=%s",
	    r->token);
	link = page_url(path);
	data = json_pack("{s:s}", "link", link);
	r->mail = page_plain("mail/password_reset", data);
	json_decref(data);
	kore_free(link);
}

static const char	sql_reset_request[] =
    "SELECT allowed, retry_after FROM "
    "password_reset_request($1, $2, $3, $4, $5)";

static int
forgot_route(struct http_request *req)
{
	struct reset	*r;
	const char	*msg, *params[5];

	if (req->method != HTTP_METHOD_POST) {
		if (form_get(body_query(req), "sent") != NULL) {
			page_render(req, 200, "password_sent");
			return (HTTP_STATE_COMPLETE);
		}
		return (forgot_form(req, 200));
	}

	if (ctx_get(req)->arg == NULL) {
		if (body_form(req) == NULL || !csrf_check(req))
			return (HTTP_STATE_COMPLETE);
		r = reset_arg(req);
		(void)snprintf(r->email, sizeof(r->email), "%s",
		    body_get(req, "email"));
		valid_trim(r->email);
		fields_keep(req, "email", r->email);
		if ((msg = valid_email(r->email)) != NULL) {
			fields_error(req, "email", msg);
			return (forgot_form(req, 422));
		}
		if (token_new(r->token, sizeof(r->token)) == -1)
			fatal("password: no randomness");
		token_hash(r->token, r->token_hash);
		forgot_mail(r);
	}

	r = reset_arg(req);
	params[0] = r->email;
	params[1] = r->token_hash;
	params[2] = r->ip;
	params[3] = "Choose a new password · PRECISEU Best Practice "
	    "Recognition";
	params[4] = r->mail;

	return (db_query(req, FORGOT_DONE, sql_reset_request, 5, params));
}

static int
forgot_done(struct http_request *req)
{
	if (db_value(req, 0, 0)[0] != 't') {
		page_throttled(req, "requests for a new password",
		    db_value(req, 0, 1));
		return (HTTP_STATE_COMPLETE);
	}

	page_redirect(req, "/password/forgot?sent=1");
	return (HTTP_STATE_COMPLETE);
}

/*
 * Setting the new password.
 */

static int	reset_route(struct http_request *);
static int	reset_shown(struct http_request *);
static int	reset_hash(struct http_request *);
static int	reset_save(struct http_request *);
static int	reset_done(struct http_request *);

enum { RESET_ROUTE, RESET_SHOWN, RESET_HASH, RESET_SAVE, RESET_DONE };

static struct http_state reset_states[] = {
	KORE_HTTP_STATE(reset_route),
	KORE_HTTP_STATE(reset_shown),
	KORE_HTTP_STATE(reset_hash),
	KORE_HTTP_STATE(reset_save),
	KORE_HTTP_STATE(reset_done),
};

int
password_reset(struct http_request *req)
{
	if (!page_allow(req, FORM_PAGE))
		return (KORE_RESULT_OK);

	return (http_state_run(reset_states,
	    sizeof(reset_states) / sizeof(reset_states[0]), req));
}

static int
reset_invalid(struct http_request *req)
{
	page_error(req, 400, "This link to choose a new password is not "
	    "valid: it may have been used already, or it is more than an "
	    "hour old. Ask for a new link.");
	return (HTTP_STATE_COMPLETE);
}

static int
reset_form(struct http_request *req, int status)
{
	fields_keep(req, "token", reset_arg(req)->token);
	csrf_expose(req);
	page_render(req, status, "password_reset");
	return (HTTP_STATE_COMPLETE);
}

static int
reset_route(struct http_request *req)
{
	struct reset	*r;
	const char	*token, *msg, *params[1];

	if (req->method == HTTP_METHOD_POST &&
	    (body_form(req) == NULL || !csrf_check(req)))
		return (HTTP_STATE_COMPLETE);

	/* The link's token, carried by the form as a hidden field. */
	token = form_get(body_query(req), "token");
	if (req->method == HTTP_METHOD_POST && body_get(req, "token")[0])
		token = body_get(req, "token");
	if (token == NULL || !token_valid(token))
		return (reset_invalid(req));

	r = reset_arg(req);
	(void)snprintf(r->token, sizeof(r->token), "%s", token);
	token_hash(r->token, r->token_hash);

	if (req->method != HTTP_METHOD_POST) {
		params[0] = r->token_hash;
		return (db_query(req, RESET_SHOWN,
		    "SELECT password_reset_valid($1)", 1, params));
	}

	r->password = kore_strdup(body_get(req, "password"));
	if ((msg = pwpolicy_check(passwords_common(), r->password, "",
	    "")) != NULL) {
		fields_error(req, "password", msg);
		return (reset_form(req, 422));
	}

	req->fsm_state = RESET_HASH;
	return (HTTP_STATE_CONTINUE);
}

static int
reset_shown(struct http_request *req)
{
	if (db_value(req, 0, 0)[0] != 't')
		return (reset_invalid(req));

	return (reset_form(req, 200));
}

static int
reset_hash_run(void *arg)
{
	struct reset	*r = arg;

	return (pwhash_hash(r->password, r->hash));
}

static int
reset_hash(struct http_request *req)
{
	return (work_run(req, RESET_SAVE, reset_hash_run, reset_arg(req)));
}

static int
reset_save(struct http_request *req)
{
	struct reset	*r;
	const char	*params[3];

	if (work_result(req) != 0) {
		kore_log(LOG_ERR, "password: hashing failed");
		page_error(req, 500, NULL);
		return (HTTP_STATE_COMPLETE);
	}

	r = reset_arg(req);
	params[0] = r->token_hash;
	params[1] = r->hash;
	params[2] = r->ip;
	return (db_query(req, RESET_DONE, "SELECT password_reset($1, $2, $3)",
	    3, params));
}

static int
reset_done(struct http_request *req)
{
	if (db_isnull(req, 0, 0))
		return (reset_invalid(req));

	/* Every session of the account has ended, this one included. */
	session_cookie_set(req, SESSION_COOKIE, "", 0);
	page_redirect(req, "/login?reset=1");
	return (HTTP_STATE_COMPLETE);
}
