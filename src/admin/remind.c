/*
 * Reminding a round's reviewers (issue 14), admins only:
 *
 *	POST /admin/rounds/{slug}/remind
 *		one e-mail to every reviewer with pending reviews, at most
 *		one a day per reviewer and round (round_remind(), audited);
 *		then 303 to the round's dashboard, which says how many were
 *		reminded and skipped, and lists the latest reminders
 *
 * The e-mail's text is built by reminder_mail() in sql/98_dashboard.sql,
 * the one place of its wording: the mailer's automatic reminders (7 and
 * 2 days before reviews are due) use it too.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <string.h>

#include "panel/panel.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/handler.h"
#include "web/page.h"

struct remind {
	char	slug[PANEL_SLUG_MAX];
	char	actor[32];
	char	ip[CLIENT_ADDR_LEN];
	char	*base;
};

static void
remind_free(void *arg)
{
	struct remind	*r = arg;

	kore_free(r->base);
	kore_free(r);
}

static int
remind_send(struct http_request *req)
{
	struct ctx	*ctx;
	struct remind	*r;
	const char	*params[4];

	ctx = ctx_get(req);
	r = kore_calloc(1, sizeof(*r));
	ctx->arg = r;
	ctx->arg_free = remind_free;
	panel_round_slug(req, r->slug, sizeof(r->slug));
	(void)snprintf(r->actor, sizeof(r->actor), "%lld", ctx->user->id);
	client_addr(req, r->ip, sizeof(r->ip));
	r->base = page_url("");

	params[0] = r->slug;
	params[1] = r->actor;
	params[2] = r->ip;
	params[3] = r->base;
	return (step_query(req, "SELECT round_remind($1, $2, $3, $4) AS "
	    "remind", 4, params));
}

static int
remind_done(struct http_request *req)
{
	struct remind	*r;
	json_t		*v;
	const char	*s;
	char		 loc[256];
	int		 closed;
	size_t		 sent, skipped;

	if ((s = db_text(req, "remind")) == NULL ||
	    (v = json_loads(s, 0, NULL)) == NULL)
		return (step_error(req, 404, NULL));
	closed = json_is_true(json_object_get(v, "closed"));
	sent = json_array_size(json_object_get(v, "reminded"));
	skipped = json_array_size(json_object_get(v, "skipped"));
	json_decref(v);
	if (closed)
		return (step_error(req, 409, "Review is closed: reminders are "
		    "no longer sent."));

	r = ctx_get(req)->arg;
	(void)snprintf(loc, sizeof(loc), "/admin/rounds/%s?reminded=%zu"
	    "&skipped=%zu#reminders", r->slug, sent, skipped);

	return (step_redirect(req, loc));
}

static const step_fn remind_steps[] = { remind_send, remind_done, NULL };

HANDLER(admin_remind,
	.methods = METHODS_POST,
	.enter = ENTER_ADMIN,
	.body = BODY_FORM,
	.steps = remind_steps,
)
