/*
 * /admin/users: the people, searched by name or e-mail (?q=, 50 a page,
 * ?page=N), each with their roles and last sign-in (people_view()). An
 * admin promotes or demotes a person (action=promote, demote; with their
 * own current password, checked with Argon2id on a task thread as
 * /account/delete does), disables one (signed out at once) or enables
 * one again: one call of people_change(), which refuses to leave no
 * enabled admin or to let an admin disable themselves, and writes the
 * audit entry in the same transaction.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <string.h>

#include "accounts/pwconfirm.h"
#include "core/form.h"
#include "core/outcome.h"
#include "panel/panel.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"

struct people_edit {
	char		 actor[32];
	char		 ip[CLIENT_ADDR_LEN];
	char		 user[32];
	char		 action[16];
	int		 role;		/* promote or demote: password first */
	struct pwconfirm pw;
};

static const struct panel_notice people_notices[] = {
	{ "promote", "The person is now an administrator." },
	{ "demote", "The person is no longer an administrator." },
	{ "disable", "The account is disabled and was signed out "
	    "everywhere." },
	{ "enable", "The account is enabled again." },
	{ "same", "Nothing to change: the account was already so." },
	{ NULL, NULL },
};

static const char *
people_load(struct http_request *req, struct load_params *lp)
{
	const char	*q, *page;

	if ((q = form_get(body_query(req), "q")) == NULL)
		q = "";
	if ((page = form_get(body_query(req), "page")) == NULL)
		page = "";
	load_param(lp, q);
	load_param(lp, page);
	return ("people_view($2, $3, s.user_id) AS people");
}

static void
people_edit_free(void *arg)
{
	struct people_edit	*e = arg;

	pwconfirm_clear(&e->pw);
	kore_free(e);
}

static int
people_form(struct http_request *req, int status)
{
	panel_notice(req, people_notices);
	return (step_render(req, status));
}

/* The change asked for, or the page again with what is wrong. */
static int
people_show(struct http_request *req)
{
	struct ctx		*ctx;
	struct people_edit	*e;
	const char		*action;
	long long		 user;

	if (!handler_merge(req, "people", NULL))
		return (step_error(req, 404, NULL));
	if (req->method != HTTP_METHOD_POST)
		return (people_form(req, 200));

	action = body_get(req, "action");
	if (strcmp(action, "promote") != 0 && strcmp(action, "demote") != 0 &&
	    strcmp(action, "disable") != 0 && strcmp(action, "enable") != 0)
		return (step_error(req, 400, "Unknown action: choose promote, "
		    "demote, disable or enable."));
	if ((user = panel_form_id(req, "user")) == 0)
		return (step_error(req, 400, "Choose a person."));

	ctx = ctx_get(req);
	e = kore_calloc(1, sizeof(*e));
	ctx->arg = e;
	ctx->arg_free = people_edit_free;
	(void)snprintf(e->actor, sizeof(e->actor), "%lld", ctx->user->id);
	(void)snprintf(e->user, sizeof(e->user), "%lld", user);
	(void)snprintf(e->action, sizeof(e->action), "%s", action);
	client_addr(req, e->ip, sizeof(e->ip));
	e->role = strcmp(action, "promote") == 0 ||
	    strcmp(action, "demote") == 0;
	pwconfirm_init(&e->pw, ctx->user->id, body_get(req, "password"),
	    NULL);
	if (!e->role)
		return (STEP_NEXT);

	if (e->pw.typed[0] == '\0') {
		fields_error(req, "password", "A change of role needs your own "
		    "current password.");
		return (people_form(req, 422));
	}
	return (pwconfirm_fetch(req, &e->pw));
}

static int
people_verify(struct http_request *req)
{
	struct people_edit	*e = ctx_get(req)->arg;

	if (!e->role)
		return (STEP_NEXT);
	return (pwconfirm_verify(req, &e->pw));
}

static int
people_run(struct http_request *req)
{
	struct people_edit	*e = ctx_get(req)->arg;
	const char		*params[4];

	if (e->role && !pwconfirm_ok(req)) {
		fields_error(req, "password", "That is not your current "
		    "password: nothing was changed.");
		return (people_form(req, 403));
	}

	params[0] = e->actor;
	params[1] = e->ip;
	params[2] = e->action;
	params[3] = e->user;
	return (step_query(req, "SELECT outcome, number, detail FROM "
	    "people_change($1, $2, $3, $4)", 4, params));
}

static int
people_done(struct http_request *req)
{
	struct people_edit	*e = ctx_get(req)->arg;
	struct outcome		 o;
	char			 loc[64];

	db_outcome(req, &o);
	switch (o.code) {
	case OUTCOME_OK:
	case OUTCOME_SAME:
		(void)snprintf(loc, sizeof(loc), "/admin/users?done=%s",
		    o.code == OUTCOME_OK ? e->action : "same");
		return (step_redirect(req, loc));
	case OUTCOME_REFUSED:
		if (strcmp(o.detail, "self") == 0)
			fields_error(req, "user", "You cannot disable your own "
			    "account: ask another administrator.");
		else
			fields_error(req, "user", "This is the last enabled "
			    "administrator: promote someone else first, or "
			    "nobody could administer Laurel.");
		return (people_form(req, 409));
	default:
		return (step_error(req, 404, NULL));
	}
}

static const step_fn people_steps[] = { people_show, people_verify,
    people_run, people_done, NULL };

HANDLER(admin_users,
	.methods = METHODS_FORM,
	.enter = ENTER_ADMIN,
	.body = BODY_FORM,
	.load = people_load,
	.steps = people_steps,
	.template = "admin_users",
)
