/*
 * The applicant's pages: the list (/applications), a new draft
 * (POST /rounds/{slug}/apply), the form itself (/applications/{id}:
 * save, submit, autosave, earlier versions) and withdrawal.
 *
 * Who may see an application is decided in one place, the SQL function
 * application_owned(); every query here goes through it, and "not
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
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/csrf.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/page.h"
#include "web/session.h"

#define FORM_PAGE	(HTTP_METHOD_GET | HTTP_METHOD_HEAD | HTTP_METHOD_POST)
#define GET_ONLY	(HTTP_METHOD_GET | HTTP_METHOD_HEAD)
#define APPS_PREFIX	"/applications/"

/*
 * Shared with files.c: the id in /applications/{id}[/...], or 0.
 */
long long
applications_path_id(const char *path, const char **rest)
{
	const char	*p;
	long long	 id;

	if (strncmp(path, APPS_PREFIX, sizeof(APPS_PREFIX) - 1) != 0)
		return (0);
	p = path + sizeof(APPS_PREFIX) - 1;
	for (id = 0; isdigit((unsigned char)*p); p++) {
		if (id > 1000000000000000LL)
			return (0);
		id = id * 10 + (*p - '0');
	}
	if (rest != NULL)
		*rest = p;

	return (id);
}

/*
 * The list.
 */

static int	list_session(struct http_request *);
static int	list_show(struct http_request *);

enum { LIST_SESSION, LIST_SHOW };

static struct http_state list_states[] = {
	KORE_HTTP_STATE(list_session),
	KORE_HTTP_STATE(list_show),
};

int
applications_list(struct http_request *req)
{
	if (!page_allow(req, GET_ONLY))
		return (KORE_RESULT_OK);

	return (http_state_run(list_states,
	    sizeof(list_states) / sizeof(list_states[0]), req));
}

/* The session and the page: one round trip. */
static const char	sql_list[] =
    "SELECT " SESSION_COLUMNS ", application_list(s.user_id), "
    "rounds_public_open() " SESSION_FROM;

static int
list_session(struct http_request *req)
{
	return (session_load_with(req, LIST_SHOW, sql_list, 0, NULL));
}

static int
list_show(struct http_request *req)
{
	json_t		*data;

	if (!authz_signed_in(req))
		return (HTTP_STATE_COMPLETE);

	data = ctx_get(req)->data;
	(void)db_merge(req, SESSION_NCOLS, "applications");
	(void)db_merge(req, SESSION_NCOLS + 1, "open_rounds");
	json_object_set_new(data, "has_applications", json_boolean(
	    json_array_size(json_object_get(data, "applications")) > 0));
	json_object_set_new(data, "has_open_rounds", json_boolean(
	    json_array_size(json_object_get(data, "open_rounds")) > 0));
	json_object_set_new(data, "is_applications", json_true());
	csrf_expose(req);
	page_render(req, 200, "applications");

	return (HTTP_STATE_COMPLETE);
}

/*
 * A new draft: POST /rounds/{slug}/apply.
 */

static int	apply_session(struct http_request *);
static int	apply_create(struct http_request *);
static int	apply_done(struct http_request *);

enum { APPLY_SESSION, APPLY_CREATE, APPLY_DONE };

static struct http_state apply_states[] = {
	KORE_HTTP_STATE(apply_session),
	KORE_HTTP_STATE(apply_create),
	KORE_HTTP_STATE(apply_done),
};

int
applications_apply(struct http_request *req)
{
	if (!page_allow(req, HTTP_METHOD_POST))
		return (KORE_RESULT_OK);

	return (http_state_run(apply_states,
	    sizeof(apply_states) / sizeof(apply_states[0]), req));
}

static int
apply_session(struct http_request *req)
{
	return (session_load(req, APPLY_CREATE));
}

static int
apply_create(struct http_request *req)
{
	const char	*params[3], *p;
	char		 uid[32], slug[64], ip[CLIENT_ADDR_LEN];
	size_t		 len;

	if (body_form(req) == NULL || !csrf_check(req))
		return (HTTP_STATE_COMPLETE);
	if (!authz_signed_in(req))
		return (HTTP_STATE_COMPLETE);

	/* The route is ^/rounds/[a-z0-9-]+/apply$. */
	p = req->path + strlen("/rounds/");
	len = strlen(p) - strlen("/apply");
	if (len >= sizeof(slug)) {
		page_error(req, 404, NULL);
		return (HTTP_STATE_COMPLETE);
	}
	memcpy(slug, p, len);
	slug[len] = '\0';

	(void)snprintf(uid, sizeof(uid), "%lld", session_user(req)->id);
	client_addr(req, ip, sizeof(ip));
	params[0] = uid;
	params[1] = slug;
	params[2] = ip;

	return (db_query(req, APPLY_DONE,
	    "SELECT application_create($1, $2, $3)", 3, params));
}

static int
apply_done(struct http_request *req)
{
	const char	*r;
	char		 loc[64];

	r = db_value(req, 0, 0);
	if (strcmp(r, "notfound") == 0) {
		page_error(req, 404, NULL);
	} else if (strncmp(r, "error:", 6) == 0) {
		page_error(req, 409, r + 6);
	} else {
		(void)snprintf(loc, sizeof(loc), APPS_PREFIX "%s", r);
		page_redirect(req, loc);
	}

	return (HTTP_STATE_COMPLETE);
}

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
	json_t		*content;	/* posted, checked */
	char		*content_json;
	char		*mail_subject;
	char		*mail_body;
};

static void
app_edit_free(void *arg)
{
	struct app_edit	*e = arg;

	json_decref(e->content);
	free(e->content_json);
	free(e->mail_subject);
	free(e->mail_body);
	kore_free(e);
}

static int	edit_session(struct http_request *);
static int	edit_route(struct http_request *);
static int	edit_loaded(struct http_request *);
static int	edit_saved(struct http_request *);

enum { EDIT_SESSION, EDIT_ROUTE, EDIT_LOADED, EDIT_SAVED };

static struct http_state edit_states[] = {
	KORE_HTTP_STATE(edit_session),
	KORE_HTTP_STATE(edit_route),
	KORE_HTTP_STATE(edit_loaded),
	KORE_HTTP_STATE(edit_saved),
};

int
applications_page(struct http_request *req)
{
	if (!page_allow(req, FORM_PAGE))
		return (KORE_RESULT_OK);

	return (http_state_run(edit_states,
	    sizeof(edit_states) / sizeof(edit_states[0]), req));
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
 * The session and the application (as its page shows it, with the
 * country list for the selects) in one round trip; shared with files.c.
 * Reading before the CSRF check is harmless: nothing is written until
 * the next state has checked it.
 */
static const char	sql_view[] =
    "SELECT " SESSION_COLUMNS ", application_view($2, s.user_id, $3), "
    "country_list() " SESSION_FROM;

int
applications_session(struct http_request *req, u_int8_t next,
    const char *version)
{
	const char	*params[2];
	char		 id[32];

	(void)snprintf(id, sizeof(id), "%lld",
	    applications_path_id(req->path, NULL));
	params[0] = id;
	params[1] = version;

	return (session_load_with(req, next, sql_view, 2, params));
}

/* Its result into the page data: 0 when the user may not see it. */
int
applications_loaded(struct http_request *req)
{
	(void)db_merge(req, SESSION_NCOLS + 1, "country_list");
	return (db_merge(req, SESSION_NCOLS, NULL));
}

static int
edit_session(struct http_request *req)
{
	return (applications_session(req, EDIT_ROUTE, edit_version(req)));
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

static int
edit_route(struct http_request *req)
{
	struct app_edit	*e;

	if (req->method == HTTP_METHOD_POST &&
	    (body_form(req) == NULL || !csrf_check(req)))
		return (HTTP_STATE_COMPLETE);
	if (!authz_signed_in(req))
		return (HTTP_STATE_COMPLETE);

	e = edit_arg(req);
	e->action = edit_action(req);
	req->fsm_state = EDIT_LOADED;

	return (HTTP_STATE_CONTINUE);
}

/* {value, label} lists for the selects, from the view's round. */
static void
edit_lists(json_t *data, struct appview_lists *lists)
{
	json_t		*cats, *c;
	size_t		 i;
	char		 label[256];

	lists->countries = json_object_get(data, "country_list");
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
    const json_t *content)
{
	json_t			*data, *errors;
	struct appview_lists	 lists;
	int			 editable;

	data = ctx_get(req)->data;
	editable = json_is_true(json_object_get(data, "editable")) &&
	    json_is_true(json_object_get(data, "is_latest"));
	if (content == NULL)
		content = json_object_get(data, "content");

	edit_lists(data, &lists);
	/* Our own reference: the page data keeps its own. */
	if ((errors = json_object_get(data, "errors")) != NULL)
		json_incref(errors);
	else
		errors = json_array();
	json_object_set_new(data, "sections", appview_sections(content,
	    errors, &lists, editable));
	json_decref(errors);
	json_object_set_new(data, "can_edit", json_boolean(editable));
	json_object_set_new(data, "title_text", json_string(
	    *appview_value(content, "title") != '\0' ?
	    appview_value(content, "title") : "Untitled application"));
	json_object_set_new(data, "is_applications", json_true());
	applications_notices(req);
	csrf_expose(req);
	page_render(req, status, "application");

	return (HTTP_STATE_COMPLETE);
}

/* Answers an autosave with {"ok": ..., ...}. */
static int
edit_autosave_reply(struct http_request *req, int status, json_t *reply)
{
	char	*s;

	s = json_dumps(reply, JSON_COMPACT);
	json_decref(reply);
	page_send(req, status, "application/json", s, strlen(s));
	free(s);

	return (HTTP_STATE_COMPLETE);
}

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
edit_check(struct http_request *req, struct app_edit *e)
{
	struct appform_round	 round;
	const json_t		*r;
	json_t			*errors;
	const char		**cats, **countries;
	size_t			 i;
	int			 mode;

	mode = e->action == ACT_SUBMIT || json_is_true(json_object_get(
	    ctx_get(req)->data, "is_submitted")) ? APPFORM_SUBMIT :
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

/*
 * Checks the posted form once; 1 when the save may go to the database.
 * Like every state that queries, edit_loaded runs again while its query
 * is in flight, so this part must not.
 */
static int
edit_prepare(struct http_request *req, struct app_edit *e)
{
	const char	*v;

	if (!applications_loaded(req)) {
		if (e->action == ACT_AUTOSAVE)
			return (edit_autosave_reply(req, 404,
			    json_pack("{s:b, s:s}", "ok", 0, "message",
			    "This application does not exist.")), 0);
		page_error(req, 404, NULL);
		return (0);
	}

	if (e->action == ACT_VIEW)
		return (applications_render(req, 200, NULL), 0);

	/* A version that is not a number can only be a tampered form. */
	v = body_get(req, "version");
	if (v[0] == '\0' || strlen(v) > 9 || strspn(v, "0123456789") !=
	    strlen(v)) {
		page_error(req, 400, "The form is incomplete; reload the "
		    "page.");
		return (0);
	}

	if (!edit_check(req, e)) {
		if (e->action == ACT_AUTOSAVE)
			return (edit_autosave_reply(req, 422,
			    json_pack("{s:b, s:s}", "ok", 0, "message",
			    "Not saved: this submitted application stays "
			    "complete; finish the changes and press Save.")),
			    0);
		return (applications_render(req, 422, e->content), 0);
	}

	e->content_json = json_dumps(e->content, JSON_COMPACT);
	applications_receipt_mail(req, e->id_s, appview_value(e->content,
	    "title"), &e->mail_subject, &e->mail_body);

	return (1);
}

static const char	sql_save[] =
    "SELECT application_save($1, $2, $3, $4::jsonb, $5, $6, $7, $8)";

static int
edit_loaded(struct http_request *req)
{
	struct app_edit	*e;
	const char	*params[8];

	e = edit_arg(req);
	if (e->content_json == NULL && !edit_prepare(req, e))
		return (HTTP_STATE_COMPLETE);

	params[0] = e->id_s;
	params[1] = e->uid;
	params[2] = body_get(req, "version");
	params[3] = e->content_json;
	params[4] = e->action == ACT_SUBMIT ? "submit" :
	    e->action == ACT_AUTOSAVE ? "autosave" : "save";
	params[5] = e->ip;
	params[6] = e->mail_subject;
	params[7] = e->mail_body;

	return (db_query(req, EDIT_SAVED, sql_save, 8, params));
}

static int
edit_refused(struct http_request *req, struct app_edit *e, int status,
    const char *msg, int conflict)
{
	if (e->action == ACT_AUTOSAVE)
		return (edit_autosave_reply(req, status, json_pack("{s:b, s:b, "
		    "s:s}", "ok", 0, "conflict", conflict, "message", msg)));

	fields_error(req, "form", msg);

	return (applications_render(req, status, e->content));
}

static int
edit_saved(struct http_request *req)
{
	struct app_edit	*e;
	const char	*r;
	char		 loc[96], msg[512];
	long long	 v;

	e = edit_arg(req);
	r = db_value(req, 0, 0);

	if (strcmp(r, "notfound") == 0) {
		page_error(req, 404, NULL);
		return (HTTP_STATE_COMPLETE);
	}
	if (strcmp(r, "closed") == 0)
		return (edit_refused(req, e, 409, "The deadline has passed: "
		    "nothing was changed. Your text is still below; you can "
		    "copy it, but it can no longer be saved.", 0));
	if (strcmp(r, "withdrawn") == 0)
		return (edit_refused(req, e, 409, "This application has been "
		    "withdrawn and can no longer be changed.", 0));
	if (strncmp(r, "conflict:", 9) == 0) {
		(void)snprintf(msg, sizeof(msg), "This application was saved "
		    "elsewhere (another tab or device) after you opened this "
		    "page: the latest is version %s. Nothing was overwritten. "
		    "Your text is below, not yet saved; open the latest "
		    "version in another tab to compare, then save again here "
		    "to replace it.", r + 9);
		/* Saving again on purpose replaces that version. */
		json_object_set_new(ctx_get(req)->data, "version",
		    json_integer(strtoll(r + 9, NULL, 10)));
		return (edit_refused(req, e, 409, msg, 1));
	}

	v = strtoll(strchr(r, ':') != NULL ? strchr(r, ':') + 1 : "0", NULL,
	    10);
	if (e->action == ACT_AUTOSAVE)
		return (edit_autosave_reply(req, 200, json_pack("{s:b, s:I}",
		    "ok", 1, "version", (json_int_t)v)));

	if (strncmp(r, "submitted:", 10) == 0 || strncmp(r, "same:", 5) == 0)
		(void)snprintf(loc, sizeof(loc), APPS_PREFIX "%s?receipt=1"
		    "#receipt", e->id_s);
	else
		(void)snprintf(loc, sizeof(loc), APPS_PREFIX "%s?saved=%lld",
		    e->id_s, v);
	page_redirect(req, loc);

	return (HTTP_STATE_COMPLETE);
}

/*
 * Withdrawal: POST /applications/{id}/withdraw with confirm=yes.
 */

static int	withdraw_session(struct http_request *);
static int	withdraw_run(struct http_request *);
static int	withdraw_done(struct http_request *);

enum { WITHDRAW_SESSION, WITHDRAW_RUN, WITHDRAW_DONE };

static struct http_state withdraw_states[] = {
	KORE_HTTP_STATE(withdraw_session),
	KORE_HTTP_STATE(withdraw_run),
	KORE_HTTP_STATE(withdraw_done),
};

int
applications_withdraw(struct http_request *req)
{
	if (!page_allow(req, HTTP_METHOD_POST))
		return (KORE_RESULT_OK);

	return (http_state_run(withdraw_states,
	    sizeof(withdraw_states) / sizeof(withdraw_states[0]), req));
}

static int
withdraw_session(struct http_request *req)
{
	return (session_load(req, WITHDRAW_RUN));
}

static int
withdraw_run(struct http_request *req)
{
	struct app_edit	*e;
	const char	*params[3];
	char		 loc[96];

	if (body_form(req) == NULL || !csrf_check(req))
		return (HTTP_STATE_COMPLETE);
	if (!authz_signed_in(req))
		return (HTTP_STATE_COMPLETE);

	e = edit_arg(req);
	if (strcmp(body_get(req, "confirm"), "yes") != 0) {
		(void)snprintf(loc, sizeof(loc), APPS_PREFIX "%s?withdraw="
		    "confirm#withdraw", e->id_s);
		page_redirect(req, loc);
		return (HTTP_STATE_COMPLETE);
	}

	params[0] = e->id_s;
	params[1] = e->uid;
	params[2] = e->ip;
	return (db_query(req, WITHDRAW_DONE,
	    "SELECT application_withdraw($1, $2, $3)", 3, params));
}

static int
withdraw_done(struct http_request *req)
{
	char	loc[96];

	if (strcmp(db_value(req, 0, 0), "notfound") == 0) {
		page_error(req, 404, NULL);
		return (HTTP_STATE_COMPLETE);
	}

	(void)snprintf(loc, sizeof(loc), APPS_PREFIX "%s",
	    edit_arg(req)->id_s);
	page_redirect(req, loc);

	return (HTTP_STATE_COMPLETE);
}
