/*
 * GDPR for the signed-in person: GET /account/export (all their data
 * as JSON) and POST /account/delete (with their password).
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accounts/privacy.h"
#include "accounts/pwconfirm.h"
#include "core/outcome.h"
#include "web/body.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/handler.h"
#include "web/page.h"
#include "web/session.h"

/*
 * Export: account_export() comes with the session check.
 */

/* Indented and with its keys in a stable order, for people and diff. */
static int
export_send(struct http_request *req)
{
	json_t		*doc;
	json_error_t	 err;
	const char	*text;
	char		*s;

	if ((text = handler_loaded(req, "export_json")) == NULL)
		text = "";
	if ((doc = json_loads(text, 0, &err)) == NULL) {
		kore_log(LOG_ERR, "export: invalid JSON from the database: %s",
		    err.text);
		return (step_error(req, 500, NULL));
	}
	s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(doc);

	http_response_header(req, "content-disposition",
	    "attachment; filename=\"laurel-export.json\"");
	http_response_header(req, "cache-control", "private, no-store");
	page_send(req, 200, "application/json; charset=utf-8", s, strlen(s));
	free(s);

	return (STEP_DONE);
}

static const step_fn export_steps[] = { export_send, NULL };

HANDLER(privacy_export,
	.methods = METHODS_GET,
	.enter = ENTER_SIGNED_IN,
	.columns = "account_export(s.user_id) AS export_json",
	.steps = export_steps,
)

/*
 * Deletion.
 */

struct erase {
	char		 ip[CLIENT_ADDR_LEN];
	struct pwconfirm pw;
};

static void
erase_free(void *arg)
{
	struct erase	*e = arg;

	pwconfirm_clear(&e->pw);
	kore_free(e);
}

static struct erase *
erase_arg(struct http_request *req)
{
	struct ctx	*ctx;
	struct erase	*e;

	ctx = ctx_get(req);
	if (ctx->arg == NULL) {
		e = kore_calloc(1, sizeof(*e));
		pwconfirm_init(&e->pw, ctx->user->id, body_get(req, "password"),
		    NULL);
		client_addr(req, e->ip, sizeof(e->ip));
		ctx->arg = e;
		ctx->arg_free = erase_free;
	}

	return (ctx->arg);
}

static int
erase_start(struct http_request *req)
{
	struct erase	*e;

	e = erase_arg(req);
	if (e->pw.typed[0] == '\0')
		return (step_redirect(req, "/account?delete=password#delete"));

	return (pwconfirm_fetch(req, &e->pw));
}

static int
erase_verify(struct http_request *req)
{
	return (pwconfirm_verify(req, &erase_arg(req)->pw));
}

static int
erase_run(struct http_request *req)
{
	struct erase	*e;
	const char	*params[2];

	e = erase_arg(req);
	if (!pwconfirm_ok(req))
		return (step_redirect(req, "/account?delete=wrong#delete"));

	params[0] = e->pw.uid;
	params[1] = e->ip;
	return (step_query(req, "SELECT outcome, number, detail FROM "
	    "account_delete($1, $2)", 2, params));
}

static int
erase_done(struct http_request *req)
{
	struct outcome	o;

	db_outcome(req, &o);
	switch (o.code) {
	case OUTCOME_OK:
		break;
	case OUTCOME_ADMIN:
		return (step_redirect(req, "/account?delete=admin#delete"));
	default:
		return (step_error(req, 404, NULL));
	}

	/* The account is gone: no token on the page, no new cookie. */
	session_forget(req);

	return (step_page(req, 200, "account_deleted"));
}

static const step_fn erase_steps[] = { erase_start, erase_verify, erase_run,
    erase_done, NULL };

HANDLER(privacy_delete,
	.methods = METHODS_POST,
	.enter = ENTER_SIGNED_IN,
	.body = BODY_FORM,
	.steps = erase_steps,
)
