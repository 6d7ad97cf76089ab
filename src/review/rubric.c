/*
 * /admin/rounds/{slug}/rubric: the round's criteria (name, question,
 * weight, gate, descriptors for 0, 1, 3 and 5), added, removed, moved,
 * and the tie-break order. Admins only; editable until the first review
 * of the round is submitted, then read-only with the reason
 * (rubric_change() says 'closed').
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <string.h>

#include "core/outcome.h"
#include "core/rubricform.h"
#include "panel/panel.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"

struct rubric_edit {
	char	 slug[PANEL_SLUG_MAX];
	char	 actor[32];
	char	 ip[CLIENT_ADDR_LEN];
	char	 weight[16];
	char	 gate[16];
	char	 tie[RUBRICFORM_CODES_MAX * RUBRICFORM_CODE_MAX + 2];
};

static int	rubric_locked(struct http_request *);

static const char *
rubric_load(struct http_request *req, struct load_params *lp)
{
	panel_load_slug(req, lp);
	return ("rubric_view($2, s.user_id) AS rubric");
}

static const struct panel_notice rubric_notices[] = {
	{ "saved", "The criterion has been saved." },
	{ "added", "The criterion has been added at the end." },
	{ "removed", "The criterion has been removed." },
	{ "moved", "The order has been changed." },
	{ "tie_break", "The tie-break order has been saved." },
	{ NULL, NULL },
};

static int
rubric_form(struct http_request *req, int status)
{
	panel_notice(req, rubric_notices);
	return (step_render(req, status));
}

/* The criterion's fields, checked; what was typed kept for the form. */
static int
rubric_check(struct http_request *req, struct rubric_edit *e)
{
	static const struct {
		const char	*field;
		size_t		 max;
		const char	*what;
	} texts[] = {
		{ "name", RUBRICFORM_NAME_MAX, "criterion's name" },
		{ "question", RUBRICFORM_TEXT_MAX, "question for the reviewer" },
		{ "level0", RUBRICFORM_TEXT_MAX, "descriptor of 0" },
		{ "level1", RUBRICFORM_TEXT_MAX, "descriptor of 1" },
		{ "level3", RUBRICFORM_TEXT_MAX, "descriptor of 3" },
		{ "level5", RUBRICFORM_TEXT_MAX, "descriptor of 5" },
	};
	const char	*msg;
	size_t		 i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		fields_keep(req, texts[i].field, body_get(req, texts[i].field));
		if ((msg = rubricform_text(body_get(req, texts[i].field),
		    texts[i].max, texts[i].what)) != NULL)
			fields_error(req, texts[i].field, msg);
	}
	fields_keep(req, "weight", body_get(req, "weight"));
	fields_keep(req, "gate_min", body_get(req, "gate_min"));
	fields_keep(req, "code", body_get(req, "code"));
	if ((msg = rubricform_weight(body_get(req, "weight"), e->weight,
	    sizeof(e->weight))) != NULL)
		fields_error(req, "weight", msg);
	if ((msg = rubricform_gate(body_get(req, "gate_min"), e->gate,
	    sizeof(e->gate))) != NULL)
		fields_error(req, "gate_min", msg);

	return (!fields_failed(req));
}

/* "{C1,C2}": codes are letters and digits only (rubricform checked). */
static const char *
rubric_tie(struct http_request *req, struct rubric_edit *e)
{
	char		 codes[RUBRICFORM_CODES_MAX][RUBRICFORM_CODE_MAX];
	const char	*msg;
	size_t		 n, i, o;

	fields_keep(req, "tie_break", body_get(req, "tie_break"));
	if ((msg = rubricform_tie_break(body_get(req, "tie_break"), codes,
	    &n)) != NULL)
		return (msg);
	o = (size_t)snprintf(e->tie, sizeof(e->tie), "{");
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(e->tie + o, sizeof(e->tie) - o, "%s%s",
		    i > 0 ? "," : "", codes[i]);
	(void)snprintf(e->tie + o, sizeof(e->tie) - o, "}");

	return (NULL);
}

static const char	sql_change[] =
    "SELECT outcome, number, detail FROM rubric_change($1, $2, $3, $4, $5, "
    "$6, $7, $8::numeric, $9::numeric, $10, $11, $12, $13, $14::text[])";

static int
rubric_show(struct http_request *req)
{
	struct ctx		*ctx;
	struct rubric_edit	*e;
	const char		*action, *msg, *params[14];
	int			 i, fields;

	if (!handler_merge(req, "rubric", NULL))
		return (step_error(req, 404, NULL));
	if (req->method != HTTP_METHOD_POST)
		return (rubric_form(req, 200));

	ctx = ctx_get(req);
	e = kore_calloc(1, sizeof(*e));
	ctx->arg = e;
	ctx->arg_free = kore_free;
	panel_round_slug(req, e->slug, sizeof(e->slug));
	(void)snprintf(e->actor, sizeof(e->actor), "%lld", ctx->user->id);
	client_addr(req, e->ip, sizeof(e->ip));

	action = body_get(req, "action");
	fields = strcmp(action, "save") == 0 || strcmp(action, "add") == 0;
	if (!fields && strcmp(action, "remove") != 0 &&
	    strcmp(action, "up") != 0 && strcmp(action, "down") != 0 &&
	    strcmp(action, "tie_break") != 0)
		return (step_error(req, 400, "Unknown action: choose save, add, "
		    "remove, up, down or tie_break."));
	if (json_is_true(json_object_get(ctx->data, "locked")))
		return (rubric_locked(req));
	if (fields && !rubric_check(req, e))
		return (rubric_form(req, 422));
	if (strcmp(action, "tie_break") == 0 &&
	    (msg = rubric_tie(req, e)) != NULL) {
		fields_error(req, "tie_break", msg);
		return (rubric_form(req, 422));
	}

	for (i = 0; i < 14; i++)
		params[i] = NULL;
	params[0] = e->slug;
	params[1] = e->actor;
	params[2] = e->ip;
	params[3] = action;
	params[4] = body_get(req, "code");
	if (fields) {
		params[5] = body_get(req, "name");
		params[6] = body_get(req, "question");
		params[7] = e->weight;
		params[8] = e->gate[0] != '\0' ? e->gate : NULL;
		params[9] = body_get(req, "level0");
		params[10] = body_get(req, "level1");
		params[11] = body_get(req, "level3");
		params[12] = body_get(req, "level5");
	}
	params[13] = e->tie[0] != '\0' ? e->tie : "{}";

	return (step_query(req, sql_change, 14, params));
}

static int
rubric_locked(struct http_request *req)
{
	fields_error(req, "rubric", "A review of this round has been "
	    "submitted, so the rubric can no longer change: every review "
	    "must be scored on the same criteria.");
	return (rubric_form(req, 409));
}

static int
rubric_saved(struct http_request *req)
{
	struct outcome	 o;
	const char	*action;

	db_outcome(req, &o);
	action = body_get(req, "action");
	switch (o.code) {
	case OUTCOME_OK:
		return (panel_done(req, "rubric", strcmp(action, "save") == 0 ?
		    "saved" : strcmp(action, "add") == 0 ? "added" :
		    strcmp(action, "remove") == 0 ? "removed" :
		    strcmp(action, "tie_break") == 0 ? "tie_break" : "moved"));
	case OUTCOME_CLOSED:
		return (rubric_locked(req));
	case OUTCOME_REFUSED:
		fields_error(req, "rubric", "A rubric keeps at least one "
		    "criterion.");
		return (rubric_form(req, 409));
	case OUTCOME_TOO_MANY:
		fields_error(req, "rubric", "A rubric has at most 20 criteria: "
		    "remove one first.");
		return (rubric_form(req, 409));
	case OUTCOME_INVALID:
		fields_error(req, "tie_break", "Name criteria of this rubric, "
		    "each once, such as C1 C2 C7.");
		return (rubric_form(req, 422));
	default:
		return (step_error(req, 404, "This criterion is no longer in "
		    "the rubric; reload the page."));
	}
}

static const step_fn rubric_steps[] = { rubric_show, rubric_saved, NULL };

HANDLER(rubric_admin,
	.methods = METHODS_FORM,
	.enter = ENTER_ADMIN,
	.body = BODY_FORM,
	.load = rubric_load,
	.steps = rubric_steps,
	.template = "admin_rubric",
)
