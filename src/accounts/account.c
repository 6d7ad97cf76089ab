/*
 * /account: a signed-in person's own page. Shows the account and its
 * sessions; POST with action=name|password|email|signout_all changes
 * the display name, the password (current one required), the e-mail
 * address (current password required; effective once the new address is
 * confirmed), or signs out every session.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "accounts/account.h"
#include "accounts/pwconfirm.h"
#include "core/pwpolicy.h"
#include "core/token.h"
#include "core/valid.h"
#include "web/body.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/fields.h"
#include "web/handler.h"
#include "web/messages.h"
#include "web/page.h"
#include "web/passwords.h"
#include "web/session.h"

enum action { ACT_NONE, ACT_NAME, ACT_PASSWORD, ACT_EMAIL, ACT_SIGNOUT };

struct acct {
	enum action	 action;
	char		 user_id[32];
	char		 ip[CLIENT_ADDR_LEN];
	char		 name[1024];
	char		 email[VALID_EMAIL_MAX + 1];
	struct pwconfirm pw;		/* ACT_PASSWORD, ACT_EMAIL */
	char		 token[CTX_TOKEN_LEN];
	char		 token_hash[CTX_HASH_LEN];
	char		*mail_new;
	char		*mail_old;
};

static void
acct_free(void *arg)
{
	struct acct	*a = arg;

	pwconfirm_clear(&a->pw);
	free(a->mail_new);
	free(a->mail_old);
	sodium_memzero(a, sizeof(*a));
	kore_free(a);
}

static struct acct *
acct_arg(struct http_request *req)
{
	struct ctx	*ctx;
	struct acct	*a;

	ctx = ctx_get(req);
	if (ctx->arg == NULL) {
		a = kore_calloc(1, sizeof(*a));
		(void)snprintf(a->user_id, sizeof(a->user_id), "%lld",
		    ctx->user->id);
		client_addr(req, a->ip, sizeof(a->ip));
		ctx->arg = a;
		ctx->arg_free = acct_free;
	}

	return (ctx->arg);
}

/* The sessions, loaded with the session: also for showing it again. */
static const char *
acct_load(struct http_request *req, struct load_params *lp)
{
	(void)req;
	(void)lp;
	return ("(SELECT json_agg(x ORDER BY x.ordinality) FROM "
	    "account_sessions(s.user_id) WITH ORDINALITY x) AS sessions, "
	    "panel_is_member(s.user_id) AS is_member");
}

/* What the last change did, said once after its redirect. */
static void
acct_notice(struct http_request *req)
{
	const char	*done, *del;

	/* From POST /account/delete (privacy.c), which has no page. */
	if ((del = form_get(body_query(req), "delete")) != NULL) {
		fields_keep(req, "error_delete_password",
		    strcmp(del, "admin") == 0 ? "Administrators cannot "
		    "delete their account here: ask another administrator to "
		    "remove your administrator role first." :
		    strcmp(del, "wrong") == 0 ? "That is not your current "
		    "password; the account was not deleted." :
		    "Enter your current password to delete the account.");
		return;
	}
	if ((done = form_get(body_query(req), "done")) == NULL)
		return;

	if (strcmp(done, "name") == 0) {
		fields_keep(req, "notice", "Your name has been changed.");
	} else if (strcmp(done, "password") == 0) {
		fields_keep(req, "notice", "Your password has been changed. "
		    "Your other sessions were signed out.");
	} else if (strcmp(done, "email") == 0) {
		fields_keep(req, "notice", "We have sent a link to the new "
		    "address. The change takes effect when you open it; your "
		    "current address has been told about it.");
	}
}

/* A text member of a loaded row ("" when absent, as SQL NULL was). */
static const char *
acct_text(const json_t *row, const char *key)
{
	const char	*v;

	v = json_string_value(json_object_get(row, key));
	return (v != NULL ? v : "");
}

/* The page, from what was loaded with the session. */
static int
acct_form(struct http_request *req, int status)
{
	struct user	*u;
	json_t		*data, *list, *loaded, *s;
	json_error_t	 err;
	const char	*text;
	size_t		 i;

	u = session_user(req);
	data = ctx_get(req)->data;
	list = json_array();
	text = handler_loaded(req, "sessions");
	loaded = text != NULL ? json_loads(text, 0, &err) : NULL;
	json_array_foreach(loaded, i, s) {
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:b}", "created", acct_text(s, "created_at"),
		    "last_seen", acct_text(s, "last_seen"),
		    "ip", acct_text(s, "ip"), "agent", acct_text(s,
		    "user_agent"), "current", strcmp(acct_text(s,
		    "token_hash"), u->session_hash) == 0));
	}
	json_decref(loaded);
	json_object_set_new(data, "sessions", list);
	text = handler_loaded(req, "is_member");
	json_object_set_new(data, "is_member", json_boolean(text != NULL &&
	    strcmp(text, "t") == 0));
	json_object_set_new(data, "user", json_pack("{s:s, s:s, s:b, s:b}",
	    "name", u->name, "email", u->email, "is_admin", u->is_admin,
	    "has_totp", u->has_totp));
	if (json_object_get(data, "display_name") == NULL)
		fields_keep(req, "display_name", u->name);
	acct_notice(req);

	return (step_render(req, status));
}

static enum action
acct_action(const char *s)
{
	if (strcmp(s, "name") == 0)
		return (ACT_NAME);
	if (strcmp(s, "password") == 0)
		return (ACT_PASSWORD);
	if (strcmp(s, "email") == 0)
		return (ACT_EMAIL);
	if (strcmp(s, "signout_all") == 0)
		return (ACT_SIGNOUT);
	return (ACT_NONE);
}

/* Checks what needs no database; 0 when the form must be shown again. */
static int
acct_check(struct http_request *req, struct acct *a)
{
	struct user	*u;
	const char	*msg;

	u = session_user(req);
	switch (a->action) {
	case ACT_NAME:
		(void)snprintf(a->name, sizeof(a->name), "%s",
		    body_get(req, "display_name"));
		valid_trim(a->name);
		fields_keep(req, "display_name", a->name);
		if ((msg = valid_display_name(a->name)) != NULL)
			fields_error(req, "display_name", msg);
		break;
	case ACT_PASSWORD:
		pwconfirm_init(&a->pw, u->id, body_get(req,
		    "current_password"), body_get(req, "new_password"));
		if (a->pw.typed[0] == '\0')
			fields_error(req, "current_password",
			    messages_get(MSG_PASSWORD_CURRENT));
		if ((msg = pwpolicy_check(passwords_common(), a->pw.fresh,
		    u->email, u->name)) != NULL)
			fields_error(req, "new_password", msg);
		break;
	case ACT_EMAIL:
		(void)snprintf(a->email, sizeof(a->email), "%s",
		    body_get(req, "new_email"));
		valid_trim(a->email);
		fields_keep(req, "new_email", a->email);
		pwconfirm_init(&a->pw, u->id, body_get(req, "email_password"),
		    NULL);
		if ((msg = valid_email(a->email)) != NULL)
			fields_error(req, "new_email", msg);
		else if (strcasecmp(a->email, u->email) == 0)
			fields_error(req, "new_email", "This is already your "
			    "e-mail address.");
		if (a->pw.typed[0] == '\0')
			fields_error(req, "email_password",
			    messages_get(MSG_PASSWORD_CURRENT));
		break;
	default:
		break;
	}

	return (!fields_failed(req));
}

static int
acct_needs_password(const struct acct *a)
{
	return (a->action == ACT_PASSWORD || a->action == ACT_EMAIL);
}

/* GET shows the page; a POST is checked, then its password fetched. */
static int
acct_start(struct http_request *req)
{
	struct acct	*a;

	if (req->method != HTTP_METHOD_POST)
		return (acct_form(req, 200));

	a = acct_arg(req);
	a->action = acct_action(body_get(req, "action"));
	if (a->action == ACT_NONE)
		return (step_error(req, 400, "This form asked for something "
		    "the account page does not do."));
	if (!acct_check(req, a))
		return (acct_form(req, 422));

	if (!acct_needs_password(a))
		return (STEP_NEXT);

	return (pwconfirm_fetch(req, &a->pw));
}

static int
acct_verify(struct http_request *req)
{
	struct acct	*a;

	a = acct_arg(req);
	if (!acct_needs_password(a))
		return (STEP_NEXT);

	return (pwconfirm_verify(req, &a->pw));
}

static void
acct_mails(struct acct *a, struct user *u)
{
	json_t		*data;
	char		 path[128], *link;

	(void)snprintf(path, sizeof(path), "/verify?token=%s", a->token);
	link = page_url(path);
	data = json_pack("{s:s, s:s, s:s}", "name", u->name, "link", link,
	    "new_email", a->email);
	a->mail_new = page_plain("mail/email_change", data);
	a->mail_old = page_plain("mail/email_change_notice", data);
	json_decref(data);
	kore_free(link);
}

static int
acct_apply(struct http_request *req)
{
	struct acct	*a;
	struct user	*u;
	const char	*params[8];

	a = acct_arg(req);
	u = session_user(req);

	if (acct_needs_password(a)) {
		if (!pwconfirm_ok(req)) {
			fields_error(req, a->action == ACT_PASSWORD ?
			    "current_password" : "email_password",
			    "Your current password is not right.");
			return (acct_form(req, 422));
		}
		if (token_new(a->token, sizeof(a->token)) == -1)
			fatal("account: no randomness");
		token_hash(a->token, a->token_hash);
		if (a->action == ACT_EMAIL)
			acct_mails(a, u);
	}

	params[0] = a->user_id;
	switch (a->action) {
	case ACT_NAME:
		params[1] = a->name;
		params[2] = a->ip;
		return (step_query(req, "SELECT account_rename($1, $2, $3)", 3,
		    params));
	case ACT_PASSWORD:
		params[1] = a->pw.new_hash;
		params[2] = u->session_hash;
		params[3] = a->token_hash;
		params[4] = a->ip;
		return (step_query(req,
		    "SELECT account_password($1, $2, $3, $4, $5)", 5, params));
	case ACT_EMAIL:
		params[1] = a->email;
		params[2] = a->token_hash;
		params[3] = a->ip;
		params[4] = "Confirm your new e-mail address · PRECISEU Best "
		    "Practice Recognition";
		params[5] = a->mail_new;
		params[6] = "Change of e-mail address · PRECISEU Best Practice "
		    "Recognition";
		params[7] = a->mail_old;
		return (step_query(req, "SELECT "
		    "account_email_request($1, $2, $3, $4, $5, $6, $7, $8)",
		    8, params));
	default:
		params[1] = a->ip;
		return (step_query(req, "SELECT account_signout_all($1, $2)", 2,
		    params));
	}
}

static int
acct_done(struct http_request *req)
{
	struct acct	*a;

	a = acct_arg(req);
	switch (a->action) {
	case ACT_NAME:
		return (step_redirect(req, "/account?done=name"));
	case ACT_PASSWORD:
		session_cookie_set(req, SESSION_COOKIE, a->token,
		    SESSION_MAX_AGE);
		return (step_redirect(req, "/account?done=password"));
	case ACT_EMAIL:
		return (step_redirect(req, "/account?done=email"));
	default:
		session_cookie_set(req, SESSION_COOKIE, "", 0);
		return (step_redirect(req, "/login"));
	}
}

static const step_fn acct_steps[] = { acct_start, acct_verify, acct_apply,
    acct_done, NULL };

HANDLER(account_page,
	.methods = METHODS_FORM,
	.enter = ENTER_SIGNED_IN,
	.body = BODY_FORM,
	.load = acct_load,
	.steps = acct_steps,
	.template = "account",
)
