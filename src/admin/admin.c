/*
 * Administration: the dashboard (/admin) and the rounds an admin runs
 * (/admin/rounds/new, /admin/rounds/{slug}). Every page is for admins
 * only (ENTER_ADMIN, and each SQL function asks user_is_admin() too);
 * every change is one call of round_save(), which writes its audit entry
 * in the same transaction.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "admin/dashboard.h"
#include "core/outcome.h"
#include "core/roundform.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"

#define ROUNDS_PREFIX	"/admin/rounds/"

/*
 * The dashboard.
 */

static int
home_show(struct http_request *req)
{
	(void)handler_merge(req, "rounds", "rounds");
	return (STEP_NEXT);
}

static const step_fn home_steps[] = { home_show, NULL };

HANDLER(admin_home,
	.methods = METHODS_GET,
	.enter = ENTER_ADMIN,
	.columns = "round_dashboard_list(s.user_id) AS rounds",
	.steps = home_steps,
	.template = "admin",
)

/*
 * A round: new or existing.
 */

struct round_edit {
	char		 slug[ROUNDFORM_SLUG_MAX + 1];	/* "" for a new one */
	char		 id[32];
	char		 actor[32];
	char		 ip[CLIENT_ADDR_LEN];
	json_t		*categories;
	char		*categories_json;
	char		*countries;
	int		 k, max_files, max_mb;
};

static void
round_edit_free(void *arg)
{
	struct round_edit	*e = arg;

	json_decref(e->categories);
	free(e->categories_json);
	free(e->countries);
	kore_free(e);
}

static struct round_edit *
round_arg(struct http_request *req)
{
	struct ctx		*ctx;
	struct round_edit	*e;
	const char		*slug;

	ctx = ctx_get(req);
	if (ctx->arg != NULL)
		return (ctx->arg);

	e = kore_calloc(1, sizeof(*e));
	if (strcmp(req->path, "/admin/rounds/new") != 0) {
		slug = req->path + strlen(ROUNDS_PREFIX);
		(void)snprintf(e->slug, sizeof(e->slug), "%s", slug);
	}
	(void)snprintf(e->actor, sizeof(e->actor), "%lld", ctx->user->id);
	client_addr(req, e->ip, sizeof(e->ip));
	ctx->arg = e;
	ctx->arg_free = round_edit_free;

	return (e);
}

static int
round_form(struct http_request *req, int status)
{
	struct round_edit	*e;
	json_t			*data;

	e = round_arg(req);
	data = ctx_get(req)->data;
	json_object_set_new(data, "is_new", json_boolean(e->slug[0] == '\0'));
	json_object_set_new(data, "action", json_string(e->slug[0] == '\0' ?
	    "/admin/rounds/new" : req->path));
	if (json_object_get(data, "categories") == NULL)
		fields_keep(req, "categories", roundform_default_categories);
	if (form_get(body_query(req), "saved") != NULL)
		fields_keep(req, "notice", "The round has been saved.");
	if (e->slug[0] != '\0')
		dashboard_merge(req);

	return (step_render(req, status));
}

/* The round, or the defaults of a new one, loaded with the session. */
static const char *
round_load(struct http_request *req, struct load_params *lp)
{
	if (strcmp(req->path, "/admin/rounds/new") == 0)
		return ("round_admin_defaults(s.user_id) AS round");

	load_param(lp, req->path + strlen(ROUNDS_PREFIX));
	return ("round_admin_view($2, s.user_id) AS round, " DASHBOARD_COLUMN);
}

static const char *const round_text_fields[] = {
	"title", "slug", "description", "categories", "eligible_countries",
	"timezone", "opens_at", "closes_at", "reviews_due", "embargo_until",
	"reviews_per_application", "max_files", "max_file_mb", NULL
};

/* Checks every field, keeping what was typed; 1 when all are right. */
static int
round_check(struct http_request *req, struct round_edit *e)
{
	const char	*msg;
	int		 i;

	for (i = 0; round_text_fields[i] != NULL; i++) {
		fields_keep(req, round_text_fields[i],
		    body_get(req, round_text_fields[i]));
	}
	json_object_set_new(ctx_get(req)->data, "blind_review",
	    json_boolean(strcmp(body_get(req, "blind_review"), "yes") == 0));

	if ((msg = roundform_title(body_get(req, "title"))) != NULL)
		fields_error(req, "title", msg);
	if ((msg = roundform_slug(body_get(req, "slug"))) != NULL)
		fields_error(req, "slug", msg);
	if (strlen(body_get(req, "description")) > ROUNDFORM_DESCRIPTION_MAX)
		fields_error(req, "description", "The call text has at most "
		    "64 KiB.");
	if ((msg = roundform_categories(body_get(req, "categories"),
	    &e->categories)) != NULL)
		fields_error(req, "categories", msg);
	if ((msg = roundform_countries(body_get(req, "eligible_countries"),
	    &e->countries)) != NULL)
		fields_error(req, "eligible_countries", msg);
	if (body_get(req, "timezone")[0] == '\0')
		fields_error(req, "timezone", "Enter a time zone, such as "
		    "Europe/Brussels.");
	if ((msg = roundform_datetime(body_get(req, "opens_at"), 1)) != NULL)
		fields_error(req, "opens_at", msg);
	if ((msg = roundform_datetime(body_get(req, "closes_at"), 1)) != NULL)
		fields_error(req, "closes_at", msg);
	if ((msg = roundform_datetime(body_get(req, "reviews_due"), 0)) != NULL)
		fields_error(req, "reviews_due", msg);
	if ((msg = roundform_datetime(body_get(req, "embargo_until"), 0)) !=
	    NULL)
		fields_error(req, "embargo_until", msg);
	if ((msg = roundform_int(body_get(req, "reviews_per_application"), 1,
	    10, &e->k)) != NULL)
		fields_error(req, "reviews_per_application", msg);
	if ((msg = roundform_int(body_get(req, "max_files"), 0, 20,
	    &e->max_files)) != NULL)
		fields_error(req, "max_files", msg);
	if ((msg = roundform_int(body_get(req, "max_file_mb"), 1, 100,
	    &e->max_mb)) != NULL)
		fields_error(req, "max_file_mb", msg);

	return (!fields_failed(req));
}

static const char	sql_round_save[] =
    "SELECT outcome, detail, data FROM round_save($1, $2, $3, $4, $5, $6, "
    "$7::jsonb, $8::text[], $9, "
    "$10, $11, $12, $13, $14::boolean, $15::integer, $16::integer, "
    "$17::integer)";

static int
round_show(struct http_request *req)
{
	struct round_edit	*e;
	const char		*params[17];
	char			 k[16], files[16], mb[16];

	e = round_arg(req);
	if (!handler_merge(req, "round", NULL))
		return (step_error(req, 404, NULL));
	(void)snprintf(e->id, sizeof(e->id), "%lld", (long long)
	    json_integer_value(json_object_get(ctx_get(req)->data, "id")));
	if (req->method != HTTP_METHOD_POST)
		return (round_form(req, 200));
	if (!round_check(req, e))
		return (round_form(req, 422));
	e->categories_json = json_dumps(e->categories, JSON_COMPACT);

	(void)snprintf(k, sizeof(k), "%d", e->k);
	(void)snprintf(files, sizeof(files), "%d", e->max_files);
	(void)snprintf(mb, sizeof(mb), "%d", e->max_mb);
	params[0] = e->slug[0] != '\0' ? e->id : NULL;
	params[1] = e->actor;
	params[2] = e->ip;
	params[3] = body_get(req, "title");
	params[4] = body_get(req, "slug");
	params[5] = body_get(req, "description");
	params[6] = e->categories_json;
	params[7] = e->countries;
	params[8] = body_get(req, "timezone");
	params[9] = body_get(req, "opens_at");
	params[10] = body_get(req, "closes_at");
	params[11] = body_get(req, "reviews_due");
	params[12] = body_get(req, "embargo_until");
	params[13] = strcmp(body_get(req, "blind_review"), "yes") == 0 ?
	    "true" : "false";
	params[14] = k;
	params[15] = files;
	params[16] = mb;

	return (step_query(req, sql_round_save, 17, params));
}

/* What round_save() refuses, in the words of the field it is about. */
static const struct {
	const char	*field;
	const char	*message;
} round_refusals[] = {
	{ "timezone", "Choose a time zone from the list, such as "
	    "Europe/Brussels." },
	{ "eligible_countries", "These are not ISO country codes: %s." },
	{ "closes_at", "The deadline must come after the opening." },
	{ "reviews_due", "Reviews are due after the deadline." },
	{ "slug", "Another round already uses this address." },
	{ "opens_at", "A date is not a real date and time." },
};

static int
round_refused(struct http_request *req, const struct outcome *o)
{
	char	msg[OUTCOME_DETAIL_MAX + 64];
	size_t	i;

	for (i = 0; i < sizeof(round_refusals) / sizeof(round_refusals[0]);
	    i++) {
		if (strcmp(o->detail, round_refusals[i].field) != 0)
			continue;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		(void)snprintf(msg, sizeof(msg), round_refusals[i].message,
		    o->data);
#pragma GCC diagnostic pop
		fields_error(req, round_refusals[i].field, msg);
		return (round_form(req, 422));
	}

	fields_error(req, "title", "The round could not be saved.");
	return (round_form(req, 422));
}

static int
round_saved(struct http_request *req)
{
	struct outcome	o;
	char		loc[128];

	db_outcome(req, &o);
	switch (o.code) {
	case OUTCOME_SAVED:
		(void)snprintf(loc, sizeof(loc), ROUNDS_PREFIX "%s?saved=1",
		    body_get(req, "slug"));
		return (step_redirect(req, loc));
	case OUTCOME_INVALID:
		return (round_refused(req, &o));
	case OUTCOME_CLOSED:
		fields_error(req, "title", "A published round can no longer "
		    "be changed.");
		return (round_form(req, 422));
	default:
		fields_error(req, "title", "This round no longer exists.");
		return (round_form(req, 422));
	}
}

static const step_fn round_steps[] = { round_show, round_saved, NULL };

/* /admin/rounds/new and /admin/rounds/{slug}: the path tells which. */
HANDLER(admin_round,
	.methods = METHODS_FORM,
	.enter = ENTER_ADMIN,
	.body = BODY_FORM,
	.load = round_load,
	.steps = round_steps,
	.template = "admin_round",
)
