#include <kore/kore.h>
#include <kore/http.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/md.h"
#include "public/public.h"
#include "web/ctx.h"
#include "web/db.h"
#include "web/page.h"

#define GET_ONLY	(HTTP_METHOD_GET | HTTP_METHOD_HEAD)

static int	home_query(struct http_request *);
static int	home_show(struct http_request *);
static int	readyz_query(struct http_request *);
static int	readyz_reply(struct http_request *);

enum { HOME_QUERY, HOME_SHOW };
enum { READYZ_QUERY, READYZ_REPLY };

static struct http_state home_states[] = {
	KORE_HTTP_STATE(home_query),
	KORE_HTTP_STATE(home_show),
};

static struct http_state readyz_states[] = {
	KORE_HTTP_STATE(readyz_query),
	KORE_HTTP_STATE(readyz_reply),
};

/* Tells the layout which navigation entry is the current page. */
static void
public_mark(struct http_request *req, const char *name)
{
	char		 key[32];

	(void)snprintf(key, sizeof(key), "is_%s", name);
	json_object_set_new(ctx_get(req)->data, key, json_true());
}

static int
public_static_page(struct http_request *req, const char *name)
{
	if (!page_allow(req, GET_ONLY))
		return (KORE_RESULT_OK);

	public_mark(req, name);
	return (page_render(req, 200, name));
}

/* The home page: the award, and the rounds open now (one query). */
int
public_home(struct http_request *req)
{
	if (!page_allow(req, GET_ONLY))
		return (KORE_RESULT_OK);

	return (http_state_run(home_states,
	    sizeof(home_states) / sizeof(home_states[0]), req));
}

static int
home_query(struct http_request *req)
{
	return (db_query(req, HOME_SHOW, "SELECT rounds_public_open()", 0,
	    NULL));
}

/* The call text is Markdown, rendered safe (no raw HTML, no scripts). */
static void
home_markdown(json_t *round)
{
	const char	*src;
	char		*html;

	src = json_string_value(json_object_get(round, "description"));
	if (src == NULL || (html = md_render(src, strlen(src))) == NULL)
		return;
	json_object_set_new(round, "description_html", json_string(html));
	free(html);
}

static int
home_show(struct http_request *req)
{
	json_t		*rounds, *r;
	json_error_t	 err;
	size_t		 i;

	rounds = json_loads(db_value(req, 0, 0), 0, &err);
	if (rounds == NULL)
		rounds = json_array();
	json_array_foreach(rounds, i, r)
		home_markdown(r);
	json_object_set_new(ctx_get(req)->data, "rounds", rounds);

	public_mark(req, "home");
	page_render(req, 200, "home");
	return (HTTP_STATE_COMPLETE);
}

int
public_rules(struct http_request *req)
{
	return (public_static_page(req, "rules"));
}

int
public_privacy(struct http_request *req)
{
	return (public_static_page(req, "privacy"));
}

/* Liveness: answers without the database, so it measures Kore alone. */
int
public_healthz(struct http_request *req)
{
	if (!page_allow(req, GET_ONLY))
		return (KORE_RESULT_OK);

	return (page_text(req, 200, "ok"));
}

/* Readiness: one query; the 503 page while the database is away. */
int
public_readyz(struct http_request *req)
{
	if (!page_allow(req, GET_ONLY))
		return (KORE_RESULT_OK);

	return (http_state_run(readyz_states,
	    sizeof(readyz_states) / sizeof(readyz_states[0]), req));
}

static int
readyz_query(struct http_request *req)
{
	return (db_query(req, READYZ_REPLY, "SELECT 1", 0, NULL));
}

static int
readyz_reply(struct http_request *req)
{
	if (db_rows(req) != 1)
		return (page_error(req, 503, NULL), HTTP_STATE_COMPLETE);

	page_text(req, 200, "ok");
	return (HTTP_STATE_COMPLETE);
}
