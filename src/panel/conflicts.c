/*
 * /admin/rounds/{slug}/conflicts: every conflict of the round with its
 * source and reason; an admin adds one (action=add), removes one they
 * set (remove), sets an automatic match aside (clear) or takes that back
 * (restore), each with a reason, audited (conflict_set()).
 *
 * /admin/rounds/{slug}/applications: the round's submitted applications
 * for admins, 100 a page (?page=N), each opened read-only at
 * /applications/{id}.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <string.h>

#include "core/form.h"
#include "core/outcome.h"
#include "core/valid.h"
#include "panel/panel.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"

#define REASON_MAX	1000

struct conflict_edit {
	char	 slug[PANEL_SLUG_MAX];
	char	 actor[32];
	char	 ip[CLIENT_ADDR_LEN];
	char	 app[32];
	char	 user[32];
	char	 reason[REASON_MAX * 4 + 1];
};

static const char *
conflicts_load(struct http_request *req, struct load_params *lp)
{
	panel_load_slug(req, lp);
	return ("conflicts_view($2, s.user_id) AS conflicts");
}

static const struct panel_notice conflict_notices[] = {
	{ "add", "The conflict has been recorded; an assignment of this "
	    "pair, if any, has ended." },
	{ "remove", "The conflict has been removed." },
	{ "clear", "The automatic match has been set aside: it no longer "
	    "counts as a conflict." },
	{ "restore", "The automatic match counts as a conflict again." },
	{ NULL, NULL },
};

static int
conflicts_form(struct http_request *req, int status)
{
	panel_notice(req, conflict_notices);
	return (step_render(req, status));
}

static int
conflicts_show(struct http_request *req)
{
	struct ctx		*ctx;
	struct conflict_edit	*e;
	const char		*action, *params[7];
	long long		 app, user;

	if (!handler_merge(req, "conflicts", NULL))
		return (step_error(req, 404, NULL));
	if (req->method != HTTP_METHOD_POST)
		return (conflicts_form(req, 200));

	action = body_get(req, "action");
	if (strcmp(action, "add") != 0 && strcmp(action, "remove") != 0 &&
	    strcmp(action, "clear") != 0 && strcmp(action, "restore") != 0)
		return (step_error(req, 400, "Unknown action: choose add, "
		    "remove, clear or restore."));

	ctx = ctx_get(req);
	e = kore_calloc(1, sizeof(*e));
	ctx->arg = e;
	ctx->arg_free = kore_free;
	panel_round_slug(req, e->slug, sizeof(e->slug));
	(void)snprintf(e->actor, sizeof(e->actor), "%lld", ctx->user->id);
	client_addr(req, e->ip, sizeof(e->ip));

	(void)snprintf(e->reason, sizeof(e->reason), "%s",
	    body_get(req, "reason"));
	valid_trim(e->reason);
	fields_keep(req, "reason", e->reason);
	if ((app = panel_form_id(req, "application")) == 0 ||
	    (user = panel_form_id(req, "reviewer")) == 0)
		fields_error(req, "application", "Choose an application and "
		    "a reviewer.");
	if (e->reason[0] == '\0')
		fields_error(req, "reason", "Give the reason: it is kept in "
		    "the audit log.");
	else if (valid_chars(e->reason) > REASON_MAX ||
	    strlen(body_get(req, "reason")) >= sizeof(e->reason))
		fields_error(req, "reason", "A reason has at most 1,000 "
		    "characters.");
	if (fields_failed(req))
		return (conflicts_form(req, 422));

	(void)snprintf(e->app, sizeof(e->app), "%lld", app);
	(void)snprintf(e->user, sizeof(e->user), "%lld", user);
	params[0] = e->slug;
	params[1] = e->actor;
	params[2] = e->ip;
	params[3] = action;
	params[4] = e->app;
	params[5] = e->user;
	params[6] = e->reason;

	return (step_query(req, "SELECT outcome, number, detail FROM "
	    "conflict_set($1, $2, $3, $4, $5, $6, $7)", 7, params));
}

static int
conflicts_saved(struct http_request *req)
{
	struct outcome	o;

	db_outcome(req, &o);
	switch (o.code) {
	case OUTCOME_OK:
		return (panel_done(req, "conflicts", body_get(req, "action")));
	case OUTCOME_REFUSED:
		fields_error(req, "application", "There is no automatic match "
		    "between this reviewer and this application to set "
		    "aside.");
		return (conflicts_form(req, 409));
	default:
		fields_error(req, "application", "There is no such conflict, "
		    "or the application is not a submitted application of "
		    "this round.");
		return (conflicts_form(req, 404));
	}
}

static const step_fn conflicts_steps[] = { conflicts_show, conflicts_saved,
    NULL };

HANDLER(conflicts_admin,
	.methods = METHODS_FORM,
	.enter = ENTER_ADMIN,
	.body = BODY_FORM,
	.load = conflicts_load,
	.steps = conflicts_steps,
	.template = "admin_conflicts",
)

/*
 * The round's applications.
 */

/* A page of 100 at a time (?page=N): 2,000 rows were 500 KiB a view. */
static const char *
applications_load(struct http_request *req, struct load_params *lp)
{
	const char	*page;

	if ((page = form_get(body_query(req), "page")) == NULL)
		page = "";
	panel_load_slug(req, lp);
	load_param(lp, page);
	return ("round_applications_view($2, $3, s.user_id) AS applications");
}

static int
applications_show(struct http_request *req)
{
	if (!handler_merge(req, "applications", NULL))
		return (step_error(req, 404, NULL));
	return (STEP_NEXT);
}

static const step_fn applications_steps[] = { applications_show, NULL };

HANDLER(round_applications,
	.methods = METHODS_GET,
	.enter = ENTER_ADMIN,
	.load = applications_load,
	.steps = applications_steps,
	.template = "admin_applications",
)
