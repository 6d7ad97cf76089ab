/*
 * The reviewer's pages:
 *
 *	GET      /review		the assignments, across rounds
 *	GET|POST /review/{id}		the conflict check (action=
 *					confirm), then the application
 *	POST     /review/{id}/conflict	a declared conflict (reason)
 *	GET      /review/{id}/files/{fid}
 *					a document
 *
 * {id} is an assignment. Its rights are its application's for the
 * reviewer it belongs to (assignment_rights(), through
 * application_access()): before the conflict check a reviewer may only
 * answer it, after it read, and declare a conflict at any time; a
 * conflicted or removed reviewer, and everybody else, gets the 404 page.
 * The SQL functions called here ask the same rights again, and in blind
 * rounds they leave the applicant's names out; the documents of a blind
 * round leave without their metadata (core/pdfstrip.c, through
 * web/document.c).
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/appview.h"
#include "core/form.h"
#include "core/outcome.h"
#include "core/reviewform.h"
#include "core/reviewview.h"
#include "core/valid.h"
#include "review/review.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/document.h"
#include "web/fields.h"
#include "web/handler.h"
#include "web/page.h"

#define REVIEW_PREFIX	"/review/"
#define REASON_MAX	1000	/* characters (conflicts.reason too) */

/* An empty text (no deadline yet) reads as absent in the templates. */
static void
review_drop_empty(json_t *obj, const char *key)
{
	const char	*v;

	if ((v = json_string_value(json_object_get(obj, key))) != NULL &&
	    *v == '\0')
		(void)json_object_del(obj, key);
}

/*
 * The list.
 */

static int
list_show(struct http_request *req)
{
	json_t		*data, *list, *a;
	size_t		 i;

	data = ctx_get(req)->data;
	(void)handler_merge(req, "assignments", "assignments");
	list = json_object_get(data, "assignments");
	json_array_foreach(list, i, a)
		review_drop_empty(a, "due");
	json_object_set_new(data, "has_assignments",
	    json_boolean(json_array_size(list) > 0));
	if (form_get(body_query(req), "declared") != NULL)
		fields_keep(req, "notice", "Your conflict has been recorded; "
		    "the application has been taken off your list.");

	return (STEP_NEXT);
}

static const step_fn list_steps[] = { list_show, NULL };

HANDLER(review_list_page,
	.methods = METHODS_GET,
	.enter = ENTER_SIGNED_IN,
	.columns = "review_list(s.user_id) AS assignments",
	.steps = list_steps,
	.template = "review_list",
)

/*
 * An assignment: the conflict check, then the application.
 */

struct rev {
	long long	 id;
	char		 id_s[32];
	char		 uid[32];
	char		 ip[CLIENT_ADDR_LEN];
	char		*reason;	/* trimmed, as it is stored */
	const char	*action;	/* a posted review: save, submit... */
	json_t		*read;		/* reviewform_read()'s answer */
	char		*scores;	/* its scores and comments, JSON */
	char		*comments;
	char		 version[16];
};

static void
rev_free(void *arg)
{
	struct rev	*r = arg;

	kore_free(r->reason);
	json_decref(r->read);
	free(r->scores);
	free(r->comments);
	kore_free(r);
}

static struct rev *
rev_arg(struct http_request *req)
{
	struct ctx	*ctx;
	struct rev	*r;

	ctx = ctx_get(req);
	if (ctx->arg != NULL)
		return (ctx->arg);

	r = kore_calloc(1, sizeof(*r));
	r->id = valid_path_id(req->path, REVIEW_PREFIX, NULL);
	(void)snprintf(r->id_s, sizeof(r->id_s), "%lld", r->id);
	(void)snprintf(r->uid, sizeof(r->uid), "%lld", ctx->user->id);
	client_addr(req, r->ip, sizeof(r->ip));
	ctx->arg = r;
	ctx->arg_free = rev_free;

	return (r);
}

/* The assignment as its page shows it, loaded with the session. */
static const char *
review_load(struct http_request *req, struct load_params *lp)
{
	load_param_id(lp, valid_path_id(req->path, REVIEW_PREFIX, NULL));

	return ("review_view($2, s.user_id) AS review");
}

/*
 * Blind rounds: review_view() has taken the applicant's names out of the
 * content. The fields and partners it no longer holds are left out of
 * the page rather than shown as "not filled in", and the sections are
 * numbered again.
 */
static void
review_prune(json_t *sections, const json_t *content)
{
	json_t		*s, *fields;
	const char	*name;
	size_t		 i, j, n;

	for (i = 0, n = 0; i < json_array_size(sections);) {
		s = json_array_get(sections, i);
		fields = json_object_get(s, "fields");
		for (j = 0; j < json_array_size(fields);) {
			name = appview_value(json_array_get(fields, j), "name");
			if (json_object_get(content, name) == NULL)
				(void)json_array_remove(fields, j);
			else
				j++;
		}
		if (json_object_get(content, "partners") == NULL) {
			(void)json_object_del(s, "is_partners");
			(void)json_object_del(s, "partners");
		}
		if (json_array_size(fields) == 0 &&
		    json_object_get(s, "is_partners") == NULL) {
			(void)json_array_remove(sections, i);
			continue;
		}
		json_object_set_new(s, "n", json_integer((json_int_t)++n));
		json_object_set_new(s, "has_fields",
		    json_boolean(json_array_size(fields) > 0));
		i++;
	}
}

/* The application, read only, laid out as its applicant sees it. */
static void
review_application(json_t *data)
{
	struct appview_lists	 lists;
	json_t			*content, *none, *sections, *f;
	size_t			 i;
	char			 size[32];

	content = json_object_get(data, "content");
	none = json_array();
	/* Only the countries the content names: options of its own. */
	memset(&lists, 0, sizeof(lists));
	lists.countries = json_object_get(data, "country_list");
	/* Codes only: the label is the code itself. */
	lists.categories = none;
	sections = appview_sections(content, none, &lists, 0);
	json_decref(none);
	review_prune(sections, content);
	json_object_set_new(data, "sections", sections);

	json_array_foreach(json_object_get(data, "files"), i, f) {
		appview_size_text(json_integer_value(json_object_get(f,
		    "size")), size, sizeof(size));
		json_object_set_new(f, "size_text", json_string(size));
	}
	json_object_set_new(data, "has_files", json_boolean(
	    json_array_size(json_object_get(data, "files")) > 0));
}

/* What the last post did, said once after its redirect. */
static void
review_notice(struct http_request *req)
{
	static const struct {
		const char	*done;
		const char	*sentence;
	} notices[] = {
		{ "save", "Your review has been saved." },
		{ "submit", "Your review has been submitted. The other "
		    "reviews of this application are below." },
		{ "abstain", "You have abstained from this application; the "
		    "organisers have your reason." },
	};
	const char	*done;
	size_t		 i;

	if (req->method == HTTP_METHOD_POST ||
	    (done = form_get(body_query(req), "done")) == NULL)
		return;
	for (i = 0; i < sizeof(notices) / sizeof(notices[0]); i++) {
		if (strcmp(done, notices[i].done) == 0)
			fields_keep(req, "notice", notices[i].sentence);
	}
}

/*
 * The page: before the conflict check only the reference and title (the
 * reference alone in blind rounds: review_view() sends nothing more);
 * after it the application. The conflict form is on both.
 */
static int
review_render(struct http_request *req, int status)
{
	json_t	*data;

	data = ctx_get(req)->data;
	if (!handler_merge(req, "review", NULL))
		return (step_error(req, 404, NULL));
	json_object_set_new(data, "assignment",
	    json_integer((json_int_t)rev_arg(req)->id));
	review_drop_empty(data, "due");
	review_notice(req);
	if (json_is_true(json_object_get(data, "confirmed")) &&
	    json_is_object(json_object_get(data, "content"))) {
		review_application(data);
		reviewview_shape(data, json_object_get(rev_arg(req)->read,
		    "values"));
	}

	return (step_render_as(req, status, "review"));
}

static const char	sql_answer[] =
    "SELECT outcome, number, detail FROM assignment_answer($1, $2, $3, $4, "
    "$5)";

/* action: 'confirm' (no conflict) or 'declare' (with reason). */
static int
review_answer(struct http_request *req, const char *action,
    const char *reason)
{
	struct rev	*r;
	const char	*params[5];

	r = rev_arg(req);
	params[0] = r->id_s;
	params[1] = r->uid;
	params[2] = r->ip;
	params[3] = action;
	params[4] = reason;

	return (step_query(req, sql_answer, 5, params));
}

/*
 * The review form (issue 12): save, autosave, submit, abstain. The form
 * is read by core/reviewform.c against the round's rubric; review_save()
 * checks the version, the deadline and completeness again.
 */

static int
review_is_autosave(struct http_request *req)
{
	return (strcmp(rev_arg(req)->action, "autosave") == 0);
}

/* A refusal: in JSON for an autosave, else the page with the message. */
static int
review_refuse(struct http_request *req, int status, const char *field,
    const char *msg, int conflict)
{
	if (review_is_autosave(req))
		return (step_json(req, status, json_pack("{s:b, s:b, "
		    "s:s}", "ok", 0, "conflict", conflict, "message", msg)));
	fields_error(req, field, msg);

	return (review_render(req, status));
}

static enum reviewform_kind
review_kind(const char *action)
{
	if (strcmp(action, "submit") == 0)
		return (REVIEWFORM_SUBMIT);
	if (strcmp(action, "abstain") == 0)
		return (REVIEWFORM_ABSTAIN);
	return (REVIEWFORM_SAVE);
}

static const char	sql_save[] =
    "SELECT outcome, number, detail FROM review_save($1, $2, $3, $4, $5, "
    "$6::jsonb, $7::jsonb, $8, $9, $10, $11)";

static int
review_post(struct http_request *req)
{
	struct rev	*r;
	json_t		*data, *e, *mine;
	const char	*v, *params[11];
	size_t		 i;
	int		 complete;

	r = rev_arg(req);
	data = ctx_get(req)->data;
	if (!authz_can(req, RIGHT_READ) && authz_can(req, RIGHT_CONFIRM))
		return (step_error(req, 400, "Answer the conflict of interest "
		    "check first: use its buttons on this page."));
	if (!authz_can(req, RIGHT_READ) || !handler_merge(req, "review", NULL))
		return (step_error(req, 404, NULL));
	v = body_get(req, "version");
	if (v[0] == '\0' || strlen(v) > 9 || strspn(v, "0123456789") !=
	    strlen(v))
		return (step_error(req, 400, "The form is incomplete; reload "
		    "the page."));
	(void)snprintf(r->version, sizeof(r->version), "%s", v);

	mine = json_object_get(data, "mine");
	complete = json_is_string(json_object_get(mine, "state")) &&
	    strcmp(json_string_value(json_object_get(mine, "state")),
	    "submitted") == 0;
	if ((r->read = reviewform_read(json_object_get(data, "rubric"),
	    body_form(req), review_kind(r->action), complete)) == NULL)
		fatal("review_post: out of memory");
	if (json_array_size(json_object_get(r->read, "errors")) > 0) {
		if (review_is_autosave(req))
			return (step_json(req, 422, json_pack("{s:b, "
			    "s:s}", "ok", 0, "message", "Not saved: a field "
			    "is not right; press Save to see which.")));
		json_array_foreach(json_object_get(r->read, "errors"), i, e)
			fields_error(req, json_string_value(json_object_get(e,
			    "field")), json_string_value(json_object_get(e,
			    "message")));
		return (review_render(req, 422));
	}

	r->scores = json_dumps(json_object_get(r->read, "scores"),
	    JSON_COMPACT);
	r->comments = json_dumps(json_object_get(r->read, "comments"),
	    JSON_COMPACT);
	params[0] = r->id_s;
	params[1] = r->uid;
	params[2] = r->ip;
	params[3] = r->version;
	params[4] = r->action;
	params[5] = r->scores;
	params[6] = r->comments;
	params[7] = json_string_value(json_object_get(r->read, "feedback"));
	params[8] = json_string_value(json_object_get(r->read,
	    "confidential"));
	params[9] = json_string_value(json_object_get(r->read,
	    "recommendation"));
	params[10] = json_string_value(json_object_get(r->read,
	    "abstain_reason"));

	return (step_query(req, sql_save, 11, params));
}

static int
page_show(struct http_request *req)
{
	struct rev	*r;
	const char	*action;

	if (req->method != HTTP_METHOD_POST)
		return (review_render(req, 200));

	r = rev_arg(req);
	action = body_get(req, "action");
	if (strcmp(action, "confirm") == 0) {
		r->action = "confirm";
		return (review_answer(req, "confirm", NULL));
	}
	if (strcmp(action, "save") == 0 || strcmp(action, "autosave") == 0 ||
	    strcmp(action, "submit") == 0 || strcmp(action, "abstain") == 0) {
		r->action = strcmp(action, "save") == 0 ? "save" :
		    strcmp(action, "autosave") == 0 ? "autosave" :
		    strcmp(action, "submit") == 0 ? "submit" : "abstain";
		return (review_post(req));
	}

	/* Anything else was not sent by the page's forms. */
	return (step_error(req, 400, "This form cannot be sent here. Reload "
	    "the page and use its buttons."));
}

/* What review_save() answered. */
static int
review_saved(struct http_request *req, const struct outcome *o)
{
	char	loc[96], msg[256];

	switch (o->code) {
	case OUTCOME_SAVED:
	case OUTCOME_SUBMITTED:
	case OUTCOME_SAME:
		if (review_is_autosave(req))
			return (step_json(req, 200, json_pack(
			    "{s:b, s:I}", "ok", 1, "version",
			    (json_int_t)o->number)));
		(void)snprintf(loc, sizeof(loc), REVIEW_PREFIX "%s?done=%s",
		    rev_arg(req)->id_s, rev_arg(req)->action);
		return (step_redirect(req, loc));
	case OUTCOME_CONFLICT:
		(void)snprintf(msg, sizeof(msg), "This review was saved "
		    "elsewhere meanwhile (version %lld), perhaps in another "
		    "tab. Your text is below: copy what you need, then reload "
		    "the page.", o->number);
		return (review_refuse(req, 409, "review", msg, 1));
	case OUTCOME_CLOSED:
		return (review_refuse(req, 409, "review", "Reviews are no "
		    "longer taken for this round: the reviews were due. Your "
		    "review can no longer change.", 0));
	case OUTCOME_INVALID:
		return (review_refuse(req, 422, strcmp(o->detail,
		    "abstain_reason") == 0 ? "abstain_reason" : "review",
		    strcmp(o->detail, "abstain_reason") == 0 ? "Say why you "
		    "abstain: the organisers read it." : "A submitted review "
		    "stays complete: give every score and a recommendation.",
		    0));
	default:
		if (review_is_autosave(req))
			return (step_json(req, 404, json_pack("{s:b, "
			    "s:s}", "ok", 0, "message", "This assignment no "
			    "longer exists.")));
		return (step_error(req, 404, NULL));
	}
}

static int
page_confirmed(struct http_request *req)
{
	struct outcome	o;
	char		loc[64];

	db_outcome(req, &o);
	if (strcmp(rev_arg(req)->action, "confirm") != 0)
		return (review_saved(req, &o));
	if (o.code != OUTCOME_OK)
		return (step_error(req, 404, NULL));

	(void)snprintf(loc, sizeof(loc), REVIEW_PREFIX "%s",
	    rev_arg(req)->id_s);

	return (step_redirect(req, loc));
}

static const step_fn page_steps[] = { page_show, page_confirmed, NULL };

HANDLER(review_page,
	.methods = METHODS_FORM,
	.enter = ENTER_SIGNED_IN,
	.body = BODY_FORM,
	.load = review_load,
	.resource = RESOURCE_ASSIGNMENT,
	.rights = RIGHT_DECLARE,
	.steps = page_steps,
	.template = "review",
)

/*
 * A declared conflict.
 */

static int
conflict_refuse(struct http_request *req, const char *msg)
{
	fields_error(req, "reason", msg);
	fields_keep(req, "reason", body_get(req, "reason"));

	return (review_render(req, 422));
}

static int
conflict_check(struct http_request *req)
{
	struct rev	*r;
	size_t		 chars;
	char		 msg[160];

	r = rev_arg(req);
	r->reason = kore_strdup(body_get(req, "reason"));
	valid_trim(r->reason);
	if (r->reason[0] == '\0')
		return (conflict_refuse(req, "Say what your conflict of "
		    "interest is: the organisers need it to assign the "
		    "application to someone else."));
	if ((chars = valid_chars(r->reason)) > REASON_MAX) {
		(void)snprintf(msg, sizeof(msg), "Say it in at most %d "
		    "characters; this has %zu.", REASON_MAX, chars);
		return (conflict_refuse(req, msg));
	}

	return (review_answer(req, "declare", r->reason));
}

static int
conflict_done(struct http_request *req)
{
	struct outcome	o;

	db_outcome(req, &o);
	if (o.code != OUTCOME_OK)
		return (step_error(req, 404, NULL));

	return (step_redirect(req, "/review?declared=1"));
}

static const step_fn conflict_steps[] = { conflict_check, conflict_done,
    NULL };

HANDLER(review_conflict,
	.methods = METHODS_POST,
	.enter = ENTER_SIGNED_IN,
	.body = BODY_FORM,
	.load = review_load,
	.resource = RESOURCE_ASSIGNMENT,
	.rights = RIGHT_DECLARE,
	.steps = conflict_steps,
	.template = "review",
)

/*
 * A document, opened and sent as files.c's are (web/document.c); in
 * blind rounds stripped of its metadata.
 */

struct rdoc {
	char		 id_s[32];	/* the assignment */
	char		 fid_s[32];
	char		 uid[32];
	struct document	 doc;
};

static void
rdoc_free(void *arg)
{
	struct rdoc	*d = arg;

	document_free(&d->doc);
	kore_free(d);
}

/* Both ids from /review/{id}/files/{fid}; the route has both. */
static struct rdoc *
rdoc_arg(struct http_request *req)
{
	struct ctx	*ctx;
	struct rdoc	*d;
	const char	*rest;

	ctx = ctx_get(req);
	if (ctx->arg != NULL)
		return (ctx->arg);

	d = kore_calloc(1, sizeof(*d));
	(void)snprintf(d->id_s, sizeof(d->id_s), "%lld",
	    valid_path_id(req->path, REVIEW_PREFIX, &rest));
	d->doc.fid = valid_path_id(rest, "/files/", NULL);
	d->doc.log = "review";
	(void)snprintf(d->fid_s, sizeof(d->fid_s), "%lld", d->doc.fid);
	(void)snprintf(d->uid, sizeof(d->uid), "%lld", ctx->user->id);
	ctx->arg = d;
	ctx->arg_free = rdoc_free;

	return (d);
}

static int
file_query(struct http_request *req)
{
	struct rdoc	*d;
	const char	*params[3];

	d = rdoc_arg(req);
	params[0] = d->id_s;
	params[1] = d->uid;
	params[2] = d->fid_s;

	/* A binary result: its own columns as text, readable as bytes. */
	return (document_query(req, "SELECT application_id::text, name, "
	    "key_id, sealed, sha256, blind::text FROM review_file_get($1, $2, "
	    "$3)", 3, params));
}

/* Whose document it is and whether the round is blind; then it opens. */
static int
file_fetched(struct http_request *req)
{
	struct rdoc	*d;
	const char	*app, *blind;

	d = rdoc_arg(req);
	if (db_rows(req) != 1)
		return (step_error(req, 404, NULL));

	app = db_text(req, "application_id");
	blind = db_text(req, "blind");
	d->doc.app = app != NULL ? strtoll(app, NULL, 10) : 0;
	d->doc.strip = blind != NULL && strcmp(blind, "true") == 0;

	return (document_fetched(req, &d->doc));
}

static int
file_opened(struct http_request *req)
{
	return (document_send(req, &rdoc_arg(req)->doc));
}

static const step_fn file_steps[] = { file_query, file_fetched, file_opened,
    NULL };

HANDLER(review_file,
	.methods = METHODS_GET,
	.enter = ENTER_SIGNED_IN,
	.resource = RESOURCE_ASSIGNMENT,
	.rights = RIGHT_READ,
	.steps = file_steps,
)
