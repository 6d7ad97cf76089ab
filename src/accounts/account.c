/*
 * /account: a signed-in person's own page. Shows the account and its
 * sessions; POST with action=name|password|email|signout_all changes
 * the display name, the password (current one required), the e-mail
 * address (current password required; effective once the new address is
 * confirmed), or signs out every session.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/account.h"
#include "accounts/accounts.h"
#include "core/pwhash.h"
#include "core/pwpolicy.h"
#include "core/token.h"
#include "core/valid.h"
#include "web/authz.h"
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

enum action { ACT_NONE, ACT_NAME, ACT_PASSWORD, ACT_EMAIL, ACT_SIGNOUT };

struct acct {
	enum action	 action;
	int		 status;	/* the page is being shown with this */
	char		 user_id[32];
	char		 ip[CLIENT_ADDR_LEN];
	char		 name[1024];
	char		 email[VALID_EMAIL_MAX + 1];
	char		*current;
	char		*fresh;
	char		*stored_hash;
	char		 new_hash[PWHASH_LEN];
	char		 token[CTX_TOKEN_LEN];
	char		 token_hash[CTX_HASH_LEN];
	char		*mail_new;
	char		*mail_old;
};

static void
acct_free(void *arg)
{
	struct acct	*a = arg;

	fields_secret_free(a->current);
	fields_secret_free(a->fresh);
	kore_free(a->stored_hash);
	free(a->mail_new);
	free(a->mail_old);
	sodium_memzero(a, sizeof(*a));
	kore_free(a);
}

static int	acct_session(struct http_request *);
static int	acct_route(struct http_request *);
static int	acct_show(struct http_request *);
static int	acct_verify(struct http_request *);
static int	acct_apply(struct http_request *);
static int	acct_done(struct http_request *);

enum { ACCT_SESSION, ACCT_ROUTE, ACCT_SHOW, ACCT_VERIFY, ACCT_APPLY,
    ACCT_DONE };

static struct http_state acct_states[] = {
	KORE_HTTP_STATE(acct_session),
	KORE_HTTP_STATE(acct_route),
	KORE_HTTP_STATE(acct_show),
	KORE_HTTP_STATE(acct_verify),
	KORE_HTTP_STATE(acct_apply),
	KORE_HTTP_STATE(acct_done),
};

int
account_page(struct http_request *req)
{
	if (!page_allow(req, FORM_PAGE))
		return (KORE_RESULT_OK);

	return (http_state_run(acct_states,
	    sizeof(acct_states) / sizeof(acct_states[0]), req));
}

static int
acct_session(struct http_request *req)
{
	return (session_load(req, ACCT_ROUTE));
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

/* The page, with its sessions: one query. */
static int
acct_page(struct http_request *req, int status)
{
	const char	*params[1];
	struct acct	*a;

	/* Its query runs from the calling state: come back straight here. */
	a = acct_arg(req);
	a->status = status;
	params[0] = a->user_id;
	return (db_query(req, ACCT_SHOW, "SELECT token_hash, created_at, "
	    "last_seen, ip, user_agent FROM account_sessions($1)", 1, params));
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

static int
acct_show(struct http_request *req)
{
	struct user	*u;
	json_t		*data, *list;
	int		 i;

	u = session_user(req);
	data = ctx_get(req)->data;
	list = json_array();
	for (i = 0; i < db_rows(req); i++) {
		json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:b}", "created", db_value(req, i, 1),
		    "last_seen", db_value(req, i, 2), "ip", db_value(req, i, 3),
		    "agent", db_value(req, i, 4), "current",
		    strcmp(db_value(req, i, 0), u->session_hash) == 0));
	}
	json_object_set_new(data, "sessions", list);
	json_object_set_new(data, "user", json_pack("{s:s, s:s, s:b, s:b}",
	    "name", u->name, "email", u->email, "is_admin", u->is_admin,
	    "has_totp", u->has_totp));
	if (json_object_get(data, "display_name") == NULL)
		fields_keep(req, "display_name", u->name);
	acct_notice(req);
	csrf_expose(req);

	page_render(req, acct_arg(req)->status, "account");
	return (HTTP_STATE_COMPLETE);
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
		a->current = kore_strdup(body_get(req, "current_password"));
		a->fresh = kore_strdup(body_get(req, "new_password"));
		if (a->current[0] == '\0')
			fields_error(req, "current_password",
			    "Enter your current password.");
		if ((msg = pwpolicy_check(passwords_common(), a->fresh,
		    u->email, u->name)) != NULL)
			fields_error(req, "new_password", msg);
		break;
	case ACT_EMAIL:
		(void)snprintf(a->email, sizeof(a->email), "%s",
		    body_get(req, "new_email"));
		valid_trim(a->email);
		fields_keep(req, "new_email", a->email);
		a->current = kore_strdup(body_get(req, "email_password"));
		if ((msg = valid_email(a->email)) != NULL)
			fields_error(req, "new_email", msg);
		else if (strcasecmp(a->email, u->email) == 0)
			fields_error(req, "new_email", "This is already your "
			    "e-mail address.");
		if (a->current[0] == '\0')
			fields_error(req, "email_password",
			    "Enter your current password.");
		break;
	default:
		break;
	}

	return (!fields_failed(req));
}

static int
acct_route(struct http_request *req)
{
	struct acct	*a;
	const char	*params[1];

	/* Every POST proves its origin first, signed in or not. */
	if (req->method == HTTP_METHOD_POST &&
	    (body_form(req) == NULL || !csrf_check(req)))
		return (HTTP_STATE_COMPLETE);
	if (!authz_signed_in(req))
		return (HTTP_STATE_COMPLETE);

	a = acct_arg(req);
	if (a->status != 0)
		return (acct_page(req, a->status));
	if (req->method != HTTP_METHOD_POST)
		return (acct_page(req, 200));

	if (a->action == ACT_NONE) {
		a->action = acct_action(body_get(req, "action"));
		if (a->action == ACT_NONE) {
			page_error(req, 400, "This form asked for something "
			    "the account page does not do.");
			return (HTTP_STATE_COMPLETE);
		}
		if (!acct_check(req, a))
			return (acct_page(req, 422));
	}

	if (a->action == ACT_NAME || a->action == ACT_SIGNOUT) {
		req->fsm_state = ACCT_APPLY;
		return (HTTP_STATE_CONTINUE);
	}

	/* The other changes need the current password: fetch its hash. */
	params[0] = a->user_id;
	return (db_query(req, ACCT_VERIFY, "SELECT password_hash FROM users "
	    "WHERE id = $1", 1, params));
}

static int
acct_verify_run(void *arg)
{
	struct acct	*a = arg;
	char		 unused[PWHASH_LEN];
	int		 rehash;

	if (!pwhash_verify(a->stored_hash, a->current, &rehash, unused))
		return (0);
	if (a->action == ACT_PASSWORD && pwhash_hash(a->fresh,
	    a->new_hash) != 0)
		return (-1);

	return (1);
}

static int
acct_verify(struct http_request *req)
{
	struct acct	*a;

	a = acct_arg(req);
	if (a->stored_hash == NULL)
		a->stored_hash = kore_strdup(db_value(req, 0, 0));

	return (work_run(req, ACCT_APPLY, acct_verify_run, a));
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
	if (a->status != 0)
		return (acct_page(req, a->status));

	if ((a->action == ACT_PASSWORD || a->action == ACT_EMAIL) &&
	    a->token[0] == '\0') {
		if (work_result(req) != 1) {
			fields_error(req, a->action == ACT_PASSWORD ?
			    "current_password" : "email_password",
			    "Your current password is not right.");
			return (acct_page(req, 422));
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
		return (db_query(req, ACCT_DONE,
		    "SELECT account_rename($1, $2, $3)", 3, params));
	case ACT_PASSWORD:
		params[1] = a->new_hash;
		params[2] = u->session_hash;
		params[3] = a->token_hash;
		params[4] = a->ip;
		return (db_query(req, ACCT_DONE,
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
		return (db_query(req, ACCT_DONE, "SELECT "
		    "account_email_request($1, $2, $3, $4, $5, $6, $7, $8)",
		    8, params));
	default:
		params[1] = a->ip;
		return (db_query(req, ACCT_DONE,
		    "SELECT account_signout_all($1, $2)", 2, params));
	}
}

static int
acct_done(struct http_request *req)
{
	struct acct	*a;

	a = acct_arg(req);
	switch (a->action) {
	case ACT_NAME:
		page_redirect(req, "/account?done=name");
		break;
	case ACT_PASSWORD:
		session_cookie_set(req, SESSION_COOKIE, a->token,
		    SESSION_MAX_AGE);
		page_redirect(req, "/account?done=password");
		break;
	case ACT_EMAIL:
		page_redirect(req, "/account?done=email");
		break;
	default:
		session_cookie_set(req, SESSION_COOKIE, "", 0);
		page_redirect(req, "/login");
		break;
	}

	return (HTTP_STATE_COMPLETE);
}
