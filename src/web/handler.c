/*
 * The driver: every page's request goes through handler_run(), in the
 * order web/handler.h describes. Its position lives in the request's
 * ctx (phase, step, what it waits for), so a request that sleeps on a
 * query or a task resumes exactly where it stopped, and no step runs
 * twice.
 */

#include <kore/kore.h>
#include <kore/http.h>
#include <kore/pgsql.h>

#include <stdio.h>
#include <string.h>

#include "web/authz.h"
#include "web/body.h"
#include "web/csrf.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/handler.h"
#include "web/page.h"
#include "web/session.h"
#include "web/work.h"

enum phase {
	PHASE_METHOD,
	PHASE_LOAD,
	PHASE_LOADED,
	PHASE_GATE,
	PHASE_BODY,
	PHASE_BODY_PARSED,
	PHASE_CSRF,
	PHASE_GATE_POST,
	PHASE_RIGHTS,
	PHASE_STEPS,
};

enum wait {
	WAIT_NONE,
	WAIT_DB,
	WAIT_WORK,
};

#define LOAD_SQL_MAX	2048

extern const struct handler *const __start_laurel_handlers[];
extern const struct handler *const __stop_laurel_handlers[];

static int	handler_phase(struct http_request *, struct ctx *,
		    const struct handler *);
static int	handler_load(struct http_request *, const struct handler *);
static void	handler_loaded_row(struct http_request *, struct ctx *,
		    const struct handler *);
static int	handler_gate(struct http_request *, const struct handler *);
static int	handler_steps(struct http_request *, struct ctx *,
		    const struct handler *);
static int	handler_wake(struct http_request *, struct ctx *);

int
handler_run(struct http_request *req, const struct handler *h)
{
	struct ctx	*ctx;
	int		 r;

	ctx = ctx_get(req);
	ctx->handler = h;

	for (;;) {
		if (ctx->wait != WAIT_NONE) {
			if ((r = handler_wake(req, ctx)) == STEP_WAIT)
				return (KORE_RESULT_RETRY);
			if (r == STEP_DONE)
				return (KORE_RESULT_OK);
		}

		r = ctx->phase == PHASE_STEPS ? handler_steps(req, ctx, h) :
		    handler_phase(req, ctx, h);
		if (r == STEP_DONE)
			return (KORE_RESULT_OK);
		if (r == STEP_WAIT && ctx->wait == WAIT_NONE)
			fatal("handler %s: a step waits on nothing", h->name);
	}
}

/* What the request slept on is done: STEP_NEXT, or it is still busy. */
static int
handler_wake(struct http_request *req, struct ctx *ctx)
{
	switch (ctx->wait) {
	case WAIT_DB:
		switch (db_poll(req)) {
		case DB_POLL_WAIT:
			return (STEP_WAIT);
		case DB_POLL_FAILED:
			ctx->wait = WAIT_NONE;
			return (STEP_DONE);
		}
		break;
	case WAIT_WORK:
		if (!work_poll(req))
			return (STEP_WAIT);
		break;
	}

	ctx->wait = WAIT_NONE;
	if (ctx->phase == PHASE_LOADED)
		handler_loaded_row(req, ctx, ctx->handler);

	return (STEP_NEXT);
}

/* The fixed part of the walk, one phase per call. */
static int
handler_phase(struct http_request *req, struct ctx *ctx,
    const struct handler *h)
{
	int	post;

	post = req->method == HTTP_METHOD_POST;

	switch (ctx->phase++) {
	case PHASE_METHOD:
		return (page_allow(req, h->methods) ? STEP_NEXT : STEP_DONE);
	case PHASE_LOAD:
		return (handler_load(req, h));
	case PHASE_LOADED:
		/* handler_wake() has read the row, if a query ran. */
		return (STEP_NEXT);
	case PHASE_GATE:
		return (handler_gate(req, h));
	case PHASE_BODY:
		if (!post || h->body == BODY_NONE)
			return (STEP_NEXT);
		if (h->body == BODY_UPLOAD) {
			if (body_upload_start(req) == -1)
				return (STEP_NEXT);
			ctx->wait = WAIT_WORK;
			return (STEP_WAIT);
		}
		return (body_form(req) != NULL ? STEP_NEXT : STEP_DONE);
	case PHASE_BODY_PARSED:
		if (post && h->body == BODY_UPLOAD)
			return (body_uploaded(req) != NULL ? STEP_NEXT :
			    STEP_DONE);
		return (STEP_NEXT);
	case PHASE_CSRF:
		if (!post)
			return (STEP_NEXT);
		return (csrf_check(req) ? STEP_NEXT : STEP_DONE);
	case PHASE_GATE_POST:
		if (!post)
			return (STEP_NEXT);
		return (authz_enter(req, h->enter, h->signed_in_to) ?
		    STEP_NEXT : STEP_DONE);
	case PHASE_RIGHTS:
		if (h->resource == RESOURCE_NONE || authz_can(req, h->rights))
			return (STEP_NEXT);
		if (h->refuse != NULL)
			return (h->refuse(req));
		return (step_error(req, 404, NULL));
	}

	fatal("handler %s: phase %d", h->name, ctx->phase - 1);
	/* NOTREACHED */
	return (STEP_DONE);
}

/*
 * GET and HEAD: the whole gate. POST: only "is there a session at all"
 * for pages that need one, answered like a missing token (403), before
 * the body is read; the rest waits until the token has been checked, so
 * a forged POST cannot tell who, if anyone, is signed in.
 */
static int
handler_gate(struct http_request *req, const struct handler *h)
{
	if (req->method != HTTP_METHOD_POST)
		return (authz_enter(req, h->enter, h->signed_in_to) ?
		    STEP_NEXT : STEP_DONE);

	switch (h->enter) {
	case ENTER_SECOND_FACTOR:
	case ENTER_SIGNED_IN:
	case ENTER_ADMIN:
		if (session_partial(req) == NULL) {
			csrf_refuse(req);
			return (STEP_DONE);
		}
		break;
	default:
		break;
	}

	return (STEP_NEXT);
}

/*
 * The session check and the page's own columns (and the rights on its
 * resource) in one statement. Public pages do not read the session.
 */
static int
handler_load(struct http_request *req, const struct handler *h)
{
	struct load_params	 lp;
	struct db_params	 p;
	const char		*cols, *values[LOAD_PARAMS_MAX + 1];
	char			 sql[LOAD_SQL_MAX], hash[CTX_HASH_LEN];
	char			 rights[128];
	int			 i, n;

	memset(&lp, 0, sizeof(lp));
	cols = h->load != NULL ? h->load(req, &lp) : h->columns;

	if (h->enter == ENTER_PUBLIC) {
		if (cols == NULL)
			return (STEP_NEXT);
		(void)snprintf(sql, sizeof(sql), "SELECT %s", cols);
		memset(&p, 0, sizeof(p));
		p.sql = sql;
		p.nparams = lp.n;
		p.values = lp.v;
		return (step_query_params(req, &p));
	}

	if (!session_token_hash(req, hash))
		return (STEP_NEXT);

	rights[0] = '\0';
	if (h->resource != RESOURCE_NONE)
		authz_rights_sql(req, h->resource, &lp, rights, sizeof(rights));

	values[0] = hash;
	for (i = 0; i < lp.n; i++)
		values[i + 1] = lp.v[i];
	n = lp.n + 1;

	i = snprintf(sql, sizeof(sql), "SELECT %s%s%s%s%s " SESSION_FROM,
	    SESSION_COLUMNS, cols != NULL ? ", " : "", cols != NULL ? cols :
	    "", rights[0] != '\0' ? ", " : "", rights);
	if (i < 0 || (size_t)i >= sizeof(sql))
		fatal("handler %s: page query too long", h->name);

	memset(&p, 0, sizeof(p));
	p.sql = sql;
	p.nparams = n;
	p.values = values;

	return (step_query_params(req, &p));
}

/* The round trip is back: the session, then the page's row kept apart. */
static void
handler_loaded_row(struct http_request *req, struct ctx *ctx,
    const struct handler *h)
{
	if (h->enter != ENTER_PUBLIC)
		session_parse(req);

	ctx->loaded = ctx->res;
	ctx->res = NULL;

	if (h->resource != RESOURCE_NONE)
		authz_rights_read(req, handler_loaded(req, "rights"));
}

static int
handler_steps(struct http_request *req, struct ctx *ctx,
    const struct handler *h)
{
	const step_fn	*steps;
	step_fn		 fn;

	steps = h->steps;
	if (h->get_steps != NULL && req->method != HTTP_METHOD_POST)
		steps = h->get_steps;

	if (steps == NULL || (fn = steps[ctx->step]) == NULL) {
		if (h->template == NULL)
			fatal("handler %s: its steps did not answer", h->name);
		return (step_render(req, 200));
	}

	ctx->step++;
	return (fn(req));
}

int
step_query(struct http_request *req, const char *sql, int nparams,
    const char *const *params)
{
	struct db_params	p;

	memset(&p, 0, sizeof(p));
	p.sql = sql;
	p.nparams = nparams;
	p.values = params;

	return (step_query_params(req, &p));
}

int
step_query_params(struct http_request *req, const struct db_params *p)
{
	struct ctx	*ctx;

	ctx = ctx_get(req);
	if (db_start(req, p) == -1)
		return (STEP_DONE);
	ctx->wait = WAIT_DB;

	return (STEP_WAIT);
}

int
step_work(struct http_request *req, int (*fn)(void *), void *arg)
{
	work_start(req, fn, arg);
	ctx_get(req)->wait = WAIT_WORK;

	return (STEP_WAIT);
}

int
step_render(struct http_request *req, int status)
{
	const struct handler	*h;

	h = ctx_get(req)->handler;
	if (h == NULL || h->template == NULL)
		fatal("step_render: the page has no template");

	return (step_render_as(req, status, h->template));
}

int
step_render_as(struct http_request *req, int status, const char *name)
{
	const struct handler	*h;

	/*
	 * A token for the page's forms, or the layout's sign-out button. A
	 * public page without a form has neither, and sets no cookie: it
	 * stays the same for everyone (and cacheable).
	 */
	h = ctx_get(req)->handler;
	if (h != NULL && ((h->methods & HTTP_METHOD_POST) ||
	    h->enter != ENTER_PUBLIC))
		csrf_expose(req);
	page_render(req, status, name);

	return (STEP_DONE);
}

int
step_page(struct http_request *req, int status, const char *name)
{
	page_render(req, status, name);
	return (STEP_DONE);
}

int
step_redirect(struct http_request *req, const char *path)
{
	page_redirect(req, path);
	return (STEP_DONE);
}

int
step_over_limit(struct http_request *req, const char *what)
{
	if (db_bool(req, "allowed"))
		return (0);

	page_throttled(req, what, db_text(req, "retry_after"));
	return (1);
}

int
step_throttled(struct http_request *req, const char *what, long long seconds)
{
	char	secs[32];

	(void)snprintf(secs, sizeof(secs), "%lld", seconds);
	page_throttled(req, what, secs);

	return (STEP_DONE);
}

int
step_json(struct http_request *req, int status, json_t *reply)
{
	char	*s;

	if ((s = json_dumps(reply, JSON_COMPACT)) == NULL)
		fatal("step_json: out of memory");
	json_decref(reply);
	http_response_header(req, "cache-control", "no-store");
	page_send(req, status, "application/json", s, strlen(s));
	free(s);

	return (STEP_DONE);
}

int
step_error(struct http_request *req, int status, const char *message)
{
	page_error(req, status, message);
	return (STEP_DONE);
}

const char *
handler_loaded(struct http_request *req, const char *col)
{
	PGresult	*res;
	int		 c;

	res = ctx_get(req)->loaded;
	if (res == NULL || PQntuples(res) != 1)
		return (NULL);
	if ((c = PQfnumber(res, col)) < 0 || PQgetisnull(res, 0, c))
		return (NULL);

	return (PQgetvalue(res, 0, c));
}

int
handler_merge(struct http_request *req, const char *col, const char *key)
{
	const char	*s;
	json_t		*v, *data;
	json_error_t	 err;

	if ((s = handler_loaded(req, col)) == NULL)
		return (0);
	if ((v = json_loads(s, JSON_DECODE_ANY, &err)) == NULL)
		return (0);

	data = ctx_get(req)->data;
	if (key != NULL) {
		json_object_set_new(data, key, v);
	} else {
		json_object_update(data, v);
		json_decref(v);
	}

	return (1);
}

/*
 * A kept part of a column beside its live parts (sql/98_dashboard.sql):
 * SQL nests the kept JSON as it is rather than parse it to merge it.
 */
int
handler_lift(json_t *obj, const char *key)
{
	json_t	*inner;

	if (!json_is_object(inner = json_object_get(obj, key)))
		return (0);
	(void)json_object_update(obj, inner);
	(void)json_object_del(obj, key);
	return (1);
}

void
load_param(struct load_params *lp, const char *v)
{
	if (lp->n >= LOAD_PARAMS_MAX)
		fatal("load_param: more than %d", LOAD_PARAMS_MAX);
	lp->v[lp->n++] = v;
}

void
load_param_copy(struct load_params *lp, const char *v, size_t len)
{
	if (lp->n >= LOAD_PARAMS_MAX)
		fatal("load_param_copy: more than %d", LOAD_PARAMS_MAX);
	if (len >= sizeof(lp->text[lp->n]))
		len = 0;
	memcpy(lp->text[lp->n], v, len);
	lp->text[lp->n][len] = '\0';
	lp->v[lp->n] = lp->text[lp->n];
	lp->n++;
}

void
load_param_id(struct load_params *lp, long long id)
{
	if (lp->n >= LOAD_PARAMS_MAX)
		fatal("load_param_id: more than %d", LOAD_PARAMS_MAX);
	(void)snprintf(lp->num[lp->n], sizeof(lp->num[lp->n]), "%lld", id);
	lp->v[lp->n] = lp->num[lp->n];
	lp->n++;
}

const struct handler *
handler_find(const char *name)
{
	const struct handler *const	*h;

	for (h = __start_laurel_handlers; h < __stop_laurel_handlers; h++) {
		if (strcmp((*h)->name, name) == 0)
			return (*h);
	}

	return (NULL);
}

static const char *const enter_names[] = {
	[ENTER_PUBLIC] = "public",
	[ENTER_ANYONE] = "anyone",
	[ENTER_ANONYMOUS] = "anonymous",
	[ENTER_SECOND_FACTOR] = "second_factor",
	[ENTER_SIGNED_IN] = "signed_in",
	[ENTER_ADMIN] = "admin",
};

static const char *const body_names[] = {
	[BODY_NONE] = "none",
	[BODY_FORM] = "form",
	[BODY_UPLOAD] = "upload",
};

/*
 * One line per route at start: what the instance serves, and to whom.
 * The tests' access matrix is driven from these lines.
 */
static void
handler_list(const struct kore_module_handle *hdlr, const struct handler *h)
{
	kore_log(LOG_NOTICE, "handler: route=%s name=%s methods=%s%s%s "
	    "enter=%s body=%s rights=%u", hdlr->path, h->name,
	    (h->methods & HTTP_METHOD_GET) ? "GET," : "",
	    (h->methods & HTTP_METHOD_POST) ? "POST," : "",
	    h->methods == HTTP_METHOD_ALL ? "ALL," : "",
	    enter_names[h->enter], body_names[h->body], h->rights);
}

/*
 * Every route of the Kore configuration must call a declared page, and
 * every declared page must have a route: a handler written by hand, or
 * a page nobody can reach, stops the start. 0, or -1 after a log line.
 */
int
handler_check_routes(void)
{
	struct kore_server		*srv;
	struct kore_domain		*dom;
	struct kore_module_handle	*hdlr;
	const struct handler		*found;
	size_t				 n, i;
	unsigned char			 routed[256];

	n = (size_t)(__stop_laurel_handlers - __start_laurel_handlers);
	if (n > sizeof(routed))
		fatal("handler: more than %zu pages", sizeof(routed));
	memset(routed, 0, sizeof(routed));

	LIST_FOREACH(srv, &kore_servers, list) {
		TAILQ_FOREACH(dom, &srv->domains, list) {
			TAILQ_FOREACH(hdlr, &dom->handlers, list) {
				if ((found = handler_find(hdlr->func)) == NULL) {
					kore_log(LOG_ERR, "config: route %s "
					    "calls %s, which is not a declared "
					    "page (HANDLER in src/)",
					    hdlr->path, hdlr->func);
					return (-1);
				}
				for (i = 0; i < n; i++) {
					if (__start_laurel_handlers[i] == found)
						routed[i] = 1;
				}
				handler_list(hdlr, found);
			}
		}
	}

	for (i = 0; i < n; i++) {
		if (!routed[i]) {
			kore_log(LOG_ERR, "config: the page %s has no route in "
			    "conf/routes.conf", __start_laurel_handlers[i]->name);
			return (-1);
		}
	}

	return (0);
}
