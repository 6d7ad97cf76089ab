/*
 * One way to write a page. A page is a declaration:
 *
 *	static const step_fn thing_steps[] = { thing_check, thing_saved,
 *	    NULL };
 *
 *	HANDLER(thing_page, {
 *		.methods = METHODS_FORM,
 *		.enter = ENTER_SIGNED_IN,
 *		.body = BODY_FORM,
 *		.load = thing_load,		(the page's query, optional;
 *						 .columns when it is fixed)
 *		.resource = RESOURCE_APPLICATION,
 *		.rights = RIGHT_VIEW,
 *		.steps = thing_steps,
 *		.template = "thing",
 *	});
 *
 * and one driver (handler_run) takes every request through the same
 * order, which no page writes by hand:
 *
 *	method (405)
 *	  -> session and the page's query, one round trip
 *	  -> sign-in gate (GET: to /login, /login/totp, 404 for admin pages;
 *	     a POST without a session: 403, before its body is read)
 *	  -> body (form, or an upload parsed on a task thread)
 *	  -> CSRF on every POST (403), before anything is written
 *	  -> the rest of the gate for POSTs (who is signed in is only
 *	     revealed to a request that carried a valid token)
 *	  -> rights on the resource (404: what one may not see does not exist)
 *	  -> the page's steps, each exactly once
 *	  -> render the template (or the step already answered: 303, JSON...)
 *
 * A step returns STEP_NEXT to go on, STEP_DONE once it has answered, or
 * what step_query() / step_work() return: the driver then waits for the
 * query or the task and resumes at the next step with the result
 * (db_value(), work_result()).
 */
#ifndef LAUREL_WEB_HANDLER_H
#define LAUREL_WEB_HANDLER_H

#include <kore/kore.h>
#include <kore/http.h>

#include <jansson.h>

#include "web/authz.h"
#include "web/db.h"

#define METHODS_GET	(HTTP_METHOD_GET | HTTP_METHOD_HEAD)
#define METHODS_POST	HTTP_METHOD_POST
#define METHODS_FORM	(METHODS_GET | METHODS_POST)

enum body {
	BODY_NONE,
	BODY_FORM,		/* urlencoded or multipart, LAUREL_BODY_MAX */
	BODY_UPLOAD,		/* a document, parsed on a task thread */
};

enum step_result {
	STEP_NEXT,
	STEP_WAIT,
	STEP_DONE,
};

typedef int	(*step_fn)(struct http_request *);

/* The page query's parameters ($2 on; public pages: $1 on). */
#define LOAD_PARAMS_MAX	6

#define LOAD_TEXT_MAX	128

struct load_params {
	const char	*v[LOAD_PARAMS_MAX];
	char		 num[LOAD_PARAMS_MAX][24];
	char		 text[LOAD_PARAMS_MAX][LOAD_TEXT_MAX];
	int		 n;
};

/* v must outlive the query (req->path does; a local buffer does not). */
void	load_param(struct load_params *, const char *);
void	load_param_id(struct load_params *, long long);

/*
 * The first len bytes of v, copied: for a segment of the path. One too
 * long for any name is passed as "", which names nothing (never cut to
 * a shorter name that might exist).
 */
void	load_param_copy(struct load_params *, const char *v, size_t len);

struct handler {
	const char	*name;		/* as conf/routes.conf names it */
	int		 methods;
	enum enter	 enter;
	const char	*signed_in_to;	/* ENTER_ANONYMOUS */
	enum body	 body;
	/* Fields a form may have; 0: FORM_DEFAULT_MAX_FIELDS (core/form.h). */
	size_t		 form_fields;

	/*
	 * The page's columns ("application_view($2, s.user_id) AS view"),
	 * selected with the session's FROM session_touch($1) s; NULL when
	 * the page has no query of its own. Signed-in pages only run it
	 * with a session; public pages run it alone.
	 */
	const char	*(*load)(struct http_request *, struct load_params *);
	const char	*columns;	/* the same, when it needs no parameter */

	enum resource	 resource;	/* whose rights the page needs */
	unsigned int	 rights;	/* all of these, or the 404 page */
	/* How the page says 404 when that is not the HTML page (JSON). */
	int		(*refuse)(struct http_request *);

	const step_fn	*steps;		/* NULL-terminated */
	const step_fn	*get_steps;	/* for GET and HEAD, when they differ */
	const char	*template;	/* rendered after the steps, 200 */
};

/* Runs a request through h (the function HANDLER() defines calls it). */
int	handler_run(struct http_request *, const struct handler *);

/*
 * Defines the route's entry point NAME and registers the declaration, so
 * that the start can check every route against the declared pages.
 */
#define HANDLER(fn, ...)						\
	int fn(struct http_request *);					\
	static const struct handler fn##_handler = {			\
		.name = #fn, __VA_ARGS__				\
	};								\
	static const struct handler *const fn##_registered		\
	    __attribute__((used, section("laurel_handlers"))) =		\
	    &fn##_handler;						\
	int								\
	fn(struct http_request *req)					\
	{								\
		return (handler_run(req, &fn##_handler));		\
	}

/* The declared pages, for the start-up check and the dev listing. */
const struct handler	*handler_find(const char *name);
int			 handler_check_routes(void);

/* In a step: start a query or a task; return what these return. */
int	step_query(struct http_request *, const char *sql, int nparams,
	    const char *const *params);
int	step_query_params(struct http_request *, const struct db_params *);
int	step_work(struct http_request *, int (*fn)(void *), void *arg);

/*
 * Renders the page's template with status; with csrf_token when the page
 * takes a POST or has a session (not on a public page without a form).
 */
int	step_render(struct http_request *, int status);

/* The same with another of the page's templates (a form's other states). */
int	step_render_as(struct http_request *, int status, const char *name);

/*
 * A template without a form (a confirmation): no CSRF token, no cookie,
 * whatever the page takes.
 */
int	step_page(struct http_request *, int status, const char *name);

/* 303 to path; STEP_DONE. */
int	step_redirect(struct http_request *, const char *path);

/*
 * After a query that counted an attempt (columns allowed, retry_after):
 * 1 once the 429 page for what has been sent (the step returns
 * STEP_DONE), 0 when the attempt is within the limit.
 */
int	step_over_limit(struct http_request *, const char *what);

/* The 429 page for seconds (page_throttled()); STEP_DONE. */
int	step_throttled(struct http_request *, const char *what,
	    long long seconds);

/* reply as JSON, not cached (the reference is taken); STEP_DONE. */
int	step_json(struct http_request *, int status, json_t *reply);

/* The error page; STEP_DONE. */
int	step_error(struct http_request *, int status, const char *message);

/* A column of the page's own row by name: NULL when absent or NULL. */
const char	*handler_loaded(struct http_request *, const char *col);

/* Its JSON into the page data under key (NULL: merged at the top). */
int		 handler_merge(struct http_request *, const char *col,
		    const char *key);

/* obj's member key, an object, merged into obj in its place; 0 if none. */
int		 handler_lift(json_t *obj, const char *key);

#endif
