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
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"
#include "web/page.h"
#include "web/passwords.h"
#include "web/session.h"
#include "web/work.h"

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

/* GET: the form, or the page that says the link is on its way. */
static int
forgot_show(struct http_request *req)
{
	if (form_get(body_query(req), "sent") != NULL) {
		/* No form there: neither a CSRF token nor its cookie. */
		return (step_page(req, 200, "password_sent"));
	}

	return (step_render(req, 200));
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
forgot_request(struct http_request *req)
{
	struct reset	*r;
	const char	*msg, *params[5];

	r = reset_arg(req);
	(void)snprintf(r->email, sizeof(r->email), "%s",
	    body_get(req, "email"));
	valid_trim(r->email);
	fields_keep(req, "email", r->email);
	if ((msg = valid_email(r->email)) != NULL) {
		fields_error(req, "email", msg);
		return (step_render(req, 422));
	}
	if (token_new(r->token, sizeof(r->token)) == -1)
		fatal("password: no randomness");
	token_hash(r->token, r->token_hash);
	forgot_mail(r);

	params[0] = r->email;
	params[1] = r->token_hash;
	params[2] = r->ip;
	params[3] = "Choose a new password · PRECISEU Best Practice "
	    "Recognition";
	params[4] = r->mail;

	return (step_query(req, sql_reset_request, 5, params));
}

static int
forgot_done(struct http_request *req)
{
	if (step_over_limit(req, "requests for a new password"))
		return (STEP_DONE);

	/* An account or none: the same answer, no probing. */
	return (step_redirect(req, "/password/forgot?sent=1"));
}

static const step_fn forgot_show_steps[] = { forgot_show, NULL };
static const step_fn forgot_steps[] = { forgot_request, forgot_done, NULL };

/* Signed in or not, the same page: the session is not read. */
HANDLER(password_forgot,
	.methods = METHODS_FORM,
	.enter = ENTER_PUBLIC,
	.body = BODY_FORM,
	.get_steps = forgot_show_steps,
	.steps = forgot_steps,
	.template = "password_forgot",
)

/*
 * Setting the new password.
 */

static int
reset_invalid(struct http_request *req)
{
	return (step_error(req, 400, "This link to choose a new password is "
	    "not valid: it may have been used already, or it is more than an "
	    "hour old. Ask for a new link."));
}

static int
reset_form(struct http_request *req, int status)
{
	fields_keep(req, "token", reset_arg(req)->token);
	return (step_render(req, status));
}

/*
 * The link's token, kept with its hash: from the address, or from the
 * form, which carries it as a hidden field. 0 when there is none.
 */
static int
reset_token(struct http_request *req)
{
	struct reset	*r;
	const char	*token;

	token = form_get(body_query(req), "token");
	if (req->method == HTTP_METHOD_POST && body_get(req, "token")[0])
		token = body_get(req, "token");
	if (token == NULL || !token_valid(token))
		return (0);

	r = reset_arg(req);
	(void)snprintf(r->token, sizeof(r->token), "%s", token);
	token_hash(r->token, r->token_hash);

	return (1);
}

/*
 * GET asks whether the link still works with the page's query. A POST's
 * token is in its body, not read yet: its answer is password_reset()'s.
 */
static const char *
reset_load(struct http_request *req, struct load_params *lp)
{
	if (req->method == HTTP_METHOD_POST || !reset_token(req))
		return (NULL);

	load_param(lp, reset_arg(req)->token_hash);
	return ("password_reset_valid($1) AS valid");
}

/* GET: the form, while the link works. */
static int
reset_show(struct http_request *req)
{
	const char	*valid;

	if (!reset_token(req))
		return (reset_invalid(req));
	if (req->method == HTTP_METHOD_POST)
		return (STEP_NEXT);

	valid = handler_loaded(req, "valid");
	if (valid == NULL || valid[0] != 't')
		return (reset_invalid(req));

	return (reset_form(req, 200));
}

static int
reset_hash_run(void *arg)
{
	struct reset	*r = arg;

	return (pwhash_hash(r->password, r->hash));
}

/*
 * POST: the password checked, then the link: everything cheap comes
 * before the hash, so that a bogus reset never costs an Argon2id.
 */
static int
reset_check(struct http_request *req)
{
	struct reset	*r;
	const char	*msg, *params[1];

	r = reset_arg(req);
	r->password = kore_strdup(body_get(req, "password"));
	if ((msg = pwpolicy_check(passwords_common(), r->password, "",
	    "")) != NULL) {
		fields_error(req, "password", msg);
		return (reset_form(req, 422));
	}

	params[0] = r->token_hash;
	return (step_query(req, "SELECT password_reset_valid($1) AS valid", 1,
	    params));
}

/* A link that works: Argon2id on a task thread. */
static int
reset_hash(struct http_request *req)
{
	if (!db_bool(req, "valid"))
		return (reset_invalid(req));

	return (step_work(req, reset_hash_run, reset_arg(req)));
}

static int
reset_save(struct http_request *req)
{
	struct reset	*r;
	const char	*params[3];

	if (work_result(req) != 0) {
		kore_log(LOG_ERR, "password: hashing failed");
		return (step_error(req, 500, NULL));
	}

	r = reset_arg(req);
	params[0] = r->token_hash;
	params[1] = r->hash;
	params[2] = r->ip;
	return (step_query(req, "SELECT password_reset($1, $2, $3)", 3,
	    params));
}

static int
reset_done(struct http_request *req)
{
	if (db_isnull(req, 0, 0))
		return (reset_invalid(req));

	/* Every session of the account has ended, this one included. */
	session_cookie_set(req, SESSION_COOKIE, "", 0);
	return (step_redirect(req, "/login?reset=1"));
}

static const step_fn reset_steps[] = { reset_show, reset_check, reset_hash,
    reset_save, reset_done, NULL };

HANDLER(password_reset,
	.methods = METHODS_FORM,
	.enter = ENTER_PUBLIC,
	.body = BODY_FORM,
	.load = reset_load,
	.steps = reset_steps,
	.template = "password_reset",
)
