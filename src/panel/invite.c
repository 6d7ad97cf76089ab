/*
 * /invite?token=: the link of a panel invitation. Signed in, one button
 * attaches the reviewer role for the round to the account; signed out,
 * the invitee signs in first (and comes back), or creates an account
 * with the invited address, verified by the invitation itself. The link
 * is single-use and valid 14 days (sql/60_panel.sql).
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/conflict.h"
#include "core/outcome.h"
#include "core/pwhash.h"
#include "core/pwpolicy.h"
#include "core/token.h"
#include "core/valid.h"
#include "panel/panel.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"
#include "web/passwords.h"
#include "web/session.h"
#include "web/webmail.h"
#include "web/work.h"

struct invite {
	char		 token[CTX_TOKEN_LEN];
	char		 hash[CTX_HASH_LEN];
	char		 ip[CLIENT_ADDR_LEN];
	char		 uid[32];
	char		 name[VALID_NAME_MAX * 4 + 1];
	char		 domain[256];
	char		 domain_key[CONFLICT_KEY_MAX];
	char		*password;
	char		 pwhash[PWHASH_LEN];
	json_t		*invitation;
};

static void
invite_free(void *arg)
{
	struct invite	*v = arg;

	fields_secret_free(v->password);
	sodium_memzero(v->pwhash, sizeof(v->pwhash));
	json_decref(v->invitation);
	kore_free(v);
}

static struct invite *
invite_arg(struct http_request *req)
{
	struct ctx	*ctx;
	struct invite	*v;
	const char	*t;

	ctx = ctx_get(req);
	if (ctx->arg != NULL)
		return (ctx->arg);
	v = kore_calloc(1, sizeof(*v));
	t = form_get(body_query(req), "token");
	if (t != NULL && token_valid(t)) {
		(void)snprintf(v->token, sizeof(v->token), "%s", t);
		token_hash(v->token, v->hash);
	}
	client_addr(req, v->ip, sizeof(v->ip));
	ctx->arg = v;
	ctx->arg_free = invite_free;

	return (v);
}

static int
invite_invalid(struct http_request *req)
{
	return (step_error(req, 404, "This invitation link is not valid. "
	    "Check that you opened the whole link from the e-mail, or ask "
	    "the award's administrators for a new invitation."));
}

/* The invitation, whether or not a session came with the request. */
static int
invite_find(struct http_request *req)
{
	struct invite	*v;
	const char	*params[1];

	v = invite_arg(req);
	if (v->hash[0] == '\0')
		return (invite_invalid(req));
	params[0] = v->hash;

	return (step_query(req, "SELECT invitation_view($1)", 1, params));
}

static const char *
invite_refusal(const char *state)
{
	if (strcmp(state, "expired") == 0)
		return ("This invitation has expired (links are valid for 14 "
		    "days). Ask the award's administrators to send it again.");
	if (strcmp(state, "revoked") == 0)
		return ("This invitation was withdrawn by the award's "
		    "administrators.");
	return ("This invitation has already been used. Sign in with the "
	    "account that accepted it to see your assignments.");
}

static int
invite_shown(struct http_request *req)
{
	struct invite	*v;
	struct user	*u;
	json_t		*data;
	json_error_t	 err;
	const char	*state, *text;
	char		 next[256];

	v = invite_arg(req);
	text = db_isnull(req, 0, 0) ? NULL : db_value(req, 0, 0);
	if (text == NULL || (v->invitation = json_loads(text, 0, &err)) ==
	    NULL)
		return (invite_invalid(req));

	data = ctx_get(req)->data;
	json_object_update(data, v->invitation);
	state = json_string_value(json_object_get(v->invitation, "state"));
	u = session_user(req);
	if (strcmp(state, "pending") != 0) {
		if (u != NULL && strcmp(state, "accepted") == 0 &&
		    req->method != HTTP_METHOD_POST)
			return (step_redirect(req, "/review"));
		return (step_error(req, 410, invite_refusal(state)));
	}

	json_object_set_new(data, "token", json_string(v->token));
	json_object_set_new(data, "signed_in", json_boolean(u != NULL));
	if (u != NULL)
		json_object_set_new(data, "account", json_string(u->email));
	(void)snprintf(next, sizeof(next), "/invite?token=%s", v->token);
	json_object_set_new(data, "login_next", json_string(next));
	if (json_object_get(data, "display_name") == NULL)
		fields_keep(req, "display_name", json_string_value(
		    json_object_get(v->invitation, "name")));

	if (req->method != HTTP_METHOD_POST)
		return (step_render(req, 200));

	return (STEP_NEXT);
}

/* The account's own domain, recorded with the membership (not webmail). */
static void
invite_domain(struct invite *v, const char *email)
{
	if (conflict_email_domain(email, v->domain, sizeof(v->domain)) == -1 ||
	    conflict_domain_key(webmail_list(), v->domain, v->domain_key,
	    sizeof(v->domain_key)) == -1) {
		v->domain[0] = '\0';
		v->domain_key[0] = '\0';
	}
}

static const char	sql_accept[] =
    "SELECT outcome, number, detail FROM invitation_accept($1, $2, $3, $4, "
    "$5)";

static int
invite_accept(struct http_request *req, struct invite *v, struct user *u)
{
	const char	*params[5];

	(void)snprintf(v->uid, sizeof(v->uid), "%lld", u->id);
	invite_domain(v, u->email);
	params[0] = v->hash;
	params[1] = v->uid;
	params[2] = v->ip;
	params[3] = v->domain[0] != '\0' ? v->domain : NULL;
	params[4] = v->domain_key[0] != '\0' ? v->domain_key : NULL;

	return (step_query(req, sql_accept, 5, params));
}

static int
invite_hash_run(void *arg)
{
	struct invite	*v = arg;

	return (pwhash_hash(v->password, v->pwhash));
}

static int
invite_register_check(struct http_request *req, struct invite *v)
{
	const char	*msg, *email;

	email = json_string_value(json_object_get(v->invitation, "email"));
	(void)snprintf(v->name, sizeof(v->name), "%s",
	    body_get(req, "display_name"));
	valid_trim(v->name);
	fields_keep(req, "display_name", v->name);
	if ((msg = valid_display_name(v->name)) != NULL)
		fields_error(req, "display_name", msg);
	if ((msg = pwpolicy_check(passwords_common(), body_get(req,
	    "password"), email, v->name)) != NULL)
		fields_error(req, "password", msg);
	v->password = kore_strdup(body_get(req, "password"));
	invite_domain(v, email);

	return (!fields_failed(req));
}

/* POST: join (signed in) or create the account (signed out). */
static int
invite_act(struct http_request *req)
{
	struct invite	*v;
	struct user	*u;
	const char	*action;

	v = invite_arg(req);
	u = session_user(req);
	action = body_get(req, "action");
	if (strcmp(action, "accept") == 0) {
		if (u == NULL)
			return (step_error(req, 403, "Sign in first, then "
			    "open the invitation link again."));
		return (invite_accept(req, v, u));
	}
	if (strcmp(action, "register") != 0)
		return (step_error(req, 400, "Unknown action: choose accept "
		    "or register."));
	if (u != NULL)
		return (step_error(req, 400, "You are signed in: accept the "
		    "invitation with this account instead."));
	if (json_is_true(json_object_get(v->invitation, "has_account")))
		return (step_error(req, 409, "This address already has an "
		    "account: sign in to accept the invitation."));
	if (!invite_register_check(req, v))
		return (step_render(req, 422));

	return (step_work(req, invite_hash_run, v));
}

static const char	sql_register[] =
    "SELECT outcome, number, detail FROM invitation_register($1, $2, $3, "
    "$4, $5, $6)";

/* After the accept query, or the hash of a new account's password. */
static int
invite_register(struct http_request *req)
{
	struct invite	*v;
	const char	*params[6];

	v = invite_arg(req);
	if (v->password == NULL)
		return (STEP_NEXT);	/* the accept query answered */
	if (work_result(req) != 0) {
		kore_log(LOG_ERR, "panel: password hashing failed (%d)",
		    work_result(req));
		return (step_error(req, 500, NULL));
	}
	params[0] = v->hash;
	params[1] = v->name;
	params[2] = v->pwhash;
	params[3] = v->ip;
	params[4] = v->domain[0] != '\0' ? v->domain : NULL;
	params[5] = v->domain_key[0] != '\0' ? v->domain_key : NULL;

	return (step_query(req, sql_register, 6, params));
}

static int
invite_joined(struct http_request *req)
{
	struct outcome	o;

	db_outcome(req, &o);
	switch (o.code) {
	case OUTCOME_OK:
		return (step_redirect(req, "/account/affiliations?done=joined"));
	case OUTCOME_CREATED:
		return (step_redirect(req, "/login?next=%2Faccount%2F"
		    "affiliations%3Fdone%3Djoined&created=1"));
	case OUTCOME_EXISTS:
		return (step_error(req, 409, "This address already has an "
		    "account: sign in to accept the invitation."));
	case OUTCOME_REFUSED:
		return (step_error(req, 410, invite_refusal(o.detail)));
	default:
		return (invite_invalid(req));
	}
}

static const step_fn invite_get_steps[] = { invite_find, invite_shown,
    NULL };
static const step_fn invite_steps[] = { invite_find, invite_shown,
    invite_act, invite_register, invite_joined, NULL };

HANDLER(panel_invite_page,
	.methods = METHODS_FORM,
	.enter = ENTER_ANYONE,
	.body = BODY_FORM,
	.get_steps = invite_get_steps,
	.steps = invite_steps,
	.template = "invite",
)
