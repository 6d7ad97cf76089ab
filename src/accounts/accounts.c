/*
 * Accounts: registration with e-mail verification, sign-in and sign-out.
 * Each handler is a state machine: load the session, check the form,
 * do the slow hashing on a task thread, then one SQL function that makes
 * the change, writes the audit entry and queues the e-mail together.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "core/pwhash.h"
#include "core/pwpolicy.h"
#include "core/token.h"
#include "core/valid.h"
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
#define GET_ONLY	(HTTP_METHOD_GET | HTTP_METHOD_HEAD)

/*
 * Registration.
 */

struct reg {
	char		 email[VALID_EMAIL_MAX + 1];
	char		 name[1024];
	char		*password;
	char		 hash[PWHASH_LEN];
	char		 token[CTX_TOKEN_LEN];
	char		 token_hash[CTX_HASH_LEN];
	char		 ip[CLIENT_ADDR_LEN];
	char		*mail_new;
	char		*mail_exists;
};

static void
reg_free(void *arg)
{
	struct reg	*r = arg;

	fields_secret_free(r->password);
	sodium_memzero(r->hash, sizeof(r->hash));
	free(r->mail_new);
	free(r->mail_exists);
	kore_free(r);
}

static int	reg_session(struct http_request *);
static int	reg_route(struct http_request *);
static int	reg_hash(struct http_request *);
static int	reg_save(struct http_request *);
static int	reg_done(struct http_request *);

enum { REG_SESSION, REG_ROUTE, REG_HASH, REG_SAVE, REG_DONE };

static struct http_state reg_states[] = {
	KORE_HTTP_STATE(reg_session),
	KORE_HTTP_STATE(reg_route),
	KORE_HTTP_STATE(reg_hash),
	KORE_HTTP_STATE(reg_save),
	KORE_HTTP_STATE(reg_done),
};

int
accounts_register(struct http_request *req)
{
	if (!page_allow(req, FORM_PAGE))
		return (KORE_RESULT_OK);

	return (http_state_run(reg_states,
	    sizeof(reg_states) / sizeof(reg_states[0]), req));
}

static int
reg_session(struct http_request *req)
{
	return (session_load(req, REG_ROUTE));
}

static int
reg_form(struct http_request *req, int status)
{
	csrf_expose(req);
	page_render(req, status, "register");
	return (HTTP_STATE_COMPLETE);
}

static int
reg_check(struct http_request *req, struct reg *r)
{
	const char	*msg, *pw;

	(void)snprintf(r->email, sizeof(r->email), "%s",
	    body_get(req, "email"));
	(void)snprintf(r->name, sizeof(r->name), "%s",
	    body_get(req, "display_name"));
	valid_trim(r->email);
	valid_trim(r->name);
	fields_keep(req, "email", r->email);
	fields_keep(req, "display_name", r->name);

	if ((msg = valid_display_name(r->name)) != NULL)
		fields_error(req, "display_name", msg);
	if (strlen(body_get(req, "email")) > VALID_EMAIL_MAX)
		fields_error(req, "email", "An e-mail address has at most 254 "
		    "characters.");
	else if ((msg = valid_email(r->email)) != NULL)
		fields_error(req, "email", msg);

	pw = body_get(req, "password");
	if ((msg = pwpolicy_check(passwords_common(), pw, r->email,
	    r->name)) != NULL)
		fields_error(req, "password", msg);

	r->password = kore_strdup(pw);
	return (!fields_failed(req));
}

static int
reg_route(struct http_request *req)
{
	struct ctx	*ctx;
	struct reg	*r;

	ctx = ctx_get(req);
	if (req->method == HTTP_METHOD_POST &&
	    (body_form(req) == NULL || !csrf_check(req)))
		return (HTTP_STATE_COMPLETE);
	if (session_user(req) != NULL)
		return (page_redirect(req, "/account"), HTTP_STATE_COMPLETE);

	if (req->method != HTTP_METHOD_POST) {
		if (form_get(body_query(req), "sent") != NULL) {
			page_render(req, 200, "register_sent");
			return (HTTP_STATE_COMPLETE);
		}
		return (reg_form(req, 200));
	}

	r = kore_calloc(1, sizeof(*r));
	ctx->arg = r;
	ctx->arg_free = reg_free;
	client_addr(req, r->ip, sizeof(r->ip));

	if (!reg_check(req, r))
		return (reg_form(req, 422));

	req->fsm_state = REG_HASH;
	return (HTTP_STATE_CONTINUE);
}

static int
reg_hash_run(void *arg)
{
	struct reg	*r = arg;

	return (pwhash_hash(r->password, r->hash));
}

static int
reg_hash(struct http_request *req)
{
	return (work_run(req, REG_SAVE, reg_hash_run, ctx_get(req)->arg));
}

/* Both possible e-mails; the database picks the one that applies. */
static void
reg_mails(struct reg *r)
{
	json_t		*data;
	char		 path[128];
	char		*link, *reset, *signin;

	(void)snprintf(path, sizeof(path), "/verify?token=%s", r->token);
	link = page_url(path);
	reset = page_url("/password/forgot");
	signin = page_url("/login");

	data = json_pack("{s:s, s:s, s:s, s:s}", "name", r->name,
	    "link", link, "reset_link", reset, "login_link", signin);
	r->mail_new = page_plain("mail/verify", data);
	r->mail_exists = page_plain("mail/register_exists", data);
	json_decref(data);

	kore_free(link);
	kore_free(reset);
	kore_free(signin);
}

static const char	sql_register[] =
    "SELECT user_register($1, $2, $3, $4, $5, $6, $7, $8, $9)";

static int
reg_save(struct http_request *req)
{
	struct reg	*r;
	const char	*params[9];

	r = ctx_get(req)->arg;
	if (work_result(req) != 0) {
		kore_log(LOG_ERR, "accounts: password hashing failed (%d)",
		    work_result(req));
		page_error(req, 500, NULL);
		return (HTTP_STATE_COMPLETE);
	}

	if (r->mail_new == NULL) {
		if (token_new(r->token, sizeof(r->token)) == -1)
			fatal("accounts: no randomness");
		token_hash(r->token, r->token_hash);
		reg_mails(r);
	}

	params[0] = r->email;
	params[1] = r->name;
	params[2] = r->hash;
	params[3] = r->token_hash;
	params[4] = r->ip;
	params[5] = "Confirm your e-mail address · PRECISEU Best Practice "
	    "Recognition";
	params[6] = r->mail_new;
	params[7] = "Your account · PRECISEU Best Practice Recognition";
	params[8] = r->mail_exists;

	return (db_query(req, REG_DONE, sql_register, 9, params));
}

static int
reg_done(struct http_request *req)
{
	const char	*status;

	status = db_value(req, 0, 0);
	if (strncmp(status, "throttled:", 10) == 0) {
		page_throttled(req, "registrations from your network",
		    status + 10);
		return (HTTP_STATE_COMPLETE);
	}

	page_redirect(req, "/register?sent=1");
	return (HTTP_STATE_COMPLETE);
}

/*
 * Verification link.
 */

static int	verify_start(struct http_request *);
static int	verify_done(struct http_request *);

enum { VERIFY_START, VERIFY_DONE };

static struct http_state verify_states[] = {
	KORE_HTTP_STATE(verify_start),
	KORE_HTTP_STATE(verify_done),
};

int
accounts_verify(struct http_request *req)
{
	if (!page_allow(req, GET_ONLY))
		return (KORE_RESULT_OK);

	return (http_state_run(verify_states,
	    sizeof(verify_states) / sizeof(verify_states[0]), req));
}

static int
verify_invalid(struct http_request *req)
{
	page_error(req, 400, "This confirmation link is not valid: it may "
	    "have been used already, or it is more than 24 hours old. Sign "
	    "in to ask for a new one, or register again.");
	return (HTTP_STATE_COMPLETE);
}

static int
verify_start(struct http_request *req)
{
	const char	*token, *params[2];
	char		 hash[CTX_HASH_LEN], ip[CLIENT_ADDR_LEN];

	token = form_get(body_query(req), "token");
	if (token == NULL || !token_valid(token))
		return (verify_invalid(req));

	token_hash(token, hash);
	client_addr(req, ip, sizeof(ip));
	params[0] = hash;
	params[1] = ip;

	return (db_query(req, VERIFY_DONE, "SELECT user_verify($1, $2)", 2,
	    params));
}

static int
verify_done(struct http_request *req)
{
	if (db_isnull(req, 0, 0))
		return (verify_invalid(req));

	page_render(req, 200, "verified");
	return (HTTP_STATE_COMPLETE);
}

/*
 * Sign-in.
 */

struct login {
	char		 email[VALID_EMAIL_MAX + 1];
	char		*password;
	char		 next[600];
	char		 ip[CLIENT_ADDR_LEN];
	char		 agent[300];
	char		 user_id[32];
	char		*hash;
	int		 has_user;
	int		 verified;
	int		 disabled;
	int		 matched;
	int		 rehash;
	char		 new_hash[PWHASH_LEN];
	char		 token[CTX_TOKEN_LEN];
	char		 token_hash[CTX_HASH_LEN];
	char		 csrf[CTX_TOKEN_LEN];
};

static void
login_free(void *arg)
{
	struct login	*l = arg;

	fields_secret_free(l->password);
	kore_free(l->hash);
	sodium_memzero(l->new_hash, sizeof(l->new_hash));
	sodium_memzero(l->token, sizeof(l->token));
	kore_free(l);
}

static int	login_session(struct http_request *);
static int	login_route(struct http_request *);
static int	login_check(struct http_request *);
static int	login_verified(struct http_request *);
static int	login_done(struct http_request *);
static int	login_failed(struct http_request *);

enum { LOGIN_SESSION, LOGIN_ROUTE, LOGIN_CHECK, LOGIN_VERIFIED,
    LOGIN_DONE, LOGIN_FAILED };

static struct http_state login_states[] = {
	KORE_HTTP_STATE(login_session),
	KORE_HTTP_STATE(login_route),
	KORE_HTTP_STATE(login_check),
	KORE_HTTP_STATE(login_verified),
	KORE_HTTP_STATE(login_done),
	KORE_HTTP_STATE(login_failed),
};

int
accounts_login(struct http_request *req)
{
	if (!page_allow(req, FORM_PAGE))
		return (KORE_RESULT_OK);

	return (http_state_run(login_states,
	    sizeof(login_states) / sizeof(login_states[0]), req));
}

static int
login_session(struct http_request *req)
{
	return (session_load(req, LOGIN_ROUTE));
}

static int
login_form(struct http_request *req, int status, const char *next)
{
	if (form_get(body_query(req), "reset") != NULL)
		json_object_set_new(ctx_get(req)->data, "reset_done",
		    json_true());
	fields_keep(req, "next", next);
	csrf_expose(req);
	page_render(req, status, "login");
	return (HTTP_STATE_COMPLETE);
}

static const char	sql_login_begin[] =
    "SELECT allowed, retry_after, user_id, password_hash, verified, "
    "disabled FROM login_begin($1, $2)";

static int
login_route(struct http_request *req)
{
	struct ctx	*ctx;
	struct login	*l;
	const char	*next, *params[2];

	ctx = ctx_get(req);
	if (req->method != HTTP_METHOD_POST) {
		next = fields_local_path(form_get(body_query(req), "next"));
		if (session_user(req) != NULL)
			return (page_redirect(req, *next ? next : "/account"),
			    HTTP_STATE_COMPLETE);
		return (login_form(req, 200, next));
	}

	if (ctx->arg == NULL) {
		if (body_form(req) == NULL || !csrf_check(req))
			return (HTTP_STATE_COMPLETE);

		l = kore_calloc(1, sizeof(*l));
		ctx->arg = l;
		ctx->arg_free = login_free;
		(void)snprintf(l->email, sizeof(l->email), "%s",
		    body_get(req, "email"));
		valid_trim(l->email);
		(void)snprintf(l->next, sizeof(l->next), "%s",
		    fields_local_path(body_get(req, "next")));
		l->password = kore_strdup(body_get(req, "password"));
		client_addr(req, l->ip, sizeof(l->ip));
		client_agent(req, l->agent, sizeof(l->agent));
		fields_keep(req, "email", l->email);

		if (l->email[0] == '\0')
			fields_error(req, "email", "Enter your e-mail address.");
		if (l->password[0] == '\0')
			fields_error(req, "password", "Enter your password.");
		if (fields_failed(req))
			return (login_form(req, 422, l->next));
	}

	l = ctx->arg;
	params[0] = l->email;
	params[1] = l->ip;
	return (db_query(req, LOGIN_CHECK, sql_login_begin, 2, params));
}

static int
login_verify_run(void *arg)
{
	struct login	*l = arg;

	if (l->hash == NULL) {
		pwhash_dummy(l->password);
		return (0);
	}

	return (pwhash_verify(l->hash, l->password, &l->rehash, l->new_hash));
}

static int
login_check(struct http_request *req)
{
	struct login	*l;

	l = ctx_get(req)->arg;
	if (l->hash == NULL && !l->has_user) {
		if (db_value(req, 0, 0)[0] != 't') {
			page_throttled(req, "failed sign-ins",
			    db_value(req, 0, 1));
			return (HTTP_STATE_COMPLETE);
		}

		if (!db_isnull(req, 0, 2)) {
			l->has_user = 1;
			(void)snprintf(l->user_id, sizeof(l->user_id), "%s",
			    db_value(req, 0, 2));
			l->hash = kore_strdup(db_value(req, 0, 3));
			l->verified = db_value(req, 0, 4)[0] == 't';
			l->disabled = db_value(req, 0, 5)[0] == 't';
		}
	}

	return (work_run(req, LOGIN_VERIFIED, login_verify_run, l));
}

static const char	sql_login_ok[] =
    "SELECT login_succeeded($1, $2, $3, $4, $5, $6)";
static const char	sql_login_fail[] =
    "SELECT login_failed($1, $2, $3, $4)";

static int
login_verified(struct http_request *req)
{
	struct login	*l;
	const char	*params[6];

	l = ctx_get(req)->arg;
	l->matched = work_result(req) == 1;

	if (!l->matched || !l->verified || l->disabled) {
		params[0] = l->email;
		params[1] = l->ip;
		params[2] = l->has_user ? l->user_id : NULL;
		params[3] = !l->has_user ? "unknown account" :
		    !l->matched ? "wrong password" :
		    l->disabled ? "disabled" : "not verified";
		return (db_query(req, LOGIN_FAILED, sql_login_fail, 4,
		    params));
	}

	if (l->token[0] == '\0') {
		if (token_new(l->token, sizeof(l->token)) == -1 ||
		    token_new(l->csrf, sizeof(l->csrf)) == -1)
			fatal("accounts: no randomness");
		token_hash(l->token, l->token_hash);
	}

	params[0] = l->user_id;
	params[1] = l->token_hash;
	params[2] = l->csrf;
	params[3] = l->ip;
	params[4] = l->agent;
	params[5] = l->rehash ? l->new_hash : NULL;
	return (db_query(req, LOGIN_DONE, sql_login_ok, 6, params));
}

static int
login_done(struct http_request *req)
{
	struct login	*l;

	l = ctx_get(req)->arg;
	if (db_isnull(req, 0, 0)) {
		/* Disabled or unverified between the two steps. */
		fields_error(req, "email", "The e-mail address or the password "
		    "is not right.");
		return (login_form(req, 422, l->next));
	}

	session_cookie_set(req, SESSION_COOKIE, l->token, SESSION_MAX_AGE);
	if (db_value(req, 0, 0)[0] == 't') {
		page_redirect(req, l->next[0] ? l->next : "/account");
		return (HTTP_STATE_COMPLETE);
	}

	/* Password right, second factor still to come. */
	page_redirect(req, "/login/totp");
	return (HTTP_STATE_COMPLETE);
}

static int
login_failed(struct http_request *req)
{
	struct login	*l;

	l = ctx_get(req)->arg;
	if (l->matched && !l->verified) {
		fields_error(req, "email", "Confirm your e-mail address first: "
		    "open the link in the message we sent you when you "
		    "registered.");
	} else if (l->matched && l->disabled) {
		fields_error(req, "email", "This account has been disabled. "
		    "Contact the award's administrators.");
	} else {
		fields_error(req, "email", "The e-mail address or the password "
		    "is not right.");
	}

	return (login_form(req, 422, l->next));
}

/*
 * Sign-out.
 */

static int	logout_session(struct http_request *);
static int	logout_end(struct http_request *);
static int	logout_done(struct http_request *);

enum { LOGOUT_SESSION, LOGOUT_END, LOGOUT_DONE };

static struct http_state logout_states[] = {
	KORE_HTTP_STATE(logout_session),
	KORE_HTTP_STATE(logout_end),
	KORE_HTTP_STATE(logout_done),
};

int
accounts_logout(struct http_request *req)
{
	if (!page_allow(req, HTTP_METHOD_POST))
		return (KORE_RESULT_OK);

	return (http_state_run(logout_states,
	    sizeof(logout_states) / sizeof(logout_states[0]), req));
}

static int
logout_session(struct http_request *req)
{
	return (session_load(req, LOGOUT_END));
}

static int
logout_end(struct http_request *req)
{
	struct user	*u;
	const char	*params[2];
	char		 ip[CLIENT_ADDR_LEN];

	if (body_form(req) == NULL || !csrf_check(req))
		return (HTTP_STATE_COMPLETE);

	if ((u = session_partial(req)) == NULL) {
		req->fsm_state = LOGOUT_DONE;
		return (HTTP_STATE_CONTINUE);
	}

	client_addr(req, ip, sizeof(ip));
	params[0] = u->session_hash;
	params[1] = ip;
	return (db_query(req, LOGOUT_DONE, "SELECT session_end($1, $2)", 2,
	    params));
}

static int
logout_done(struct http_request *req)
{
	session_forget(req);
	page_redirect(req, "/");
	return (HTTP_STATE_COMPLETE);
}
