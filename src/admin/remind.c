/*
 * Reminding a round's reviewers (issue 14), admins only:
 *
 *	POST /admin/rounds/{slug}/remind
 *		one e-mail to every reviewer with pending reviews, at most
 *		one a day per reviewer and round (round_remind(), audited);
 *		the page says who was reminded and who was skipped
 *
 * The e-mail's text is built by reminder_mail() in sql/98_dashboard.sql,
 * the one place of its wording: the mailer's automatic reminders (7 and
 * 2 days before reviews are due) use it too.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <string.h>

#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/handler.h"
#include "web/page.h"

#define ROUNDS_PREFIX	"/admin/rounds/"
#define REMIND_SUFFIX	"/remind"

struct remind {
	char	slug[64];
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
	const char	*params[4], *slug;
	size_t		 len;

	ctx = ctx_get(req);
	r = kore_calloc(1, sizeof(*r));
	ctx->arg = r;
	ctx->arg_free = remind_free;

	/* The route's pattern guarantees the prefix and the suffix. */
	slug = req->path + strlen(ROUNDS_PREFIX);
	len = strlen(slug) - strlen(REMIND_SUFFIX);
	if (len >= sizeof(r->slug))
		return (step_error(req, 404, NULL));
	(void)snprintf(r->slug, sizeof(r->slug), "%.*s", (int)len, slug);
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
	json_t		*v, *data;
	const char	*s;

	if ((s = db_text(req, "remind")) == NULL ||
	    (v = json_loads(s, JSON_DECODE_ANY, NULL)) == NULL)
		return (step_error(req, 404, NULL));
	data = ctx_get(req)->data;
	json_object_update(data, v);
	json_decref(v);
	json_object_set_new(data, "has_reminded", json_boolean(
	    json_array_size(json_object_get(data, "reminded")) > 0));
	json_object_set_new(data, "has_skipped", json_boolean(
	    json_array_size(json_object_get(data, "skipped")) > 0));

	return (step_page(req, 200, "partials/dashboard_remind"));
}

static const step_fn remind_steps[] = { remind_send, remind_done, NULL };

HANDLER(admin_remind,
	.methods = METHODS_POST,
	.enter = ENTER_ADMIN,
	.body = BODY_FORM,
	.steps = remind_steps,
	.template = "partials/dashboard_remind",
)
