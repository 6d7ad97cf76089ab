/*
 * Accounts: registration with e-mail verification, sign-in and sign-out.
 * Each page is a declaration the driver runs (web/handler.h): check the
 * form, do the slow hashing on a task thread, then one SQL function that
 * makes the change, writes the audit entry and queues the e-mail together.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/accounts.h"
#include "core/outcome.h"
#include "core/pwhash.h"
#include "core/pwpolicy.h"
#include "core/token.h"
#include "core/valid.h"
#include "web/body.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"
#include "web/messages.h"
#include "web/page.h"
#include "web/passwords.h"
#include "web/session.h"
#include "web/work.h"

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
	/* The copy above is cut to the limit; the length is the sent one. */
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

/* GET: the form, or the page that says the message is on its way. */
static int
reg_show(struct http_request *req)
{
	if (form_get(body_query(req), "sent") != NULL)
		return (step_page(req, 200, "register_sent"));

	return (step_render(req, 200));
}

static int
reg_hash_run(void *arg)
{
	struct reg	*r = arg;

	return (pwhash_hash(r->password, r->hash));
}

/* POST: the form checked, then the attempt counted. */
static int
reg_attempt(struct http_request *req)
{
	struct ctx	*ctx;
	struct reg	*r;
	const char	*params[1];

	ctx = ctx_get(req);
	r = kore_calloc(1, sizeof(*r));
	ctx->arg = r;
	ctx->arg_free = reg_free;
	client_addr(req, r->ip, sizeof(r->ip));

	if (!reg_check(req, r))
		return (step_render(req, 422));

	params[0] = r->ip;
	return (step_query(req, "SELECT allowed, retry_after FROM "
	    "register_attempt($1)", 1, params));
}

/* Within the limit: Argon2id on a task thread. */
static int
reg_hash(struct http_request *req)
{
	if (step_over_limit(req, "registrations from your network"))
		return (STEP_DONE);

	return (step_work(req, reg_hash_run, ctx_get(req)->arg));
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
    "SELECT outcome, number, detail FROM user_register($1, $2, $3, $4, $5, "
    "$6, $7, $8, $9)";

static int
reg_save(struct http_request *req)
{
	struct reg	*r;
	const char	*params[9];

	if (work_result(req) != 0) {
		kore_log(LOG_ERR, "accounts: password hashing failed (%d)",
		    work_result(req));
		return (step_error(req, 500, NULL));
	}

	r = ctx_get(req)->arg;
	if (token_new(r->token, sizeof(r->token)) == -1)
		fatal("accounts: no randomness");
	token_hash(r->token, r->token_hash);
	reg_mails(r);

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

	return (step_query(req, sql_register, 9, params));
}

static int
reg_done(struct http_request *req)
{
	/* A new account or an existing one: the same answer, no probing. */
	return (step_redirect(req, "/register?sent=1"));
}

static const step_fn reg_show_steps[] = { reg_show, NULL };
static const step_fn reg_steps[] = { reg_attempt, reg_hash, reg_save,
    reg_done, NULL };

HANDLER(accounts_register,
	.methods = METHODS_FORM,
	.enter = ENTER_ANONYMOUS,
	.signed_in_to = "/account",
	.body = BODY_FORM,
	.get_steps = reg_show_steps,
	.steps = reg_steps,
	.template = "register",
)

/*
 * Verification link.
 */

static int
verify_invalid(struct http_request *req)
{
	return (step_error(req, 400, "This confirmation link is not valid: it "
	    "may have been used already, or it is more than 24 hours old. "
	    "Sign in to ask for a new one, or register again."));
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

	return (step_query(req, "SELECT user_verify($1, $2)", 2, params));
}

static int
verify_done(struct http_request *req)
{
	if (db_isnull(req, 0, 0))
		return (verify_invalid(req));

	return (step_page(req, 200, "verified"));
}

static const step_fn verify_steps[] = { verify_start, verify_done, NULL };

/* The link works whoever opens it; the session is not read. */
HANDLER(accounts_verify,
	.methods = METHODS_GET,
	.enter = ENTER_PUBLIC,
	.steps = verify_steps,
)

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

static int
login_form(struct http_request *req, int status, const char *next)
{
	if (form_get(body_query(req), "reset") != NULL)
		json_object_set_new(ctx_get(req)->data, "reset_done",
		    json_true());
	fields_keep(req, "next", next);

	return (step_render(req, status));
}

/*
 * GET: the form, or on to where a signed-in user was going. A POST
 * signs in whoever sent it, even over a session that is already there.
 */
static int
login_show(struct http_request *req)
{
	const char	*next;

	next = fields_local_path(form_get(body_query(req), "next"));
	if (session_user(req) != NULL)
		return (step_redirect(req, *next ? next : "/account"));

	return (login_form(req, 200, next));
}

static const char	sql_login_begin[] =
    "SELECT allowed, retry_after, user_id, password_hash, verified, "
    "disabled FROM login_begin($1, $2)";

/* The form, then the throttles and the account's hash. */
static int
login_start(struct http_request *req)
{
	struct ctx	*ctx;
	struct login	*l;
	const char	*params[2];

	ctx = ctx_get(req);
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

	params[0] = l->email;
	params[1] = l->ip;
	return (step_query(req, sql_login_begin, 2, params));
}

static int
login_verify_run(void *arg)
{
	struct login	*l = arg;

	/* No account: as slow as a wrong password, so as not to tell. */
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

	if (step_over_limit(req, "failed sign-ins"))
		return (STEP_DONE);

	l = ctx_get(req)->arg;
	if (db_text(req, "user_id") != NULL) {
		l->has_user = 1;
		(void)snprintf(l->user_id, sizeof(l->user_id), "%s",
		    db_text(req, "user_id"));
		l->hash = kore_strdup(db_text(req, "password_hash") != NULL ?
		    db_text(req, "password_hash") : "");
		l->verified = db_bool(req, "verified");
		l->disabled = db_bool(req, "disabled");
	}

	return (step_work(req, login_verify_run, l));
}

/* The right password of an account that may sign in. */
static int
login_ok(const struct login *l)
{
	return (l->matched && l->verified && !l->disabled);
}

static const char	sql_login_ok[] =
    "SELECT login_succeeded($1, $2, $3, $4, $5, $6)";
static const char	sql_login_fail[] =
    "SELECT login_failed($1, $2, $3, $4)";

/* Either way one call: the session, or the failure counted. */
static int
login_verified(struct http_request *req)
{
	struct login	*l;
	const char	*params[6];

	l = ctx_get(req)->arg;
	l->matched = work_result(req) == 1;

	if (!login_ok(l)) {
		params[0] = l->email;
		params[1] = l->ip;
		params[2] = l->has_user ? l->user_id : NULL;
		params[3] = !l->has_user ? "unknown account" :
		    !l->matched ? "wrong password" :
		    l->disabled ? "disabled" : "not verified";
		return (step_query(req, sql_login_fail, 4, params));
	}

	if (token_new(l->token, sizeof(l->token)) == -1 ||
	    token_new(l->csrf, sizeof(l->csrf)) == -1)
		fatal("accounts: no randomness");
	token_hash(l->token, l->token_hash);

	params[0] = l->user_id;
	params[1] = l->token_hash;
	params[2] = l->csrf;
	params[3] = l->ip;
	params[4] = l->agent;
	params[5] = l->rehash ? l->new_hash : NULL;
	return (step_query(req, sql_login_ok, 6, params));
}

/* Only the owner of the right password learns why it was refused. */
static int
login_refused(struct http_request *req, struct login *l)
{
	if (l->matched && !l->verified) {
		fields_error(req, "email", "Confirm your e-mail address first: "
		    "open the link in the message we sent you when you "
		    "registered.");
	} else if (l->matched && l->disabled) {
		fields_error(req, "email", "This account has been disabled. "
		    "Contact the award's administrators.");
	} else {
		fields_error(req, "email", messages_get(MSG_LOGIN_WRONG));
	}

	return (login_form(req, 422, l->next));
}

static int
login_done(struct http_request *req)
{
	struct login	*l;

	l = ctx_get(req)->arg;
	if (!login_ok(l))
		return (login_refused(req, l));

	if (db_isnull(req, 0, 0)) {
		/* Disabled or unverified between the two steps. */
		fields_error(req, "email", messages_get(MSG_LOGIN_WRONG));
		return (login_form(req, 422, l->next));
	}

	session_cookie_set(req, SESSION_COOKIE, l->token, SESSION_MAX_AGE);
	if (db_value(req, 0, 0)[0] == 't')
		return (step_redirect(req, l->next[0] ? l->next : "/account"));

	/* Password right, second factor still to come. */
	return (step_redirect(req, "/login/totp"));
}

static const step_fn login_show_steps[] = { login_show, NULL };
static const step_fn login_steps[] = { login_start, login_check,
    login_verified, login_done, NULL };

HANDLER(accounts_login,
	.methods = METHODS_FORM,
	.enter = ENTER_ANYONE,
	.body = BODY_FORM,
	.get_steps = login_show_steps,
	.steps = login_steps,
	.template = "login",
)

/*
 * Sign-out.
 */

static int
logout_done(struct http_request *req)
{
	session_forget(req);
	return (step_redirect(req, "/"));
}

/* Any session ends here, one still waiting for its second factor too. */
static int
logout_end(struct http_request *req)
{
	struct user	*u;
	const char	*params[2];
	char		 ip[CLIENT_ADDR_LEN];

	if ((u = session_partial(req)) == NULL)
		return (logout_done(req));

	client_addr(req, ip, sizeof(ip));
	params[0] = u->session_hash;
	params[1] = ip;
	return (step_query(req, "SELECT session_end($1, $2)", 2, params));
}

static const step_fn logout_steps[] = { logout_end, logout_done, NULL };

/* Without a session only the cookie goes: still the way home, no 403. */
HANDLER(accounts_logout,
	.methods = METHODS_POST,
	.enter = ENTER_ANYONE,
	.body = BODY_FORM,
	.steps = logout_steps,
)
