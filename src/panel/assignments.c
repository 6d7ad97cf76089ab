/*
 * /admin/rounds/{slug}/assignments: who reviews what. By hand
 * (action=add|remove, application, reviewer) or automatically:
 * action=preview shows what the solver proposes, action=auto writes it.
 * The problem is built by SQL (assignment_problem()), solved on a task
 * thread by core/assign.c (a minimum-cost flow, README "Automatic
 * assignment"), and written by assignment_auto_save() only when it is
 * complete and the problem has not changed meanwhile (its md5).
 */

#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/assign.h"
#include "core/outcome.h"
#include "panel/panel.h"
#include "web/authz.h"
#include "web/body.h"
#include "web/client.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/fields.h"
#include "web/handler.h"
#include "web/work.h"

#define ASSIGNED_SUBJECT \
	"New applications to review · PRECISEU Best Practice Recognition"

struct assign_run {
	char		 slug[PANEL_SLUG_MAX];
	char		 actor[32];
	char		 ip[CLIENT_ADDR_LEN];
	char		 app[32];
	char		 reviewer[32];
	const char	*action;
	char		*problem;	/* the JSON SQL built */
	char		 hash[33];	/* its md5, as SQL wrote it */
	char		*result;	/* the solver's answer, JSON */
	char		*made;		/* its assignments alone, JSON */
	int		 complete;
	long		 ms;		/* solver time */
	char		 err[256];
	char		*intro;
	char		*outro;
};

static void
assign_run_free(void *arg)
{
	struct assign_run	*r = arg;

	free(r->problem);
	free(r->result);
	free(r->made);
	kore_free(r->intro);
	kore_free(r->outro);
	kore_free(r);
}

static struct assign_run *
assign_arg(struct http_request *req)
{
	struct ctx		*ctx;
	struct assign_run	*r;

	ctx = ctx_get(req);
	if (ctx->arg != NULL)
		return (ctx->arg);
	r = kore_calloc(1, sizeof(*r));
	panel_round_slug(req, r->slug, sizeof(r->slug));
	(void)snprintf(r->actor, sizeof(r->actor), "%lld", ctx->user->id);
	client_addr(req, r->ip, sizeof(r->ip));
	ctx->arg = r;
	ctx->arg_free = assign_run_free;

	return (r);
}

static const char *
assign_load(struct http_request *req, struct load_params *lp)
{
	panel_load_slug(req, lp);
	return ("assignments_view($2, s.user_id) AS assignments");
}

static const struct panel_notice assign_notices[] = {
	{ "added", "The reviewer has been assigned and told by e-mail." },
	{ "removed", "The assignment has been removed." },
	{ "auto", "The automatic assignment has been saved; each reviewer "
	    "with new assignments has been sent one e-mail listing them." },
	{ "none", "Every application already has its reviewers: nothing "
	    "to assign." },
	{ NULL, NULL },
};

static int
assign_form(struct http_request *req, int status)
{
	panel_notice(req, assign_notices);
	return (step_render(req, status));
}

/* The solver, on a task thread: no Kore call, only the core. */
static int
assign_solve_run(void *arg)
{
	struct assign_run	*r = arg;
	struct assign_problem	 p;
	struct assign_result	 res;
	struct timespec		 t0, t1;
	json_t			*j;

	memset(&p, 0, sizeof(p));
	memset(&res, 0, sizeof(res));
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	if (assign_problem_from_json(r->problem, &p, r->err,
	    sizeof(r->err)) == -1)
		return (-1);
	if (assign_solve(&p, &res, r->err, sizeof(r->err)) == -1) {
		assign_problem_free(&p);
		return (-1);
	}
	(void)clock_gettime(CLOCK_MONOTONIC, &t1);
	r->ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	r->complete = res.complete;
	r->result = assign_result_to_json(&p, &res);
	assign_result_free(&res);
	assign_problem_free(&p);
	if (r->result == NULL)
		return (-1);

	if ((j = json_loads(r->result, 0, NULL)) == NULL)
		return (-1);
	r->made = json_dumps(json_object_get(j, "assignments"), JSON_COMPACT);
	json_decref(j);

	return (r->made != NULL ? 0 : -1);
}

static int
assign_problem(struct http_request *req, struct assign_run *r)
{
	const char	*params[2];

	params[0] = r->slug;
	params[1] = r->actor;
	return (step_query(req, "SELECT p::text, md5(p::text) FROM "
	    "assignment_problem($1, $2) p", 2, params));
}

static const char	sql_change[] =
    "SELECT outcome, number, detail FROM assignment_change($1, $2, $3, $4, "
    "$5, $6, $7, $8, $9)";

static int
assign_change(struct http_request *req, struct assign_run *r)
{
	const char	*params[9];
	long long	 app, reviewer;

	if ((app = panel_form_id(req, "application")) == 0 ||
	    (reviewer = panel_form_id(req, "reviewer")) == 0) {
		fields_error(req, "application", "Choose an application and "
		    "a reviewer.");
		return (assign_form(req, 422));
	}
	(void)snprintf(r->app, sizeof(r->app), "%lld", app);
	(void)snprintf(r->reviewer, sizeof(r->reviewer), "%lld", reviewer);
	r->intro = panel_assigned_intro();
	r->outro = panel_assigned_outro();

	params[0] = r->slug;
	params[1] = r->actor;
	params[2] = r->ip;
	params[3] = r->action;
	params[4] = r->app;
	params[5] = r->reviewer;
	params[6] = ASSIGNED_SUBJECT;
	params[7] = r->intro;
	params[8] = r->outro;

	return (step_query(req, sql_change, 9, params));
}

static int
assign_show(struct http_request *req)
{
	struct assign_run	*r;

	if (!handler_merge(req, "assignments", NULL))
		return (step_error(req, 404, NULL));
	if (req->method != HTTP_METHOD_POST)
		return (assign_form(req, 200));

	r = assign_arg(req);
	r->action = body_get(req, "action");
	if (strcmp(r->action, "add") == 0 || strcmp(r->action, "remove") == 0)
		return (assign_change(req, r));
	if (strcmp(r->action, "auto") == 0 ||
	    strcmp(r->action, "preview") == 0)
		return (assign_problem(req, r));

	return (step_error(req, 400, "Unknown action: choose add, remove, "
	    "preview or auto."));
}

/* What assignment_change() refuses, in words. */
static int
assign_refused(struct http_request *req, const struct outcome *o)
{
	char	msg[OUTCOME_DETAIL_MAX + 128];

	if (o->code == OUTCOME_CONFLICT)
		(void)snprintf(msg, sizeof(msg), "This reviewer has a conflict "
		    "of interest with this application (%s), so they cannot "
		    "be assigned to it.", o->detail);
	else if (strcmp(o->detail, "not_member") == 0)
		(void)snprintf(msg, sizeof(msg), "This person is not on the "
		    "round's panel.");
	else if (strcmp(o->detail, "exists") == 0)
		(void)snprintf(msg, sizeof(msg), "This reviewer is already "
		    "assigned to this application.");
	else if (strcmp(o->detail, "cap") == 0)
		(void)snprintf(msg, sizeof(msg), "This reviewer has reached "
		    "their cap of %lld assignments.", o->number);
	else if (strcmp(o->detail, "started") == 0)
		(void)snprintf(msg, sizeof(msg), "This reviewer has started "
		    "the review; a started review is never taken away.");
	else
		(void)snprintf(msg, sizeof(msg), "The assignment could not be "
		    "changed.");
	fields_error(req, "application", msg);

	return (assign_form(req, 409));
}

/* After a manual change, or after the problem was read: solve it. */
static int
assign_next(struct http_request *req)
{
	struct assign_run	*r;
	struct outcome		 o;

	r = assign_arg(req);
	if (strcmp(r->action, "add") == 0 || strcmp(r->action, "remove") == 0) {
		db_outcome(req, &o);
		switch (o.code) {
		case OUTCOME_OK:
			return (panel_done(req, "assignments",
			    strcmp(r->action, "add") == 0 ? "added" :
			    "removed"));
		case OUTCOME_CONFLICT:
		case OUTCOME_REFUSED:
			return (assign_refused(req, &o));
		default:
			fields_error(req, "application", "This application is "
			    "not a submitted application of this round.");
			return (assign_form(req, 404));
		}
	}

	if (db_rows(req) != 1 || db_isnull(req, 0, 0))
		return (step_error(req, 404, NULL));
	r->problem = strdup(db_value(req, 0, 0));
	(void)snprintf(r->hash, sizeof(r->hash), "%s", db_value(req, 0, 1));
	if (r->problem == NULL)
		fatal("assign: out of memory");

	return (step_work(req, assign_solve_run, r));
}

/* Each proposed reviewer's name, from the page's list of members. */
static void
assign_names(json_t *proposal, json_t *members)
{
	json_t		*a, *m;
	size_t		 i, k;
	json_int_t	 id;

	json_array_foreach(json_object_get(proposal, "assignments"), i, a) {
		id = json_integer_value(json_object_get(a, "reviewer"));
		json_array_foreach(members, k, m) {
			if (json_integer_value(json_object_get(m, "id")) == id)
				json_object_set(a, "name",
				    json_object_get(m, "name"));
		}
	}
}

/* The proposal on the page: a preview, or why nothing was written. */
static int
assign_proposal(struct http_request *req, struct assign_run *r, int status)
{
	json_t		*data, *res;

	data = ctx_get(req)->data;
	if ((res = json_loads(r->result, 0, NULL)) == NULL)
		return (step_error(req, 500, NULL));
	assign_names(res, json_object_get(data, "members"));
	json_object_set_new(res, "ms", json_integer(r->ms));
	json_object_set_new(res, "count", json_integer((json_int_t)
	    json_array_size(json_object_get(res, "assignments"))));
	json_object_set_new(data, "proposal", res);

	return (assign_form(req, status));
}

static const char	sql_auto[] =
    "SELECT outcome, number, detail FROM assignment_auto_save($1, $2, $3, "
    "$4, $5::jsonb, $6, $7, $8)";

static int
assign_solved(struct http_request *req)
{
	struct assign_run	*r;
	const char		*params[8];

	r = assign_arg(req);
	if (work_result(req) != 0) {
		kore_log(LOG_ERR, "assign: round %s: %s", r->slug, r->err);
		return (step_error(req, 500, "The automatic assignment failed; "
		    "the error has been logged. Nothing was written."));
	}
	if (strcmp(r->action, "preview") == 0)
		return (assign_proposal(req, r, 200));
	if (!r->complete) {
		fields_error(req, "auto", "No complete assignment exists, so "
		    "nothing was written.");
		return (assign_proposal(req, r, 409));
	}
	if (strcmp(r->made, "[]") == 0)
		return (panel_done(req, "assignments", "none"));

	r->intro = panel_assigned_intro();
	r->outro = panel_assigned_outro();
	params[0] = r->slug;
	params[1] = r->actor;
	params[2] = r->ip;
	params[3] = r->hash;
	params[4] = r->made;
	params[5] = ASSIGNED_SUBJECT;
	params[6] = r->intro;
	params[7] = r->outro;

	return (step_query(req, sql_auto, 8, params));
}

static int
assign_saved(struct http_request *req)
{
	struct outcome	o;

	db_outcome(req, &o);
	switch (o.code) {
	case OUTCOME_OK:
		return (panel_done(req, "assignments", "auto"));
	case OUTCOME_REFUSED:
		fields_error(req, "auto", "The panel or the applications "
		    "changed while the assignment was computed; nothing was "
		    "written. Run it again.");
		return (assign_form(req, 409));
	default:
		return (step_error(req, 404, NULL));
	}
}

static const step_fn assign_steps[] = { assign_show, assign_next,
    assign_solved, assign_saved, NULL };

HANDLER(assignments_admin,
	.methods = METHODS_FORM,
	.enter = ENTER_ADMIN,
	.body = BODY_FORM,
	.load = assign_load,
	.steps = assign_steps,
	.template = "admin_assignments",
)
