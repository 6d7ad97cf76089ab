/*
 * The applicant's pages: the list (/applications), a new draft
 * (POST /rounds/{slug}/apply), the form itself (/applications/{id}:
 * save, submit, autosave, earlier versions) and withdrawal.
 *
 * Who may see an application is decided in one place, the SQL function
 * application_visible(); every query here goes through it, and "not
 * yours" reads exactly like "does not exist": the 404 page.
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "applications/applications.h"
#include "core/appform.h"
#include "core/appview.h"
#include "core/conflict.h"
#include "core/decide.h"
#include "core/outcome.h"
#include "core/valid.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/countries.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"
#include "web/messages.h"
#include "web/page.h"
#include "web/session.h"
#include "web/webmail.h"

#define APPS_PREFIX	"/applications/"

/*
 * Shared with files.c: the id in /applications/{id}[/...], or 0.
 */
long long
applications_path_id(const char *path, const char **rest)
{
	return (valid_path_id(path, APPS_PREFIX, rest));
}

/*
 * The list.
 */

static int
list_show(struct http_request *req)
{
	json_t		*data, *a;
	size_t		 i;

	data = ctx_get(req)->data;
	(void)handler_merge(req, "applications", "applications");
	json_array_foreach(json_object_get(data, "applications"), i, a) {
		if (*appview_value(a, "title") == '\0')
			json_object_set_new(a, "title", json_string(
			    messages_get(MSG_APP_UNTITLED)));
	}
	(void)handler_merge(req, "open_rounds", "open_rounds");
	json_object_set_new(data, "has_applications", json_boolean(
	    json_array_size(json_object_get(data, "applications")) > 0));
	json_object_set_new(data, "has_open_rounds", json_boolean(
	    json_array_size(json_object_get(data, "open_rounds")) > 0));
	json_object_set_new(data, "is_applications", json_true());

	return (STEP_NEXT);
}

static const step_fn list_steps[] = { list_show, NULL };

HANDLER(applications_list,
	.methods = METHODS_GET,
	.enter = ENTER_SIGNED_IN,
	.columns = "application_list(s.user_id) AS applications, "
	    "rounds_public_open() AS open_rounds",
	.steps = list_steps,
	.template = "applications",
)

/*
 * A new draft: POST /rounds/{slug}/apply.
 */

static int
apply_create(struct http_request *req)
{
	const char	*params[3], *p;
	char		 uid[32], slug[64], ip[CLIENT_ADDR_LEN];
	size_t		 len;

	/* The route is ^/rounds/[a-z0-9-]+/apply$. */
	p = req->path + strlen("/rounds/");
	len = strlen(p) - strlen("/apply");
	if (len >= sizeof(slug))
		return (step_error(req, 404, NULL));
	memcpy(slug, p, len);
	slug[len] = '\0';

	(void)snprintf(uid, sizeof(uid), "%lld", session_user(req)->id);
	client_addr(req, ip, sizeof(ip));
	params[0] = uid;
	params[1] = slug;
	params[2] = ip;

	return (step_query(req, "SELECT outcome, number, detail FROM "
	    "application_create($1, $2, $3)", 3,
	    params));
}

static int
apply_done(struct http_request *req)
{
	struct outcome	o;
	char		loc[64];

	db_outcome(req, &o);
	switch (o.code) {
	case OUTCOME_CREATED:
		(void)snprintf(loc, sizeof(loc), APPS_PREFIX "%lld", o.number);
		return (step_redirect(req, loc));
	case OUTCOME_CLOSED:
		return (step_error(req, 409, "This round is not open for "
		    "applications."));
	case OUTCOME_TOO_MANY:
		return (step_error(req, 409, "You already have ten "
		    "applications in this round (withdrawn ones count too): "
		    "continue one of them."));
	default:
		return (step_error(req, 404, NULL));
	}
}

static const step_fn apply_steps[] = { apply_create, apply_done, NULL };

HANDLER(applications_apply,
	.methods = METHODS_POST,
	.enter = ENTER_SIGNED_IN,
	.body = BODY_FORM,
	.steps = apply_steps,
)

/*
 * The form: GET shows it (or ?version=N), POST saves with
 * action=save|submit|autosave.
 */

enum app_action { ACT_VIEW, ACT_SAVE, ACT_SUBMIT, ACT_AUTOSAVE };

struct app_edit {
	enum app_action	 action;
	long long	 id;
	char		 id_s[32];
	char		 uid[32];
	char		 ip[CLIENT_ADDR_LEN];
	struct app_model model;
	json_t		*content;	/* posted, checked */
	char		*content_json;
	char		*keys_json;	/* the panel's conflict keys */
	char		*mail_subject;
	char		*mail_body;
};

static void
app_edit_free(void *arg)
{
	struct app_edit	*e = arg;

	json_decref(e->content);
	free(e->content_json);
	free(e->keys_json);
	free(e->mail_subject);
	free(e->mail_body);
	kore_free(e);
}

/* A positive version number from ?version=, or NULL for the latest. */
static const char *
edit_version(struct http_request *req)
{
	const char	*v, *p;

	if (req->method == HTTP_METHOD_POST ||
	    (v = form_get(body_query(req), "version")) == NULL)
		return (NULL);
	for (p = v; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return (NULL);
	}
	if (p == v || p - v > 9)
		return (NULL);

	return (v);
}

/*
 * The application (as its page shows it, with the country list for the
 * selects), loaded with the session; shared with files.c. Reading before
 * the CSRF check is harmless: nothing is written until the driver has
 * checked it.
 */
const char *
applications_load(struct http_request *req, struct load_params *lp)
{
	load_param_id(lp, applications_path_id(req->path, NULL));
	load_param(lp, edit_version(req));

	/* The country list is kept by the worker once it has it. */
	if (countries_kept())
		return ("application_view($2, s.user_id, $3) AS view");
	return ("application_view($2, s.user_id, $3) AS view, "
	    "country_list() AS countries");
}

/*
 * Its result into the page data and the model: 0 when there is nothing
 * to show (an earlier version that does not exist).
 */
int
applications_loaded(struct http_request *req, struct app_model *m)
{
	json_t		*data, *round;

	memset(m, 0, sizeof(*m));
	(void)countries_merge(req, "country_list");
	if (!handler_merge(req, "view", NULL))
		return (0);

	data = ctx_get(req)->data;
	round = json_object_get(data, "round");
	m->version = json_integer_value(json_object_get(data, "version"));
	m->shown = json_integer_value(json_object_get(data,
	    "shown_version"));
	m->submitted = strcmp(appview_value(data, "state"), "submitted") == 0;
	m->withdrawn = strcmp(appview_value(data, "state"), "withdrawn") == 0;
	m->files = json_array_size(json_object_get(data, "files"));
	m->max_files = json_integer_value(json_object_get(round,
	    "max_files"));
	m->max_file_mb = json_integer_value(json_object_get(round,
	    "max_file_mb"));
	m->editable = authz_can(req, RIGHT_EDIT) && m->shown == m->version;
	appview_shape(data, authz_can(req, RIGHT_EDIT));
	decide_shape(json_object_get(data, "result"));

	return (1);
}

static struct app_edit *
edit_arg(struct http_request *req)
{
	struct ctx	*ctx;
	struct app_edit	*e;

	ctx = ctx_get(req);
	if (ctx->arg != NULL)
		return (ctx->arg);

	e = kore_calloc(1, sizeof(*e));
	e->id = applications_path_id(req->path, NULL);
	(void)snprintf(e->id_s, sizeof(e->id_s), "%lld", e->id);
	(void)snprintf(e->uid, sizeof(e->uid), "%lld", ctx->user->id);
	client_addr(req, e->ip, sizeof(e->ip));
	ctx->arg = e;
	ctx->arg_free = app_edit_free;

	return (e);
}

static enum app_action
edit_action(struct http_request *req)
{
	const char	*a;

	if (req->method != HTTP_METHOD_POST)
		return (ACT_VIEW);
	a = body_get(req, "action");
	if (strcmp(a, "submit") == 0)
		return (ACT_SUBMIT);
	if (strcmp(a, "autosave") == 0)
		return (ACT_AUTOSAVE);

	return (ACT_SAVE);
}

/* {value, label} lists for the selects, from the view's round. */
static void
edit_lists(json_t *data, struct appview_lists *lists)
{
	json_t		*cats, *c;
	size_t		 i;
	char		 label[256];

	memset(lists, 0, sizeof(*lists));
	lists->countries = json_object_get(data, "country_list");
	lists->country_options = countries_options();
	cats = json_array();
	json_array_foreach(json_object_get(json_object_get(data, "round"),
	    "category_list"), i, c) {
		(void)snprintf(label, sizeof(label), "%s — %s",
		    appview_value(c, "code"), appview_value(c, "description"));
		json_array_append_new(cats, json_pack("{s:s, s:s}", "value",
		    appview_value(c, "code"), "label",
		    *appview_value(c, "description") != '\0' ? label :
		    appview_value(c, "code")));
	}
	json_object_set_new(data, "category_options", cats);
	lists->categories = cats;
}

/* What the last action did, from the address it redirected to. */
static void
applications_notices(struct http_request *req)
{
	struct form	*q;

	q = body_query(req);
	if (form_get(q, "saved") != NULL)
		fields_keep(req, "notice", "Your changes have been saved.");
	else if (form_get(q, "uploaded") != NULL)
		fields_keep(req, "notice", "The document has been added.");
	else if (form_get(q, "deleted") != NULL)
		fields_keep(req, "notice", "The document has been deleted.");
	if (form_get(q, "withdraw") != NULL)
		fields_keep(req, "error_withdraw", "Tick the box to confirm "
		    "that you want to withdraw the application.");
}

/*
 * Renders the application page from the merged view; content is what
 * the form shows (the stored version, or what was just posted).
 */
int
applications_render(struct http_request *req, int status,
    const struct app_model *m, const json_t *content)
{
	json_t			*data, *errors;
	struct appview_lists	 lists;

	data = ctx_get(req)->data;
	if (content == NULL)
		content = json_object_get(data, "content");

	edit_lists(data, &lists);
	/* Our own reference: the page data keeps its own. */
	if ((errors = json_object_get(data, "errors")) != NULL)
		json_incref(errors);
	else
		errors = json_array();
	json_object_set_new(data, "sections", appview_sections(content,
	    errors, &lists, m->editable));
	json_decref(errors);
	json_object_set_new(data, "can_edit", json_boolean(m->editable));
	json_object_set_new(data, "title_text", json_string(
	    *appview_value(content, "title") != '\0' ?
	    appview_value(content, "title") : messages_get(MSG_APP_UNTITLED)));
	json_object_set_new(data, "is_applications", json_true());
	applications_notices(req);

	return (step_render_as(req, status, "application"));
}

/* Answers an autosave with {"ok": ..., ...}. */
/* The round's codes as appform wants them (NULL-terminated). */
static const char **
edit_codes(const json_t *list)
{
	const char	**out;
	size_t		  i, n;

	n = json_array_size(list);
	out = kore_calloc(n + 1, sizeof(*out));
	for (i = 0; i < n; i++)
		out[i] = json_string_value(json_array_get(list, i));

	return (out);
}

static int
edit_check(struct http_request *req, struct app_edit *e,
    const struct app_model *m)
{
	struct appform_round	 round;
	const json_t		*r;
	json_t			*errors;
	const char		**cats, **countries;
	size_t			 i;
	int			 mode;

	mode = e->action == ACT_SUBMIT || m->submitted ? APPFORM_SUBMIT :
	    APPFORM_SAVE;

	r = json_object_get(ctx_get(req)->data, "round");
	cats = edit_codes(json_object_get(r, "categories"));
	countries = edit_codes(json_object_get(r, "countries"));
	round.categories = cats;
	round.countries = countries;

	errors = json_array();
	e->content = appview_from_form(&ctx_get(req)->form);
	(void)appview_check(e->content, mode, &round, errors);
	for (i = 0; i < json_array_size(errors); i++) {
		fields_error(req, appview_value(json_array_get(errors, i),
		    "field"), appview_value(json_array_get(errors, i),
		    "message"));
	}
	json_decref(errors);
	kore_free(cats);
	kore_free(countries);

	return (!fields_failed(req));
}

/*
 * The receipt mail, with markers application_receipt() fills in (the
 * reference, fingerprint and time exist only in that transaction). The
 * page data holds the application's view (its round). Shared with
 * files.c: a document change to a submitted application is a receipt too.
 */
void
applications_receipt_mail(struct http_request *req, const char *id_s,
    const char *title, char **subject, char **body)
{
	json_t		*data, *round;
	char		 path[64], *link;

	round = json_object_get(ctx_get(req)->data, "round");
	(void)snprintf(path, sizeof(path), APPS_PREFIX "%s", id_s);
	link = page_url(path);

	data = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}",
	    "title", title, "round", appview_value(round, "title"),
	    "link", link, "reference", "@REFERENCE@",
	    "fingerprint", "@FINGERPRINT@", "time", "@TIME@");
	*body = page_plain("mail/receipt", data);
	json_decref(data);
	kore_free(link);

	if (asprintf(subject, "Receipt @REFERENCE@: your application to %s",
	    appview_value(round, "title")) == -1)
		fatal("asprintf");
}

/* The page a user may not see, as an autosave expects it. */
static int
edit_not_found(struct http_request *req)
{
	if (edit_action(req) == ACT_AUTOSAVE)
		return (step_json(req, 404, json_pack("{s:b, s:s}",
		    "ok", 0, "message", "This application does not exist.")));

	return (step_error(req, 404, NULL));
}

static const char	sql_save[] =
    "SELECT outcome, number, detail FROM application_save($1, $2, $3, "
    "$4::jsonb, $5, $6, $7, $8, $9::jsonb)";

/* Shows the page, or checks the posted form and saves it. */
static int
edit_prepare(struct http_request *req)
{
	struct app_edit		*e;
	const char		*v, *params[9];
	json_t			*keys;

	e = edit_arg(req);
	if (!applications_loaded(req, &e->model))
		return (edit_not_found(req));

	e->action = edit_action(req);
	if (e->action == ACT_VIEW)
		return (applications_render(req, 200, &e->model, NULL));
	/* Viewing needs less than changing: admins read, owners change. */
	if (!authz_can(req, RIGHT_CHANGE))
		return (edit_not_found(req));

	/* A version that is not a number can only be a tampered form. */
	v = body_get(req, "version");
	if (v[0] == '\0' || strlen(v) > 9 || strspn(v, "0123456789") !=
	    strlen(v))
		return (step_error(req, 400, "The form is incomplete; reload "
		    "the page."));

	if (!edit_check(req, e, &e->model)) {
		if (e->action == ACT_AUTOSAVE)
			return (step_json(req, 422,
			    json_pack("{s:b, s:s}", "ok", 0, "message",
			    "Not saved: this submitted application stays "
			    "complete; finish the changes and press Save.")));
		return (applications_render(req, 422, &e->model,
		    e->content));
	}

	e->content_json = json_dumps(e->content, JSON_COMPACT);
	if ((keys = conflict_application_keys(e->content, webmail_list())) ==
	    NULL)
		fatal("edit_prepare: out of memory");
	e->keys_json = json_dumps(keys, JSON_COMPACT);
	json_decref(keys);
	applications_receipt_mail(req, e->id_s, appview_value(e->content,
	    "title"), &e->mail_subject, &e->mail_body);

	params[0] = e->id_s;
	params[1] = e->uid;
	params[2] = v;
	params[3] = e->content_json;
	params[4] = e->action == ACT_SUBMIT ? "submit" :
	    e->action == ACT_AUTOSAVE ? "autosave" : "save";
	params[5] = e->ip;
	params[6] = e->mail_subject;
	params[7] = e->mail_body;
	params[8] = e->keys_json;

	return (step_query(req, sql_save, 9, params));
}

static int
edit_refused(struct http_request *req, struct app_edit *e, int status,
    const char *msg, int conflict)
{
	if (e->action == ACT_AUTOSAVE)
		return (step_json(req, status, json_pack("{s:b, s:b, "
		    "s:s}", "ok", 0, "conflict", conflict, "message", msg)));

	fields_error(req, "form", msg);

	return (applications_render(req, status, &e->model, e->content));
}

static int
edit_saved(struct http_request *req)
{
	struct app_edit		*e;
	struct outcome		 o;
	char			 loc[96], msg[512];

	e = edit_arg(req);
	db_outcome(req, &o);

	switch (o.code) {
	case OUTCOME_CLOSED:
		return (edit_refused(req, e, 409, messages_get(MSG_APP_CLOSED),
		    0));
	case OUTCOME_WITHDRAWN:
		return (edit_refused(req, e, 409,
		    messages_get(MSG_APP_WITHDRAWN), 0));
	case OUTCOME_CONFLICT:
		messages_format(msg, sizeof(msg), MSG_APP_CONFLICT, o.number);
		/* Saving again on purpose replaces that version. */
		json_object_set_new(ctx_get(req)->data, "version",
		    json_integer(o.number));
		return (edit_refused(req, e, 409, msg, 1));
	case OUTCOME_SAVED:
	case OUTCOME_SUBMITTED:
	case OUTCOME_SAME:
		break;
	default:
		return (step_error(req, 404, NULL));
	}

	if (e->action == ACT_AUTOSAVE)
		return (step_json(req, 200, json_pack("{s:b, s:I}",
		    "ok", 1, "version", (json_int_t)o.number)));

	if (o.code != OUTCOME_SAVED)
		(void)snprintf(loc, sizeof(loc), APPS_PREFIX "%s?receipt=1"
		    "#receipt", e->id_s);
	else
		(void)snprintf(loc, sizeof(loc), APPS_PREFIX "%s?saved=%lld",
		    e->id_s, o.number);

	return (step_redirect(req, loc));
}

static const step_fn edit_steps[] = { edit_prepare, edit_saved, NULL };

HANDLER(applications_page,
	.methods = METHODS_FORM,
	.enter = ENTER_SIGNED_IN,
	.body = BODY_FORM,
	.load = applications_load,
	.resource = RESOURCE_APPLICATION,
	.rights = RIGHT_VIEW,
	.refuse = edit_not_found,
	.steps = edit_steps,
)

/*
 * Withdrawal: POST /applications/{id}/withdraw with confirm=yes.
 */

static int
withdraw_run(struct http_request *req)
{
	struct app_edit	*e;
	const char	*params[3];
	char		 loc[96];

	e = edit_arg(req);
	if (strcmp(body_get(req, "confirm"), "yes") != 0) {
		(void)snprintf(loc, sizeof(loc), APPS_PREFIX "%s?withdraw="
		    "confirm#withdraw", e->id_s);
		return (step_redirect(req, loc));
	}

	params[0] = e->id_s;
	params[1] = e->uid;
	params[2] = e->ip;

	return (step_query(req, "SELECT outcome, number, detail FROM "
	    "application_withdraw($1, $2, $3)", 3,
	    params));
}

static int
withdraw_done(struct http_request *req)
{
	struct outcome	o;
	char		loc[96];

	db_outcome(req, &o);
	if (o.code == OUTCOME_NOT_FOUND)
		return (step_error(req, 404, NULL));

	(void)snprintf(loc, sizeof(loc), APPS_PREFIX "%s",
	    edit_arg(req)->id_s);

	return (step_redirect(req, loc));
}

static const step_fn withdraw_steps[] = { withdraw_run, withdraw_done,
    NULL };

HANDLER(applications_withdraw,
	.methods = METHODS_POST,
	.enter = ENTER_SIGNED_IN,
	.body = BODY_FORM,
	.resource = RESOURCE_APPLICATION,
	.rights = RIGHT_CHANGE,
	.steps = withdraw_steps,
)
